/**
 * Form bodies and queries (`application/x-www-form-urlencoded`) as the APIs read them, in one place for the
 * sandbox, the conformance checks, the flow memory and the fuzzer: each parameter with its first value, a
 * parameter sent without a value treated as omitted (RFC 6749 section 3.1), and the names sent more than once
 * (which section 3.1 forbids) listed apart.
 */

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

export interface Form {
  /** The parameters, each with its first value. */
  params: Record<string, string>;
  /** The names of the parameters sent more than once, which RFC 6749 section 3.1 forbids. */
  repeated: string[];
}

/** The parameters of a form body or a query string. */
export function parseForm(source: string | URLSearchParams): Form {
  const params: Record<string, string> = {};
  const repeated = new Set<string>();
  for (const [k, v] of typeof source === 'string' ? new URLSearchParams(source) : source) {
    if (v === '') continue;
    if (Object.hasOwn(params, k)) repeated.add(k);
    else params[k] = v;
  }
  return { params, repeated: [...repeated] };
}

/** True when a Content-Type value declares a form (parameters and case aside). */
export const isFormMediaType = (contentType: string | null | undefined): boolean =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase() === FORM_MEDIA_TYPE;
