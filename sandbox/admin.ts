/**
 * The sandbox's admin API (openapi/sandbox-admin.yaml, its own document, not one of the five APIs): tokens and
 * end-user sessions without a browser, consent revocation, the clock, reset, fault injection, and clients and
 * keys registered as on the portal's Settings tab. Routes and request schemas come from the document
 * (generated/sandbox-admin.ts and the precompiled validators), one handler per operationId. Operations marked
 * `x-loopback-only` answer only requests whose `Host` is a loopback name (DNS rebinding). Errors are
 * `{error, error_description}`, the description naming the field at fault.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { JWK } from 'jose';
import { SANDBOX_ADMIN_ROUTES } from '../generated/sandbox-admin.js';
import { GENERATED_DIR } from '../src/contract/load.js';
import { validator } from '../src/contract/validators.js';
import { SESSION_COOKIE } from './authentication.js';
import type { Clock } from './clock.js';
import { FaultError, type Faults, type FaultSpec } from './faults.js';
import { clientProblems, describeSchemaErrors, type Client } from './fixture.js';
import { MAX_BODY_BYTES, parseJsonObject, readBodyWithinLimit, sendJson } from './http.js';
import { STORE_CAPS, type SandboxState } from './state.js';

type Route = (typeof SANDBOX_ADMIN_ROUTES)[number];
export type AdminOperationId = Route['operationId'];
type Params = Record<string, string>;
type AdminHandler = (req: IncomingMessage, res: ServerResponse, params: Params, query: URLSearchParams) => unknown;

export interface AdminParts {
  state: SandboxState;
  clock: Clock;
  faults: Faults;
  /** Back to the fixture: state, faults and clock. */
  reset(): void;
  /** Host names the admin API answers besides the loopback ones. */
  extraHosts?: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when `host` (a `Host` header) is `localhost`, `127.0.0.1`, `[::1]` or one of `extra`, with any valid port. */
export function isAllowedAdminHost(host: string | undefined, extra: readonly string[] = []): boolean {
  const m = /^([^:]+|\[[^\]]*\])(?::(\d{1,5}))?$/.exec(host ?? '');
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return false;
  const name = m[1]!.toLowerCase();
  return LOOPBACK_NAMES.has(name) || extra.some((h) => h.toLowerCase() === name);
}

/** A route's path template as a matcher whose groups are its parameters. */
const matchers = SANDBOX_ADMIN_ROUTES.map((route) => {
  const names: string[] = [];
  const source = route.path.split(/(\{[^}]+\})/).map((part) => {
    if (!/^\{[^}]+\}$/.test(part)) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(part.slice(1, -1));
    return '([^/]+)';
  }).join('');
  return { route, names, re: new RegExp(`^${source}$`) };
});

/** The admin route of `METHOD pathname`, with its path parameters; undefined when none. */
export function matchAdminRoute(method: string, pathname: string): { route: Route; params: Params } | undefined {
  for (const { route, names, re } of matchers) {
    if (route.method !== method) continue;
    const m = re.exec(pathname);
    if (!m) continue;
    try {
      return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) };
    } catch {
      return undefined; // a malformed percent-encoding names nothing
    }
  }
  return undefined;
}

/** A documented example of the admin document, read once when first needed. */
let bundle: Record<string, any> | undefined;
const documentedExample = (response: string, example: string): unknown =>
  ((bundle ??= JSON.parse(readFileSync(path.join(GENERATED_DIR, 'sandbox-admin/openapi.json'), 'utf8'))).components.responses[response]
    .content['application/json'].examples[example].value);

type ErrorCode = 'invalid_request' | 'access_denied' | 'not_found' | 'conflict';
const STATUS: Record<ErrorCode, number> = { invalid_request: 400, access_denied: 403, not_found: 404, conflict: 409 };
const fail = (res: ServerResponse, error: ErrorCode, description: string) => sendJson(res, STATUS[error], { error, error_description: description });

const scopesOf = (value: string | string[]): string[] => (typeof value === 'string' ? value.split(' ').filter(Boolean) : value);

export function admin(parts: AdminParts) {
  const { state, clock, faults } = parts;

  /** The request's JSON body, checked against the operation's schema; undefined once the error is answered. */
  async function body<T>(req: IncomingMessage, res: ServerResponse, operationId: AdminOperationId): Promise<T | undefined> {
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

  const subscriber = (res: ServerResponse, msisdn: string | undefined) => {
    if (msisdn === undefined || state.subscribers.has(msisdn)) return true;
    fail(res, 'invalid_request', `body/msisdn ${msisdn} is not a subscriber of the fixture`);
    return false;
  };

  const client = (res: ServerResponse, clientId: string) => {
    const found = state.clients.get(clientId);
    if (!found) fail(res, 'not_found', `no client ${clientId}`);
    return found;
  };

  /** Registers `next` in place of a client, when it is a valid one; answers the error otherwise. */
  const store = (res: ServerResponse, next: Client, status: number) => {
    const problems = clientProblems(next, 'body');
    if (problems.length) return fail(res, 'invalid_request', problems.join('; '));
    state.setClient(next);
    sendJson(res, status, next);
  };

  const withoutKeys = ({ jwks: _jwks, jwksUri: _uri, jwksUriAuthorized: _authorized, ...rest }: Client): Client => rest;

  const handlers: { [K in AdminOperationId]: AdminHandler } = {
    getHealth: (_req, res) => sendJson(res, 200, { status: 'ok' }),

    async mintAccessToken(req, res) {
      const input = await body<{ msisdn?: string; scope: string | string[]; clientId?: string }>(req, res, 'mintAccessToken');
      if (!input || !subscriber(res, input.msisdn)) return;
      const scopes = scopesOf(input.scope);
      if (scopes.length === 0) return fail(res, 'invalid_request', 'body/scope names no scope');
      const issuedTo = input.clientId !== undefined
        ? state.clients.get(input.clientId)
        : [...state.clients.values()].find((c) => scopes.every((s) => c.scopes?.includes(s)));
      if (!issuedTo) return fail(res, 'invalid_request', input.clientId !== undefined ? `body/clientId ${input.clientId} is not a registered client` : 'no registered client is subscribed to every scope of body/scope');
      sendJson(res, 201, { ...state.issueAccessToken(issuedTo.clientId, input.msisdn, scopes) });
    },

    async openSession(req, res) {
      const input = await body<{ msisdn: string; consent: 'grant' | 'deny' }>(req, res, 'openSession');
      if (!input || !subscriber(res, input.msisdn)) return;
      const id = state.openSession({ msisdn: input.msisdn, consent: input.consent, authTime: state.seconds() });
      sendJson(res, 201, { cookie: `${SESSION_COOKIE}=${id}` });
    },

    async revokeConsent(req, res) {
      const input = await body<{ msisdn: string; scope?: string | string[] }>(req, res, 'revokeConsent');
      if (!input || !subscriber(res, input.msisdn)) return;
      const scopes = input.scope === undefined ? [...new Set([...state.clients.values()].flatMap((c) => c.scopes ?? []))] : scopesOf(input.scope);
      for (const scope of scopes) state.revokeConsent(input.msisdn, scope);
      res.writeHead(204).end();
    },

    getClock: (_req, res) => sendJson(res, 200, clockView(clock)),

    async moveClock(req, res) {
      const input = await body<{ advance: number } | { set: number }>(req, res, 'moveClock');
      if (!input) return;
      if ('advance' in input) clock.advance(input.advance);
      else clock.set(input.set);
      sendJson(res, 200, clockView(clock));
    },

    resetSandbox(_req, res) {
      parts.reset();
      res.writeHead(204).end();
    },

    listFaults: (_req, res) => sendJson(res, 200, { faults: faults.list() }),

    async injectFault(req, res) {
      const input = await body<FaultSpec>(req, res, 'injectFault');
      if (!input) return;
      try {
        sendJson(res, 201, faults.inject(input));
      } catch (error) {
        if (!(error instanceof FaultError)) throw error;
        fail(res, 'invalid_request', error.message);
      }
    },

    clearFaults(_req, res, _params, query) {
      faults.clear(query.get('operationId') ?? undefined);
      res.writeHead(204).end();
    },

    async registerClient(req, res) {
      const input = await body<Client>(req, res, 'registerClient');
      if (!input) return;
      if (state.clients.has(input.clientId)) return fail(res, 'conflict', `a client ${input.clientId} is registered already`);
      if (state.clients.size >= STORE_CAPS.clients) return fail(res, 'invalid_request', `the sandbox holds ${STORE_CAPS.clients} clients already: remove some, or reset it`);
      const secret = input.redirectUris && !input.clientSecret ? { clientSecret: randomBytes(24).toString('base64url') } : {};
      const pending = input.jwksUri && input.jwksUriAuthorized === undefined ? { jwksUriAuthorized: false } : {};
      store(res, { ...input, ...secret, ...pending }, 201);
    },

    getClient(_req, res, { clientId }) {
      const found = client(res, clientId!);
      if (found) sendJson(res, 200, found);
    },

    removeClient(_req, res, { clientId }) {
      if (!state.removeClient(clientId!)) return fail(res, 'not_found', `no client ${clientId}`);
      res.writeHead(204).end();
    },

    async registerJwks(req, res, { clientId }) {
      const input = await body<{ keys: JWK[] }>(req, res, 'registerJwks');
      const found = input && client(res, clientId!);
      if (found) store(res, { ...withoutKeys(found), jwks: { keys: input.keys } }, 200);
    },

    async registerJwksUri(req, res, { clientId }) {
      const input = await body<{ jwksUri: string }>(req, res, 'registerJwksUri');
      const found = input && client(res, clientId!);
      if (found) store(res, { ...withoutKeys(found), jwksUri: input.jwksUri, jwksUriAuthorized: false }, 200);
    },

    authorizeJwksUri(_req, res, { clientId }) {
      const found = client(res, clientId!);
      if (!found) return;
      if (!found.jwksUri) return fail(res, 'invalid_request', `client ${clientId} has registered no JWKS URI`);
      store(res, { ...found, jwksUriAuthorized: true }, 200);
    },

    async addKey(req, res, { clientId }) {
      const input = await body<{ key: JWK; replaces?: string }>(req, res, 'addKey');
      const found = input && client(res, clientId!);
      if (!found) return;
      if (found.jwksUri) return fail(res, 'invalid_request', `client ${clientId} registered a JWKS URI: its keys are the ones served there`);
      const keys = found.jwks?.keys ?? [];
      if (input.replaces !== undefined && !keys.some((k) => k.kid === input.replaces)) return fail(res, 'not_found', `client ${clientId} has no key ${input.replaces}`);
      const kept = keys.filter((k) => input.replaces === undefined || k.kid !== input.replaces);
      if (input.key.kid !== undefined && kept.some((k) => k.kid === input.key.kid)) return fail(res, 'conflict', `client ${clientId} has a key ${input.key.kid} already`);
      store(res, { ...found, jwks: { keys: [...kept, input.key] } }, 201);
    },

    removeKey(_req, res, { clientId, kid }) {
      const found = client(res, clientId!);
      if (!found) return;
      const keys = found.jwks?.keys ?? [];
      if (!keys.some((k) => k.kid === kid)) return fail(res, 'not_found', `client ${clientId} has no key ${kid}`);
      state.setClient({ ...found, jwks: { keys: keys.filter((k) => k.kid !== kid) } });
      res.writeHead(204).end();
    },
  };

  /** The handler of `METHOD pathname` when an admin route has them; `query` is the request's query string. */
  return function adminRoute(method: string, pathname: string) {
    const matched = matchAdminRoute(method, pathname);
    if (!matched) return undefined;
    const { route, params } = matched;
    return (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => {
      if (route.loopbackOnly && !isAllowedAdminHost(req.headers.host, parts.extraHosts)) {
        return sendJson(res, 403, documentedExample('HostNotLoopback', 'HostNotLoopback'));
      }
      return handlers[route.operationId](req, res, params, query);
    };
  };
}

const clockView = (clock: Clock) => {
  const now = clock.now();
  return { now: now / 1000, offset: (now - Date.now()) / 1000 };
};
