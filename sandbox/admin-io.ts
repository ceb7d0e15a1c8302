/**
 * What every handler of the sandbox's admin API shares: the operations (openapi/sandbox-admin.yaml, through
 * generated/sandbox-admin.ts), its JSON bodies checked against the operation's schema, its errors
 * `{error, error_description}` whose description names the field at fault, and its documented examples.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { SANDBOX_ADMIN_ROUTES } from '../generated/sandbox-admin.js';
import { GENERATED_DIR } from '../src/contract/load.js';
import { validator } from '../src/contract/validators.js';
import type { Clock } from './clock.js';
import type { Faults } from './faults.js';
import { describeSchemaErrors } from './fixture.js';
import { MAX_BODY_BYTES, parseJsonObject, readBodyWithinLimit, sendJson } from './http.js';
import type { SandboxState } from './state.js';

export type AdminRoute = (typeof SANDBOX_ADMIN_ROUTES)[number];
export type AdminOperationId = AdminRoute['operationId'];
export type Params = Record<string, string>;

export interface AdminParts {
  state: SandboxState;
  clock: Clock;
  faults: Faults;
  /** Back to the fixture: state, faults and clock. */
  reset(): void;
  /** Host names the admin API answers besides the loopback ones. */
  extraHosts?: readonly string[];
  /** The origin the sandbox advertises (a page of it may call the admin API, as may a page of the request's own origin). */
  origin?: () => string;
  /** Removes every expired entry now; how many went. */
  purge?: () => number;
}

/** One admin operation's handler: its path parameters and the request's query string. */
export type AdminHandler = (parts: AdminParts, req: IncomingMessage, res: ServerResponse, params: Params, query: URLSearchParams) => unknown;

/** The admin document's bundle, read once when first needed. */
let bundle: Record<string, any> | undefined;
const adminBundle = () => (bundle ??= JSON.parse(readFileSync(path.join(GENERATED_DIR, 'sandbox-admin/openapi.json'), 'utf8')) as Record<string, any>);

/** A documented example of the admin document. */
export const documentedExample = (response: string, example: string): unknown =>
  adminBundle().components.responses[response].content['application/json'].examples[example].value;

/** The header a bodiless POST may carry instead of `Content-Type: application/json` (the document's AdminHeader
 *  parameter), lower case as node gives request headers. */
export const adminHeader = (): string => (adminBundle().components.parameters.AdminHeader.name as string).toLowerCase();

/** True when the route's operation takes a request body. */
export const takesBody = (route: AdminRoute): boolean => adminBundle().paths[route.path][route.method.toLowerCase()].requestBody !== undefined;

type ErrorCode = 'invalid_request' | 'access_denied' | 'not_found' | 'conflict';
const STATUS: Record<ErrorCode, number> = { invalid_request: 400, access_denied: 403, not_found: 404, conflict: 409 };
export const fail = (res: ServerResponse, error: ErrorCode, description: string) => sendJson(res, STATUS[error], { error, error_description: description });

/** The request's JSON body, checked against the operation's schema; undefined once the error is answered. */
export async function body<T>(req: IncomingMessage, res: ServerResponse, operationId: AdminOperationId): Promise<T | undefined> {
  const text = await readBodyWithinLimit(req);
  const input = text === undefined ? undefined : parseJsonObject(req, text);
  if (!input) {
    fail(res, 'invalid_request', `the body must be a JSON object (Content-Type: application/json) of at most ${MAX_BODY_BYTES} bytes`);
    return undefined;
  }
  const validate = validator(`sandbox-admin/${operationId}/request/application/json`);
  if (!validate(input)) {
    fail(res, 'invalid_request', describeSchemaErrors(validate.errors ?? [], 'body').join('; '));
    return undefined;
  }
  return input as T;
}

/** True when `msisdn` (if given) is a subscriber; answers the error otherwise. */
export const subscriber = (state: SandboxState, res: ServerResponse, msisdn: string | undefined) => {
  if (msisdn === undefined || state.subscribers.has(msisdn)) return true;
  fail(res, 'invalid_request', `body/msisdn ${msisdn} is not a subscriber of the fixture`);
  return false;
};

/** Scopes given space-separated or as an array. */
export const scopesOf = (value: string | string[]): string[] => (typeof value === 'string' ? value.split(' ').filter(Boolean) : value);

export const noContent = (res: ServerResponse) => res.writeHead(204).end();
