/**
 * The sandbox's admin API (openapi/sandbox-admin.yaml, its own document, not one of the five APIs): tokens and
 * end-user sessions without a browser, consent revocation, the clock, reset, fault injection, and clients and
 * keys registered as on the portal's Settings tab (sandbox/admin-clients.ts). Routes and request schemas come
 * from the document (generated/sandbox-admin.ts and the precompiled validators), one handler per operationId.
 * Operations marked `x-loopback-only` answer only requests whose `Host` is a loopback name (DNS rebinding).
 * Errors are `{error, error_description}`, the description naming the field at fault.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SANDBOX_ADMIN_ROUTES } from '../generated/sandbox-admin.js';
import { CLIENT_HANDLERS } from './admin-clients.js';
import {
  adminHeader, body, documentedExample, fail, noContent, scopesOf, subscriber, takesBody,
  type AdminHandler, type AdminOperationId, type AdminParts, type AdminRoute, type Params,
} from './admin-io.js';
import { ClockRangeError, type Clock } from './clock.js';
import { SESSION_COOKIE } from './cookies.js';
import { FaultError, type FaultSpec } from './faults.js';
import { mediaType, sendJson } from './http.js';

export type { AdminOperationId, AdminParts } from './admin-io.js';

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
function matchAdminRoute(method: string, pathname: string): { route: AdminRoute; params: Params } | undefined {
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


/**
 * Why a request may come from a web page of another origin, if it may: an `Origin` that is neither the request's
 * own (`http://` and its `Host`) nor the one the sandbox advertises (`null` included); a `Sec-Fetch-Site` other
 * than `same-origin` or `none` (a page of another port of the same host is `same-site`); a bodiless POST without
 * `Content-Type: application/json` or the admin header, which a page can send as a simple request.
 *
 * @see https://fetch.spec.whatwg.org/#cors-safelisted-request-header simple requests need no preflight
 * @see https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header Sec-Fetch-Site
 */
function crossSite(req: IncomingMessage, route: AdminRoute, parts: AdminParts): 'CrossSiteRequest' | 'AdminHeaderMissing' | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'CrossSiteRequest';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = [`http://${req.headers.host ?? ''}`, parts.origin?.() ?? ''].map((o) => o.toLowerCase());
    if (!own.includes(origin.toLowerCase())) return 'CrossSiteRequest';
  }
  if (route.method === 'POST' && !takesBody(route) && mediaType(req) !== 'application/json' && req.headers[adminHeader()] === undefined) return 'AdminHeaderMissing';
  return undefined;
}

const clockView = (clock: Clock) => {
  const now = clock.now();
  return { now: now / 1000, offset: (now - Date.now()) / 1000 };
};

const HANDLERS: { [K in AdminOperationId]: AdminHandler } = {
  getHealth: (_parts, _req, res) => sendJson(res, 200, { status: 'ok' }),

  async mintAccessToken({ state }, req, res) {
    const input = await body<{ msisdn?: string; scope: string | string[]; clientId?: string }>(req, res, 'mintAccessToken');
    if (!input || !subscriber(state, res, input.msisdn)) return;
    const scopes = scopesOf(input.scope);
    if (scopes.length === 0) return fail(res, 'invalid_request', 'body/scope names no scope');
    const issuedTo = input.clientId !== undefined
      ? state.clients.get(input.clientId)
      : [...state.clients.values()].find((c) => scopes.every((s) => c.scopes?.includes(s)));
    if (!issuedTo) return fail(res, 'invalid_request', input.clientId !== undefined ? `body/clientId ${input.clientId} is not a registered client` : 'no registered client is subscribed to every scope of body/scope');
    sendJson(res, 201, { ...state.issueAccessToken(issuedTo.clientId, input.msisdn, scopes) });
  },

  async openSession({ state }, req, res) {
    const input = await body<{ msisdn: string; consent: 'grant' | 'deny' }>(req, res, 'openSession');
    if (!input || !subscriber(state, res, input.msisdn)) return;
    const id = state.openSession({ msisdn: input.msisdn, consent: input.consent, authTime: state.seconds() });
    sendJson(res, 201, { cookie: `${SESSION_COOKIE}=${id}` });
  },

  async revokeConsent({ state }, req, res) {
    const input = await body<{ msisdn: string; scope?: string | string[] }>(req, res, 'revokeConsent');
    if (!input || !subscriber(state, res, input.msisdn)) return;
    const scopes = input.scope === undefined ? [...new Set([...state.clients.values()].flatMap((c) => c.scopes ?? []))] : scopesOf(input.scope);
    for (const scope of scopes) state.revokeConsent(input.msisdn, scope);
    noContent(res);
  },

  getClock: ({ clock }, _req, res) => sendJson(res, 200, clockView(clock)),

  async moveClock({ clock }, req, res) {
    const input = await body<{ advance: number } | { set: number }>(req, res, 'moveClock');
    if (!input) return;
    try {
      if ('advance' in input) clock.advance(input.advance);
      else clock.set(input.set);
    } catch (error) {
      if (!(error instanceof ClockRangeError)) throw error;
      return fail(res, 'invalid_request', error.message);
    }
    sendJson(res, 200, clockView(clock));
  },

  resetSandbox(parts, _req, res) {
    parts.reset();
    noContent(res);
  },

  purgeExpired: (parts, _req, res) => sendJson(res, 200, { purged: parts.purge?.() ?? parts.state.purge() }),

  listFaults: ({ faults }, _req, res) => sendJson(res, 200, { faults: faults.list() }),

  async injectFault({ faults }, req, res) {
    const input = await body<FaultSpec>(req, res, 'injectFault');
    if (!input) return;
    try {
      sendJson(res, 201, faults.inject(input));
    } catch (error) {
      if (!(error instanceof FaultError)) throw error;
      fail(res, 'invalid_request', error.message);
    }
  },

  clearFaults({ faults }, _req, res, _params, query) {
    faults.clear(query.get('operationId') ?? undefined);
    noContent(res);
  },

  ...CLIENT_HANDLERS,
};

export function admin(parts: AdminParts) {
  /** The handler of `METHOD pathname` when an admin route has them; `query` is the request's query string. */
  return function adminRoute(method: string, pathname: string) {
    const matched = matchAdminRoute(method, pathname);
    if (!matched) return undefined;
    const { route, params } = matched;
    return (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => {
      if (route.loopbackOnly && !isAllowedAdminHost(req.headers.host, parts.extraHosts)) {
        return sendJson(res, 403, documentedExample('Forbidden', 'HostNotLoopback'));
      }
      const refused = route.loopbackOnly ? crossSite(req, route, parts) : undefined;
      if (refused === 'CrossSiteRequest') return sendJson(res, 403, documentedExample('Forbidden', refused));
      if (refused) return sendJson(res, 400, documentedExample('BadRequest', refused));
      return HANDLERS[route.operationId](parts, req, res, params, query);
    };
  };
}
