/**
 * Checks one response against its case: the status the case expects, then every operation-level check of
 * operation-checks.ts (headers, content type, schema, undocumented members, JWTs, scope, cross-response facts),
 * then what the case adds. Against a mock, the body must be the named example itself. Against a live target, the
 * example's error members must be the documented ones, the response must carry every member of the example it
 * claims to be, and the trigger's expectations (values computed from the profile and the request) must hold.
 *
 * Entry points: `checkCase(c, response, options)`, `Approx`, `compareValues`; `ValueExpectation` (types.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '../src/contract/examples.js';
import type { OperationId } from '../src/contract/operations.js';
import { failure, type CheckName, type Failure } from './failures.js';
import type { HttpResponse } from './http.js';
import { checkResponse, documentedErrorMismatches, type CheckContext } from './operation-checks.js';
import type { Case, ValueExpectation } from './types.js';

export type { ValueExpectation } from './types.js';

/** A number expected within `tolerance` of one of `candidates` (a score computed two acceptable ways). */
export class Approx {
  constructor(readonly candidates: readonly number[], readonly tolerance: number, readonly why: string) {}
  matches(value: unknown): boolean {
    return typeof value === 'number' && this.candidates.some((c) => Math.abs(c - value) <= this.tolerance + 1e-9);
  }
  toJSON(): string {
    return `${[...new Set(this.candidates)].join(' or ')} (±${this.tolerance}: ${this.why})`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Approx);

export interface Mismatch { at: string; expected: unknown; got: unknown }

/** Where `got` differs from `expected`, member by member; with `subset`, members `expected` lacks are allowed. */
export function compareValues(expected: unknown, got: unknown, subset = false, at = ''): Mismatch[] {
  if (expected instanceof Approx) return expected.matches(got) ? [] : [{ at: at || '/', expected: expected.toJSON(), got }];
  if (isObject(expected)) {
    if (!isObject(got)) return [{ at: at || '/', expected, got }];
    const out: Mismatch[] = [];
    for (const [k, v] of Object.entries(expected)) {
      if (!(k in got)) out.push({ at: `${at}/${k}`, expected: v instanceof Approx ? v.toJSON() : v, got: 'absent' });
      else out.push(...compareValues(v, got[k], subset, `${at}/${k}`));
    }
    if (!subset) for (const k of Object.keys(got)) if (!(k in expected)) out.push({ at: `${at}/${k}`, expected: 'absent', got: got[k] });
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(got) && expected.length === got.length) {
    return expected.flatMap((v, i) => compareValues(v, got[i], subset, `${at}/${i}`));
  }
  return isDeepStrictEqual(expected, got) ? [] : [{ at: at || '/', expected, got }];
}

/** What a response lacks of the example it claims to be: its members (recursively), and the items of its lists
 *  of strings (a metadata document's `grant_types_supported`). */
function missingMembers(documented: Json, got: unknown, at = ''): string[] {
  if (Array.isArray(documented)) {
    return documented.filter((item): item is string => typeof item === 'string' && !(Array.isArray(got) && got.includes(item))).map((item) => `${at} ${JSON.stringify(item)}`);
  }
  if (!isObject(documented)) return [];
  return Object.entries(documented).flatMap(([k, v]) =>
    !isObject(got) || !(k in got) ? [`${at}/${k}`] : missingMembers(v, got[k], `${at}/${k}`));
}

function redirectFailures(location: string | null, query: Record<string, string | true>, redirectUri?: string, requestUrl?: string): Failure[] {
  if (!location) return []; // the operation-level header check reports a missing Location
  let url: URL;
  try {
    // A relative reference is resolved against the request's URL (RFC 9110 section 10.2.2).
    url = new URL(location, requestUrl);
  } catch {
    return [failure('location', 'a URI reference in Location', location)];
  }
  const failures: Failure[] = [];
  if (redirectUri) {
    const registered = new URL(redirectUri);
    if (`${url.origin}${url.pathname}` !== `${registered.origin}${registered.pathname}`) failures.push(failure('location', `a redirect to ${redirectUri}`, `${url.origin}${url.pathname}`));
  }
  for (const [name, want] of Object.entries(query)) {
    const value = url.searchParams.get(name);
    if (want === true ? !value : value !== want) failures.push(failure('location', `query ${name}=${want === true ? '(any)' : want}`, value ?? 'absent', name));
  }
  return failures;
}

export interface CaseCheckOptions {
  mode: 'mock' | 'live';
  expectation?: ValueExpectation;
  /** What the run knows about this exchange (see CheckContext). */
  context?: CheckContext;
  redirectUri?: string;
  /** The URL the request went to, that a relative Location is resolved against. */
  requestUrl?: string;
}

export function checkCase(c: Case, response: HttpResponse, options: CaseCheckOptions): Failure[] {
  if (response.status !== Number(c.status)) return [failure('status', c.status, response.status)];
  const { failures, body } = checkResponse(c.operation.operationId as OperationId, response, { ...options.context, errorValues: false });
  const documented = c.example.value;
  const header = c.example.header;

  if (options.mode === 'mock') {
    if (header) {
      // Prism serves a header's first example whatever is asked: any documented example is right.
      const value = response.headers.get(header);
      if (!c.siblings.some((e) => e.value === value)) failures.push(failure('example', { [header]: { 'one of': c.siblings.map((e) => e.value) } }, { [header]: value }, header));
    } else if (body !== undefined && !isDeepStrictEqual(body, documented)) {
      failures.push(failure('example', documented, body));
    }
    return failures;
  }

  if (body !== undefined) {
    for (const member of documentedErrorMismatches(c.example, body)) {
      failures.push(failure('error-value', (documented as Record<string, unknown>)[member], (body as Record<string, unknown> | null)?.[member] ?? 'absent', member));
    }
  }
  const expectation = options.expectation ?? {};
  if (expectation.body === undefined && body !== undefined) {
    for (const at of missingMembers(documented, body)) failures.push(failure('example', `every member of ${c.example.name}`, 'absent', at));
  }
  const check = expectation.check ?? 'value';
  if (expectation.body !== undefined) for (const m of compareValues(expectation.body, body)) failures.push(failure(check, m.expected, m.got, m.at));
  if (expectation.subset !== undefined) for (const m of compareValues(expectation.subset, body, true)) failures.push(failure(check, m.expected, m.got, m.at));
  if (expectation.location) failures.push(...redirectFailures(response.headers.get('location'), expectation.location, options.redirectUri, options.requestUrl));
  if (expectation.urlPaths) failures.push(...urlPathFailures(expectation.urlPaths, body, check));
  return failures;
}

/**
 * Members that must be absolute URLs ending with the contract's paths, all under one base: the origin and path
 * prefix the target advertises, whatever they are (its own, or a gateway's public one).
 */
function urlPathFailures(paths: Record<string, string>, body: unknown, check: CheckName): Failure[] {
  const failures: Failure[] = [];
  const bases = new Set<string>();
  for (const [member, path] of Object.entries(paths)) {
    const value = isObject(body) ? body[member] : undefined;
    let url: URL | undefined;
    try {
      url = typeof value === 'string' ? new URL(value) : undefined;
    } catch { /* not an absolute URL */ }
    const prefix = url?.pathname.endsWith(path) ? url.pathname.slice(0, url.pathname.length - path.length) : undefined;
    if (!url || prefix === undefined || !(prefix === '' || prefix.startsWith('/'))) failures.push(failure(check, `an absolute URL whose path is ${path}, or ends with it under a path prefix`, value ?? 'absent', member));
    else bases.add(`${url.origin}${prefix}`);
  }
  if (bases.size > 1) failures.push(failure(check, 'endpoints under one base URL', [...bases].join(', '), Object.keys(paths).join(', ')));
  return failures;
}
