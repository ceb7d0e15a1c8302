/**
 * The operation table of the five APIs, generated from the contract (generated/operations.ts): which operation
 * a request is, which API owns a path, and the path, security and scopes of an operation. The sandbox's
 * router, the conformance triggers, the fuzzer and the validating proxy all ask this one module.
 */
import { OPERATION_TABLE } from '../../generated/operations.js';
import type { JsonObject } from './examples.js';
import { dereferencedBundle, type ApiSlug } from './load.js';

type Row = (typeof OPERATION_TABLE)[number];
/** An operation a client can call (webhooks, requests Orange sends to the client, are apart). */
export type Operation = Extract<Row, { webhook: false }>;
/** The operationId of every operation a client can call, across the five APIs. */
export type OperationId = Operation['operationId'];
export type HttpMethod = Operation['method'];

/** Every operation a client can call, in document order. */
export const OPERATIONS: readonly Operation[] = OPERATION_TABLE.filter((o): o is Operation => !o.webhook);

const byId = new Map<string, Operation>(OPERATIONS.map((o) => [o.operationId, o]));

/** The operation with this id; an unknown id is a programming error. */
export function operation<K extends OperationId>(operationId: K): Extract<Operation, { operationId: K }> {
  const found = byId.get(operationId);
  if (!found) throw new Error(`the contract has no operation ${operationId}`);
  return found as Extract<Operation, { operationId: K }>;
}

/** The operation object of the contract (parameters, request body, responses, links), dereferenced; shared, do not
 *  mutate. */
export function operationObject(operationId: OperationId): JsonObject {
  const op = operation(operationId);
  return ((dereferencedBundle(op.slug).paths as Record<string, JsonObject>)[op.path] as JsonObject)[op.method.toLowerCase()] as JsonObject;
}

/** The path of an operation, as the contract writes it. */
export const pathOf = (operationId: OperationId): string => operation(operationId).path;

/** The scope an operation's security requirement asks for besides `openid` (`form_filling`, `id_match`...). */
export function apiScope(operationId: OperationId): string {
  const scope = (operation(operationId).scopes as readonly string[]).find((s) => s !== 'openid');
  if (!scope) throw new Error(`${operationId} asks for no API scope`);
  return scope;
}


/** A path template as a matcher: `{name}` stands for one non-empty segment. */
const matcher = (template: string): RegExp =>
  new RegExp(`^${template.split(/(\{[^}]+\})/).map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
const matchers = OPERATIONS.map((o) => ({ o, re: matcher(o.path) }));

export type OperationMatch =
  | { kind: 'operation'; operation: Operation }
  /** The path is the contract's, the method is not: `allowed` lists the documented methods. */
  | { kind: 'method-not-allowed'; slug: ApiSlug; allowed: HttpMethod[] }
  /** The path is under one API's prefix but is none of its operations. */
  | { kind: 'unknown-path'; slug: ApiSlug }
  /** No API of the contract owns this path. */
  | { kind: 'unmatched' };

/** Which operation `METHOD pathname` is (`HEAD` matches a `GET` operation). */
export function matchOperation(method: string, pathname: string): OperationMatch {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const onPath = matchers.filter(({ re }) => re.test(pathname)).map(({ o }) => o);
  const found = onPath.find((o) => o.method === m);
  if (found) return { kind: 'operation', operation: found };
  if (onPath.length) return { kind: 'method-not-allowed', slug: onPath[0]!.slug, allowed: onPath.map((o) => o.method) };
  const slug = apiOfPath(pathname);
  return slug ? { kind: 'unknown-path', slug } : { kind: 'unmatched' };
}

/** The folders the operations live in (`/formfilling/fr/v1/`), longest first, with their API. */
const prefixes = [...new Map(OPERATIONS.map((o) => [o.path.slice(0, o.path.lastIndexOf('/') + 1), o.slug])).entries()]
  .sort(([a], [b]) => b.length - a.length);

/** The API whose operations live in the folder (or a parent folder) of `pathname`, if any. */
export function apiOfPath(pathname: string): ApiSlug | undefined {
  return prefixes.find(([prefix]) => pathname.startsWith(prefix))?.[1];
}
