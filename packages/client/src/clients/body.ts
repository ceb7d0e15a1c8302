/**
 * Request bodies in the contract's media type, whatever the caller passes: openapi-fetch sends JSON unless told
 * otherwise, where a token endpoint's contract says `application/x-www-form-urlencoded` (and the server answers
 * `invalid_request` to JSON). For an operation with a request body, the client sets the Content-Type to the
 * operation's media type (the caller's own when it is one of the operation's, the contract's first otherwise) and
 * serializes the body for it:
 *
 * - `application/x-www-form-urlencoded`: a plain object (each value a string, number or boolean, or an array of
 *   them, sent as repeated fields; `undefined` and `null` left out), a `URLSearchParams`, a `FormData` of strings,
 *   or a string already encoded;
 * - JSON (`application/json`, `+json`): an object (a `URLSearchParams` or `FormData` becomes one), or a string
 *   already encoded.
 *
 * @see https://url.spec.whatwg.org/#urlencoded-serializing application/x-www-form-urlencoded serializing
 * @see https://spec.openapis.org/oas/v3.1.0#encoding-object default form encoding (style form, explode)
 */
import type { HeadersOptions } from 'openapi-fetch';

const FORM = 'application/x-www-form-urlencoded';

type HeadersInit = ConstructorParameters<typeof Headers>[0];
/** Headers as a record, in openapi-fetch's spelling (a value may be a number, an array, or `null` to remove it). */
type HeaderRecord = Exclude<HeadersOptions, Headers | unknown[]>;

/** The media type of a Content-Type value, without its parameters, lowercased. */
const mediaOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();
const isJson = (media: string) => media === 'application/json' || media.endsWith('+json');

function entriesOf(body: unknown): Iterable<[string, unknown]> {
  if (body instanceof URLSearchParams || body instanceof FormData || body instanceof Map) return body.entries() as Iterable<[string, unknown]>;
  if (typeof body !== 'object' || body === null) throw new TypeError(`a form body is an object of fields, a URLSearchParams, a FormData or an encoded string, not ${body === null ? 'null' : typeof body}`);
  return Object.entries(body);
}

/** `body` as `application/x-www-form-urlencoded` text. */
export function formBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  const form = new URLSearchParams();
  for (const [name, value] of entriesOf(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') {
        throw new TypeError(`form field ${JSON.stringify(name)} holds ${typeof item === 'object' ? 'an object' : `a ${typeof item}`}: a form body's fields are strings, numbers or booleans (or arrays of them)`);
      }
      form.append(name, String(item));
    }
  }
  return form.toString();
}

/** `body` as JSON text. */
function jsonBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams || body instanceof FormData) return JSON.stringify(Object.fromEntries(body.entries()));
  return JSON.stringify(body);
}

/** The caller's Content-Type among `headers`, whatever their form. */
function givenContentType(headers: HeadersOptions | undefined): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers || Array.isArray(headers)) return new Headers(headers as HeadersInit).get('Content-Type') ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
  const value = key === undefined ? undefined : (headers as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** `headers`, whatever their form (openapi-fetch merges records and `Headers`, not arrays of pairs), as a record. */
export function headerRecord(headers: HeadersOptions | undefined): HeaderRecord {
  return headers instanceof Headers || Array.isArray(headers) ? Object.fromEntries(new Headers(headers as HeadersInit)) : { ...headers };
}

/** `headers` as a record, with `Content-Type` set to `contentType` (and no other spelling of it left). */
function withContentType(headers: HeadersOptions | undefined, contentType: string): HeaderRecord {
  const record = headerRecord(headers);
  for (const key of Object.keys(record)) if (key.toLowerCase() === 'content-type') delete record[key];
  record['Content-Type'] = contentType;
  return record;
}

/**
 * The `headers` and `bodySerializer` that send a request body as one of `mediaTypes` (the operation's, from the
 * contract, the first the default): the caller's Content-Type when it names one of them, the first otherwise.
 */
export function contractBody(mediaTypes: readonly string[], headers: HeadersOptions | undefined): { headers: HeaderRecord; bodySerializer: (body: unknown) => unknown } {
  const given = givenContentType(headers);
  const contentType = given !== undefined && mediaTypes.includes(mediaOf(given)) ? given : mediaTypes[0]!;
  const media = mediaOf(contentType);
  const bodySerializer = media === FORM ? formBody : isJson(media) ? jsonBody : (body: unknown) => body;
  return { headers: withContentType(headers, contentType), bodySerializer };
}
