/**
 * Operation-level checks: what the contract says about any request or response of an operation, with no
 * conformance case needed. The suite runs them on every exchange of a run (each step of a trigger included); the
 * validating proxy and the fuzzer run them on the traffic they see.
 *
 * Entry points:
 * - `checkResponse(operationId, response, context)` → `{ failures, body }`: status documented; Content-Type
 *   documented, exactly once, JSON in UTF-8; documented headers present, exactly once (a list field, Cache-Control, Pragma or WWW-Authenticate, may come on several lines), valid; body valid against
 *   the precompiled schema of that status; no undocumented member; an error carries one of the documented
 *   error pairs of its status; JWT-valued members decoded and checked (see jwt.ts); a granted `scope` within
 *   the one asked; an RFC 8414 metadata `issuer` equal to the assertion audience, naming a documented token
 *   endpoint; a userinfo `sub` equal to the id_token's of the same access token.
 * - `checkExchange(exchange, context)`: the same, for the operation the request matches (`matchOperation`).
 * - `checkRequest(request, context)` → `{ operation, failures, body }`: the request is a documented operation;
 *   parameters; Content-Type and body schema; JWT-valued members; the credentials the operation needs.
 * - `matchesDocumentedError(example, body)`: the documented-error rule for one named example
 *   (`x-conformance-match: prefix` makes its texts prefixes).
 * - `CheckContext`: what the caller knows beyond the contract (the profile, the nonce and scope sent, the clock).
 *
 * A recorded exchange whose secrets were redacted (a HAR of the validating proxy) is checked with `redacted`: a
 * value the redaction replaced is a string whose shape (pattern, format, length) cannot be seen, and a credential
 * so replaced counts as present.
 */
import { parseBasicAuthorization } from 'orange-identity-client/auth/basic';
import { FORM_MEDIA_TYPE, parseForm } from '../src/contract/form.js';
import { collectExamples, type Json, type JsonObject, type NamedExample } from '../src/contract/examples.js';
import { dereferencedBundle } from '../src/contract/load.js';
import { matchOperation, operation as operationEntry, operationObject, type Operation, type OperationId, type OperationMatch } from '../src/contract/operations.js';
import { hasValidator, jwtMembers, validator, type SchemaError } from '../src/contract/validators.js';
import { failure, type Failure } from './failures.js';
import { isJsonMediaType, parseMediaType, pathnameOf, type Exchange, type HttpResponse, type WireRequest } from './http.js';
import { checkJwt, type JwtExpectations } from './jwt.js';

export interface CheckContext {
  /** What the JWT-valued members of a response must hold (an id_token: the issuer, the client id as audience,
   *  the nonce sent, the clock, the client secret as HMAC key). */
  jwt?: JwtExpectations;
  /** The scope asked: a `scope` granted in a token response must be within it. */
  scope?: readonly string[];
  /** The `aud` of the JWT bearer assertions the target accepts: an RFC 8414 metadata `issuer` must equal it. */
  assertionAudience?: string;
  /** The end-user the request's access token was issued for (the `sub` of its id_token): a body's `sub` must be it
   *  (OpenID Connect Core 1.0 section 5.3.2). */
  subject?: string;
  /** False: skip the documented-error rule (a conformance case checks its own example's values instead). */
  errorValues?: boolean;
  /** Tells a placeholder a redaction left (see the module comment). */
  redacted?: (value: string) => boolean;
}

/** The keywords that look inside a string: a redacted value cannot be judged by them. */
const STRING_SHAPE = new Set(['pattern', 'format', 'minLength', 'maxLength']);

export interface ResponseCheck {
  failures: Failure[];
  /** The parsed body (JSON), the text (other media types), or undefined (none, or unparsable). */
  body?: unknown;
  /** The response's media type essence, when it has one. */
  mediaType?: string;
}

type Doc = { response?: JsonObject; statusKey?: string };
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The documented response for a status: exact, then `4XX`-style ranges, then `default`. */
function documentedResponse(op: Operation, status: number): Doc {
  const responses = (operationObject(op.operationId).responses ?? {}) as Record<string, JsonObject>;
  for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
    if (responses[key]) return { response: responses[key], statusKey: key };
  }
  return {};
}

const examplesByApi = new Map<string, NamedExample[]>();
/** The named response examples of an operation's status and media type. */
function documentedExamples(op: Operation, statusKey: string, mediaType: string): NamedExample[] {
  let all = examplesByApi.get(op.slug);
  if (!all) examplesByApi.set(op.slug, (all = collectExamples(op.slug, dereferencedBundle(op.slug)).filter((e) => e.kind === 'response')));
  return all.filter((e) => e.operationId === op.operationId && e.status === statusKey && e.mediaType === mediaType);
}

/** Schema errors as failures: members the contract does not document apart, the rest as one schema failure. */
function schemaFailures(key: string, data: unknown, where: string, redacted?: (value: string) => boolean): Failure[] {
  const validate = validator(key);
  if (validate(data)) return [];
  const hidden = (e: SchemaError) => {
    if (!redacted || !STRING_SHAPE.has(e.keyword)) return false;
    const value = valueAt(data, e.instancePath);
    return typeof value === 'string' && redacted(value);
  };
  const errors = ((validate.errors ?? []) as SchemaError[]).filter((e) => !hidden(e));
  const failures: Failure[] = [];
  const rest: string[] = [];
  for (const e of errors) {
    const member = (e.params.additionalProperty ?? e.params.unevaluatedProperty) as string | undefined;
    if (member !== undefined) {
      const at = `${e.instancePath}/${member}`;
      failures.push(failure('undocumented-member', 'only the members the contract documents', valueAt(data, at), `${where}${at}`));
    } else rest.push(`${where}${e.instancePath} ${e.message ?? e.keyword}`);
  }
  if (rest.length) failures.push(failure('schema', `${where} valid against the contract schema (${key})`, [...new Set(rest)].join(', ')));
  return failures;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const key of pointer.split('/').slice(1)) node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** Every value at a member path (`*` walks every item of an array), with its printable location. */
function valuesAt(data: unknown, path: readonly string[], at = ''): [string, unknown][] {
  if (path.length === 0) return data === undefined ? [] : [[at, data]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') return Array.isArray(data) ? data.flatMap((item, i) => valuesAt(item, rest, `${at}[${i}]`)) : [];
  return isObject(data) ? valuesAt(data[head], rest, at ? `${at}.${head}` : head) : [];
}

/** The members that identify a documented error: OAuth `error`/`error_description`, Orange `code`/`message`. */
function errorMembers(documented: Json): [code: string, text: string] | undefined {
  if (!isObject(documented)) return undefined;
  if (typeof documented.error === 'string') return ['error', 'error_description'];
  if (typeof documented.code === 'number') return ['code', 'message'];
  return undefined;
}

/** The members of `body` that differ from the named error example's (its code exactly; its text exactly, or as a
 *  prefix under `x-conformance-match: prefix`); a member the example lacks is not compared. */
export function documentedErrorMismatches(example: Pick<NamedExample, 'value' | 'match'>, body: unknown): string[] {
  const members = errorMembers(example.value);
  if (!members || !isObject(body)) return members ? members.filter((m) => (example.value as JsonObject)[m] !== undefined) : [];
  const documented = example.value as JsonObject;
  return members.filter((member) => {
    const want = documented[member];
    if (want === undefined) return false;
    const got = body[member];
    const prefix = example.match === 'prefix' && member === members[1] && typeof want === 'string';
    return prefix ? !(typeof got === 'string' && got.startsWith(want)) : got !== want;
  });
}

export const matchesDocumentedError = (example: Pick<NamedExample, 'value' | 'match'>, body: unknown): boolean =>
  documentedErrorMismatches(example, body).length === 0;

function errorValueFailures(op: Operation, statusKey: string, mediaType: string, body: unknown): Failure[] {
  const examples = documentedExamples(op, statusKey, mediaType).filter((e) => errorMembers(e.value));
  if (!examples.length || examples.some((e) => matchesDocumentedError(e, body))) return [];
  const [code, text] = errorMembers(examples[0]!.value)!;
  const pair = (v: unknown) => (isObject(v) ? { [code]: v[code], ...(v[text] !== undefined ? { [text]: v[text] } : {}) } : v);
  return [failure('error-value', { 'one of': examples.map((e) => pair(e.value)) }, pair(body))];
}

/** Fields defined as comma-separated lists (RFC 9111 sections 5.2 and 5.4, RFC 9110 section 11.6.1): several lines
 *  of one are the same as one line holding them all, joined by commas (RFC 9110 section 5.3), so a gateway may
 *  legally split them. */
const LIST_FIELDS = new Set(['cache-control', 'pragma', 'www-authenticate']);

function headerFailures(op: Operation, doc: Doc, response: HttpResponse, context: CheckContext): Failure[] {
  const failures: Failure[] = [];
  for (const [name, header] of Object.entries((doc.response!.headers ?? {}) as Record<string, JsonObject>)) {
    if (name.toLowerCase() === 'content-type') continue;
    const values = response.headers.all(name);
    if (values.length === 0) {
      if (header.required) failures.push(failure('header', `header ${name}`, 'absent', name));
    } else if (values.length > 1 && !LIST_FIELDS.has(name.toLowerCase())) {
      failures.push(failure('header-once', `${name} exactly once`, values, name));
    } else {
      const key = `${op.slug}/${op.operationId}/${doc.statusKey}/header/${name}`;
      if (hasValidator(key)) failures.push(...schemaFailures(key, values.join(', '), `header ${name}`, context.redacted).map((f) => ({ ...f, check: 'header' as const, at: name })));
    }
  }
  return failures;
}

/**
 * The operation a path is, also behind a gateway that serves the APIs under a path prefix (an advertised
 * `https://gw.example/prefix/oauth-jwt/fr/v1/token`): the path as it is, then without its leading segments.
 */
function matchUnderPrefix(method: string, pathname: string): OperationMatch {
  const first = matchOperation(method, pathname);
  const segments = pathname.split('/').filter(Boolean);
  for (let i = 1; first.kind !== 'operation' && i < segments.length; i++) {
    const match = matchOperation(method, `/${segments.slice(i).join('/')}`);
    if (match.kind === 'operation') return match;
  }
  return first;
}

/** Facts one response states about the others: a granted scope, the metadata issuer. */
function crossResponseFailures(body: unknown, context: CheckContext): Failure[] {
  if (!isObject(body)) return [];
  const failures: Failure[] = [];
  if (context.scope && typeof body.access_token === 'string' && typeof body.scope === 'string') {
    const extra = body.scope.split(' ').filter((s) => s && !context.scope!.includes(s));
    if (extra.length) failures.push(failure('scope', `scopes within the ones asked (${context.scope.join(' ')})`, body.scope, 'scope'));
  }
  if (context.subject !== undefined && typeof body.sub === 'string' && body.sub !== context.subject) {
    failures.push(failure('cross-response', `sub ${context.subject}, the id_token's for this access token`, body.sub, 'sub'));
  }
  // RFC 8414 section 2: issuer and token_endpoint are what every metadata document has.
  if (typeof body.issuer === 'string' && typeof body.token_endpoint === 'string') {
    let path: string | undefined;
    try {
      path = new URL(body.token_endpoint).pathname;
    } catch { /* the schema says it is no URI */ }
    const tokenEndpoint = path === undefined ? undefined : matchUnderPrefix('POST', path);
    if (tokenEndpoint && tokenEndpoint.kind !== 'operation') {
      failures.push(failure('cross-response', 'token_endpoint: a token endpoint the contract documents', body.token_endpoint, 'token_endpoint'));
    }
    // The issuer of the server whose token endpoint takes JWT bearer assertions is their audience (RFC 7523
    // section 3); the OpenID configuration's issuer is the id_tokens' instead.
    const takesAssertions = tokenEndpoint?.kind === 'operation' && tokenEndpoint.operation.operationId === 'requestJwtBearerToken';
    if (takesAssertions && context.assertionAudience !== undefined && body.issuer !== context.assertionAudience) {
      failures.push(failure('cross-response', `issuer ${context.assertionAudience}, the audience the token endpoint accepts in assertions`, body.issuer, 'issuer'));
    }
  }
  return failures;
}

/** Checks a response against what the contract documents for `operationId`. */
export function checkResponse(operationId: OperationId, response: HttpResponse, context: CheckContext = {}): ResponseCheck {
  const op = operationEntry(operationId);
  const doc = documentedResponse(op, response.status);
  if (!doc.response) {
    return { failures: [failure('status', `one of ${Object.keys(op.responses).join(', ')}`, response.status)] };
  }
  const failures = headerFailures(op, doc, response, context);
  const content = Object.keys((doc.response.content ?? {}) as JsonObject);
  if (!content.length) return { failures };

  const contentTypes = response.headers.all('content-type');
  const media = parseMediaType(contentTypes[0]);
  if (contentTypes.length > 1) failures.push(failure('content-type', 'Content-Type exactly once', contentTypes, 'Content-Type'));
  if (!media || !content.includes(media.essence)) {
    failures.push(failure('content-type', `one of ${content.join(', ')}`, contentTypes[0] ?? 'none', 'Content-Type'));
    return { failures };
  }
  const json = isJsonMediaType(media.essence);
  const charset = media.params.get('charset');
  if (json && charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    failures.push(failure('content-type', `${media.essence}, in UTF-8 (charset utf-8 or none; RFC 8259 section 8.1)`, contentTypes[0], 'Content-Type'));
  }
  let body: unknown = response.text;
  if (json) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(response.bytes);
      body = JSON.parse(response.text);
    } catch {
      failures.push(failure('body', `a JSON body in UTF-8`, response.text));
      return { failures, mediaType: media.essence };
    }
  }
  const key = `${op.slug}/${op.operationId}/${doc.statusKey}/${media.essence}`;
  if (hasValidator(key)) failures.push(...schemaFailures(key, body, 'body', context.redacted));
  if (response.status >= 400 && context.errorValues !== false) failures.push(...errorValueFailures(op, doc.statusKey!, media.essence, body));
  for (const member of jwtMembers(key)) {
    for (const [at, value] of valuesAt(body, member.path)) {
      failures.push(...checkJwt(value, { contentValidator: validator(member.content), expect: context.jwt ?? {}, at }));
    }
  }
  failures.push(...crossResponseFailures(body, context));
  return { failures, body, mediaType: media.essence };
}

/** Checks an exchange's response against the operation its request matches; nothing when it matches none. */
export function checkExchange(exchange: Exchange, context: CheckContext = {}): Failure[] {
  const match = matchOperation(exchange.request.method, pathnameOf(exchange.request));
  return match.kind === 'operation' ? checkResponse(match.operation.operationId, exchange.response, context).failures : [];
}

export interface RequestCheck {
  /** The operation the request is, when it is one. */
  operation?: Operation;
  failures: Failure[];
  /** The parsed body (a JSON value, or a form as an object). */
  body?: unknown;
}

export interface RequestContext {
  /** What the JWT-valued members of the request must hold (an assertion: its audience, the clock). */
  jwt?: JwtExpectations;
  /** Tells a placeholder a redaction left (see the module comment). */
  redacted?: (value: string) => boolean;
}

/** Why a request is no operation of the contract. */
export function whyNoOperation(match: Exclude<OperationMatch, { kind: 'operation' }>, method: string): string {
  if (match.kind === 'method-not-allowed') return `${method} is not documented there (${match.allowed.join(', ')} are)`;
  if (match.kind === 'unknown-path') return `no operation of ${match.slug} has this path`;
  return 'no API of the contract has this path';
}

/** Checks a request against the operation it matches: parameters, body, credentials. */
export function checkRequest(request: WireRequest, context: RequestContext = {}): RequestCheck {
  const url = new URL(request.url);
  const match = matchOperation(request.method, url.pathname);
  if (match.kind !== 'operation') {
    return { failures: [failure('operation', 'a documented operation', `${request.method} ${url.pathname}: ${whyNoOperation(match, request.method)}`)] };
  }
  const op = match.operation;
  const doc = operationObject(op.operationId);
  const failures: Failure[] = [];
  for (const p of (doc.parameters ?? []) as JsonObject[]) {
    const where = String(p.in);
    const name = String(p.name);
    const value = where === 'query' ? url.searchParams.get(name) : where === 'header' ? request.headers.get(name) : null;
    if (where !== 'query' && where !== 'header') continue;
    if (value === null) {
      if (p.required) failures.push(failure('parameter', `${where} parameter ${name}`, 'absent', name));
      continue;
    }
    const key = `${op.slug}/${op.operationId}/parameter/${where}/${name}`;
    if (hasValidator(key)) failures.push(...schemaFailures(key, value, `${where} ${name}`, context.redacted).map((f) => ({ ...f, check: 'parameter' as const, at: name })));
  }

  let body: unknown;
  const requestBody = doc.requestBody as JsonObject | undefined;
  const content = Object.keys((requestBody?.content ?? {}) as JsonObject);
  if (content.length && (request.body !== '' || requestBody!.required)) {
    const media = parseMediaType(request.headers.get('content-type'));
    if (!media || !content.includes(media.essence)) {
      failures.push(failure('content-type', `one of ${content.join(', ')}`, request.headers.get('content-type') ?? 'none', 'Content-Type'));
    } else {
      let parsed = true;
      if (isJsonMediaType(media.essence)) {
        try {
          body = JSON.parse(request.body);
        } catch {
          parsed = false;
          failures.push(failure('body', 'a JSON body', request.body));
        }
      } else if (media.essence === FORM_MEDIA_TYPE) {
        body = parseForm(request.body).params;
      } else body = request.body;
      const key = `${op.slug}/${op.operationId}/request/${media.essence}`;
      if (parsed && hasValidator(key)) failures.push(...schemaFailures(key, body, 'body', context.redacted));
      if (parsed) {
        for (const member of jwtMembers(key)) {
          for (const [at, value] of valuesAt(body, member.path)) failures.push(...checkJwt(value, { contentValidator: validator(member.content), expect: context.jwt ?? {}, at }));
        }
      }
    }
  }

  const authorization = request.headers.get('authorization');
  const redactedBasic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (op.auth === 'basic' && !parseBasicAuthorization(authorization ?? undefined)?.length && !(redactedBasic && context.redacted?.(redactedBasic))) {
    failures.push(failure('credentials', 'HTTP Basic client credentials', authorization ? 'an Authorization that is not Basic credentials' : 'no Authorization', 'Authorization'));
  }
  if (op.auth === 'bearer' && !/^Bearer\s+\S+$/i.test(authorization ?? '')) {
    failures.push(failure('credentials', 'a bearer token (Authorization: Bearer ...)', authorization ? 'an Authorization that is not a bearer token' : 'no Authorization', 'Authorization'));
  }
  return { operation: op, failures, body };
}
