/**
 * An operation's request as one generated value: `{ query, header, body }`, described by one JSON Schema built
 * from the contract (each parameter's schema, the request body's schema), so that the schema bridge generates,
 * covers and breaks whole requests; and the way back to an HTTP request (`toHttpRequest`): query and form values
 * as text, JWT-valued members (contentMediaType application/jwt) signed from their decoded `{header, payload}`.
 *
 * Entry points: `requestShape(operationId)` → `RequestShape`, `toHttpRequest(shape, value, extras)`,
 * `fillBound(value, providers)`, `applyViolation(value, violation)`, `signJws(decoded, signing)`.
 */
import { createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { JsonObject } from '../../src/contract/examples.js';
import { operation, operationObject, type Operation, type OperationId } from '../../src/contract/operations.js';
import type { HttpRequest } from '../http.js';
import { BOUND, getAt, setAt, type Path, type Schema, type Violation } from './schema.js';

export interface RequestValue {
  query?: Record<string, unknown>;
  header?: Record<string, unknown>;
  body?: unknown;
}

export interface RequestShape {
  operation: Operation;
  /** The request as one object schema: `query`, `header` (strings, `x-medium: text`) and `body`. */
  schema: Schema;
  /** The body's media type, when the operation takes one. */
  mediaType?: string;
  /** Paths (from the request root) of JWT-valued members. */
  jwtMembers: Path[];
}

const shapes = new Map<string, RequestShape>();

function jwtPaths(schema: Schema, path: Path): Path[] {
  if (schema.contentMediaType === 'application/jwt' && schema.contentSchema) return [path];
  return Object.entries((schema.properties ?? {}) as Record<string, Schema>).flatMap(([k, s]) => jwtPaths(s, [...path, k]));
}

/** The request schema of an operation, from its dereferenced parameters and request body. */
export function requestShape(operationId: OperationId): RequestShape {
  const cached = shapes.get(operationId);
  if (cached) return cached;
  const doc = operationObject(operationId);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const where of ['query', 'header'] as const) {
    const params = ((doc.parameters ?? []) as JsonObject[]).filter((p) => p.in === where);
    if (!params.length) continue;
    properties[where] = {
      type: 'object', 'x-medium': 'text',
      properties: Object.fromEntries(params.map((p) => [String(p.name), p.schema as Schema])),
      required: params.filter((p) => p.required).map((p) => String(p.name)),
    };
    if (params.some((p) => p.required)) required.push(where);
  }
  const requestBody = doc.requestBody as JsonObject | undefined;
  const [mediaType, media] = Object.entries((requestBody?.content ?? {}) as Record<string, JsonObject>)[0] ?? [];
  if (mediaType && media) {
    properties.body = { ...(media.schema as Schema), ...(mediaType === 'application/x-www-form-urlencoded' ? { 'x-medium': 'text' } : {}) };
    if (requestBody!.required) required.push('body');
  }
  const schema: Schema = { type: 'object', properties, required };
  const shape: RequestShape = { operation: operation(operationId), schema, ...(mediaType ? { mediaType } : {}), jwtMembers: properties.body ? jwtPaths(properties.body, ['body']) : [] };
  shapes.set(operationId, shape);
  return shape;
}

/** How a JWT-valued member is signed: with the profile's key (RS256), another RSA key, HS256 keyed with the
 *  public key (the algorithm confusion), or not at all (`alg: none`, empty signature). */
export interface Signing {
  mode: 'key' | 'other-key' | 'hs256-public' | 'none';
  /** The private key of `key` (and the public key for `hs256-public`). */
  key?: KeyObject;
  otherKey?: KeyObject;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS of a decoded `{header, payload}`, signed by node:crypto (not jose: a broken header, one without
 * `alg` or not an object, must be signable too). The signing algorithm is the mode's, whatever the header says.
 */
export function signJws(decoded: unknown, signing: Signing): string {
  const d = (decoded ?? {}) as { header?: unknown; payload?: unknown };
  const input = `${b64(d.header ?? {})}.${b64(d.payload ?? {})}`;
  switch (signing.mode) {
    case 'none': return `${input}.`;
    case 'hs256-public': {
      const pem = createPublicKey(signing.key!).export({ type: 'spki', format: 'pem' });
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    }
    case 'other-key': return `${input}.${cryptoSign('RSA-SHA256', Buffer.from(input), signing.otherKey!).toString('base64url')}`;
    default: return `${input}.${cryptoSign('RSA-SHA256', Buffer.from(input), signing.key!).toString('base64url')}`;
  }
}

export const privateKeyOf = (jwk: object): KeyObject => createPrivateKey({ key: jwk as never, format: 'jwk' });

/** Fills every member still `BOUND` (in a `providers` path) with its provider's value; a provider sees the
 *  request as it stands (its generated members, those filled before). */
export async function fillBound(value: RequestValue, providers: ReadonlyMap<string, (request: RequestValue) => unknown>): Promise<RequestValue> {
  let out: unknown = value;
  for (const [key, provide] of providers) {
    const path = key.split('/');
    if (getAt(out, path) === BOUND) out = setAt(out, path, await provide(out as RequestValue));
  }
  return out as RequestValue;
}

/** The value with one violation applied; `-` in the path breaks the first item of an array (one is made when empty). */
export function applyViolation(value: unknown, violation: Violation): unknown {
  const put = (node: unknown, path: Path): unknown => {
    if (path.length === 0) return violation.keyword === 'required' ? undefined : violation.value;
    const [head, ...rest] = path as [string, ...string[]];
    if (head === '-') {
      const items = Array.isArray(node) && node.length ? [...node] : [undefined];
      const item = put(items[0], rest);
      return item === undefined ? items.slice(1) : [item, ...items.slice(1)];
    }
    return setAt(node, [head], put((node as Record<string, unknown> | undefined)?.[head], rest));
  };
  return put(value, violation.path);
}

/** What a request carries besides its generated value. */
export interface RequestExtras {
  /** Credentials and other headers (Authorization, Cookie). */
  headers?: Record<string, string>;
  signing?: Signing;
  /** Send the body as this media type instead of the documented one. */
  contentType?: string;
  /** Send this text as the body (malformed JSON). */
  rawBody?: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The HTTP request of a generated value: query and header parameters as text, the body in its media type. */
export function toHttpRequest(shape: RequestShape, value: RequestValue, extras: RequestExtras = {}): HttpRequest {
  const op = shape.operation;
  const request: HttpRequest = { method: op.method, path: op.path };
  const query = Object.entries(value.query ?? {}).filter(([, v]) => v !== undefined);
  if (query.length) request.query = Object.fromEntries(query.map(([k, v]) => [k, text(v)]));
  const headers: Record<string, string> = { ...Object.fromEntries(Object.entries(value.header ?? {}).map(([k, v]) => [k, text(v)])), ...extras.headers };
  let body = value.body;
  for (const path of shape.jwtMembers) {
    const member = getAt({ body }, path);
    if (member !== undefined && typeof member !== 'string') body = (setAt({ body }, path, signJws(member, extras.signing ?? { mode: 'none' })) as { body: unknown }).body;
  }
  if (extras.rawBody !== undefined || (body !== undefined && extras.contentType)) {
    headers['Content-Type'] = extras.contentType ?? shape.mediaType!;
    request.rawBody = extras.rawBody ?? (shape.mediaType === 'application/x-www-form-urlencoded' ? formText(body) : JSON.stringify(body));
  } else if (body !== undefined) {
    if (shape.mediaType === 'application/x-www-form-urlencoded') request.form = formOf(body);
    else request.json = body;
  }
  if (Object.keys(headers).length) request.headers = headers;
  return request;
}

function formOf(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { value: text(body) };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined).map(([k, v]) => [k, text(v)]));
}

const formText = (body: unknown) => new URLSearchParams(formOf(body)).toString();
