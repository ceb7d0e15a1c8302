/**
 * The reference sandbox: the five APIs on their production paths, on one port, from a fixture. Requests are
 * routed by the contract's operation table to one handler per operationId; they are validated with the
 * precompiled schemas; every error is the contract's documented response; and nothing a client sends makes it
 * answer 500 or stop: an unexpected exception is logged (message only) and answered with a documented 500 in
 * that API's error shape (the operation's own, else its API's, else another API's of the same shape; a bare 500
 * for the HTML authorize pages).
 *
 * Also an in-process test fixture (the `orange-identity-contracts/sandbox` export): everything immutable (the
 * documented responses, the validators, a fixture file once parsed) is shared per process, so that a sandbox
 * costs only its own state; it has a movable clock, fault injection and a reset; two sandboxes share nothing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import formIdSchema from '../generated/form-id-fr/schemas/FormFillingUserInfo.json' with { type: 'json' };
import matchIdSchema from '../generated/match-id-fr/schemas/CheckIdUserInfo.json' with { type: 'json' };
import openIdSchema from '../generated/authentication-fr/schemas/OpenIdUserInfo.json' with { type: 'json' };
import { ASSERTION_AUDIENCE } from 'orange-identity-client/auth/jwt-bearer';
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { apiScope, matchOperation, type OperationId } from '../src/contract/operations.js';
import { admin } from './admin.js';
import { createClock, type Clock } from './clock.js';
import { authentication } from './authentication.js';
import { DocumentedResponses } from './contract.js';
import { directMatch } from './direct-match.js';
import { Faults } from './faults.js';
import { createHttpServer, hostProblem, refuseHost, type Timeouts } from './connections.js';
import { createDelays } from './delays.js';
import { docsSite } from './docs-site.js';
import { resolveFixture, type Fixture } from './fixture.js';
import { guardBody, RequestAborted } from './http.js';
import { idMatchEs } from './id-match-es.js';
import { LOGIN_FORM_PATH } from './login-page.js';
import { SandboxState, type SandboxParts } from './state.js';
import { userinfo } from './userinfo.js';

export interface SandboxOptions {
  /** The fixture: an object, or a YAML or JSON file; the default fixture when absent. */
  fixture?: Fixture | string;
  /** The sandbox's clock (`createClock()`); real time by default. */
  clock?: Clock;
  /** Where unexpected errors are reported (stderr by default). */
  log?: (message: string) => void;
  /** The built documentation site served at /docs/: dist/docs by default, which the package ships and `npm run docs` builds in a clone. */
  docsDir?: string;
  /** The public origin to advertise in discovery documents (behind a proxy); the listen address by default. */
  origin?: string;
  /** Host names the admin API answers besides localhost, 127.0.0.1 and [::1] (a container's service name). */
  adminHosts?: string[];
  /** Connection limits, in milliseconds: a connection that has not sent complete headers within `headersMs`
   *  (10 s), or a complete request within `requestMs` (30 s), is destroyed. */
  timeouts?: Timeouts;
  /** How often every expired entry is removed while the sandbox listens, in milliseconds (60 000; 0: never). */
  purgeIntervalMs?: number;
}

export interface Sandbox {
  /** The node:http server (not listening until `listen()`). */
  readonly server: Server;
  /** The sandbox's time: `advance(seconds)`, `set(epochSeconds)`, `reset()`. */
  readonly clock: Clock;
  /** Documented faults on demand: `inject({ operationId, status, example?, times?, delayMs? })`, `list()`, `clear()`. */
  readonly faults: Faults;
  /** Subscribers, clients, tokens, codes and sessions of this sandbox. */
  readonly state: SandboxState;
  /** The URL it listens on, once `listen()` has resolved. */
  readonly url: string | undefined;
  /** Starts listening (port 0, the default, picks a free one; host 127.0.0.1 by default); resolves to its URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Back to the fixture: every token, refresh token, code, session, revoked consent, registered client or key
   *  and armed fault goes, and the clock goes back to real time. */
  reset(): void;
  /** Removes every expired token, code, session... now (they also go a few per write, and every minute while it
   *  listens: `purgeIntervalMs`); returns how many went. */
  purge(): number;
}

/** `url` (the request's path and query; its origin is not the request's) is built only for handlers that read the query. */
type Handler = (req: IncomingMessage, res: ServerResponse, url: () => URL) => unknown;

/** One handler per operation of the contract: an operation added to the contract without one fails `tsc`. */
type OperationHandlers = { [K in OperationId]: Handler };

/** The handlers of the contract's operations, and of the sandbox-only paths (the login form's target). */
function operationHandlers(parts: SandboxParts, issuer: string, audience: string, matchIdScope: string): { handlers: OperationHandlers; sandboxRoutes: Map<string, Handler> } {
  const auth = authentication({ ...parts, issuer });
  const dm = directMatch({ ...parts, audience, matchIdScope });
  const handlers: OperationHandlers = {
    authorize: (req, res, url) => auth.authorize(req, res, url().searchParams),
    authorizeWithForm: (req, res) => auth.authorizeWithForm(req, res),
    exchangeAuthorizationCode: (req, res) => auth.token(req, res),
    refreshAccessToken: (req, res) => auth.refresh(req, res),
    getOpenIdUserInfo: userinfo(parts, 'getOpenIdUserInfo', openIdSchema),
    postOpenIdUserInfo: userinfo(parts, 'postOpenIdUserInfo', openIdSchema),
    getOpenIdConfiguration: (_req, res) => auth.configuration(res),
    getFormFillingUserInfo: userinfo(parts, 'getFormFillingUserInfo', formIdSchema),
    getCheckIdUserInfo: userinfo(parts, 'getCheckIdUserInfo', matchIdSchema),
    verifyPremiumInfo: idMatchEs(parts),
    getAuthorizationServerMetadata: (req, res) => dm.metadata(req, res),
    requestJwtBearerToken: (req, res) => dm.token(req, res),
    matchIdentity: (req, res) => dm.matchid(req, res),
  };
  // The login form's target, outside the contract's paths and the admin API.
  return { handlers, sandboxRoutes: new Map<string, Handler>([[`POST ${LOGIN_FORM_PATH}`, (req, res) => auth.submitLogin(req, res)]]) };
}

interface Routes {
  parts: SandboxParts;
  handlers: OperationHandlers;
  /** Sandbox-only paths: the login form's target. */
  sandboxRoutes: Map<string, Handler>;
  adminRoute: ReturnType<typeof admin>;
  serveDocs: ReturnType<typeof docsSite>;
  faults: Faults;
  delays: ReturnType<typeof createDelays>;
  log: (message: string) => void;
}

/** Every request: an operation of the contract (a fault first, when one is armed), a sandbox route, the admin
 *  API, the docs, or the documented 404; an unexpected exception is logged and answered with a documented 500. */
function router({ parts, handlers, sandboxRoutes, adminRoute, serveDocs, faults, delays, log }: Routes) {
  const { docs } = parts;
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (hostProblem(req)) return refuseHost(res);
    guardBody(req, res);
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const pathname = query < 0 ? target : target.slice(0, query);
    const method = req.method ?? 'GET';
    const match = matchOperation(method, pathname);
    try {
      if (match.kind === 'operation') {
        const operationId = match.operation.operationId;
        const fault = faults.size ? faults.take(operationId, req.headers) : undefined;
        if (fault) return delays.answer(res, fault);
        return await handlers[operationId](req, res, () => new URL(target, parts.origin()));
      }
      const route = sandboxRoutes.get(`${method} ${pathname}`);
      if (route) return await route(req, res, () => new URL(target, parts.origin()));
      const adminHandler = adminRoute(method, pathname);
      if (adminHandler) return await adminHandler(req, res, new URLSearchParams(query < 0 ? '' : target.slice(query + 1)));
      if (method === 'GET' && (pathname === '/docs' || pathname.startsWith('/docs/'))) return serveDocs(req, res, target);
      docs.send(res, docs.notFound(pathname));
    } catch (error) {
      // A client that went away mid-request is no error of the sandbox's.
      if (error instanceof RequestAborted || req.socket.destroyed) return void res.destroy();
      log(`sandbox: unexpected error on ${method} ${pathname}: ${(error as Error).message}`);
      const documented = match.kind === 'operation' ? docs.serverError(match.operation.operationId) : undefined;
      if (res.headersSent) res.destroy();
      else if (documented) docs.send(res, documented, { Connection: 'close' });
      else res.writeHead(500, { 'Content-Length': 0, Connection: 'close' }).end();
    }
  };
}

/** How often a listening sandbox removes every expired entry (a clock moved far ahead leaves many at once). */
const PURGE_INTERVAL_MS = 60_000;

/** `work` every `ms` while started (an unref'd timer: it never keeps the process alive); never for 0. */
function periodically(work: () => unknown, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (ms > 0 && !timer) (timer = setInterval(work, ms)).unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
    });
  });
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const fixture = resolveFixture(options.fixture);
  const clock = options.clock ?? createClock();
  const state = new SandboxState(fixture, clock);
  const docs = new DocumentedResponses();
  const faults = new Faults(docs);
  const delays = createDelays(docs);
  let listening: string | undefined;
  const parts: SandboxParts = { state, docs, now: state.now, origin: () => options.origin ?? listening ?? 'http://127.0.0.1' };
  const purge = () => state.purge();
  const purging = periodically(purge, options.purgeIntervalMs ?? PURGE_INTERVAL_MS);
  const reset = () => {
    state.reset();
    faults.clear();
    clock.reset();
    delays.release();
  };
  const { handlers, sandboxRoutes } = operationHandlers(parts, fixture.issuer ?? ORANGE_OIDC_ISSUER, fixture.assertionAudience ?? ASSERTION_AUDIENCE, fixture.matchIdScope ?? apiScope('matchIdentity'));
  const server = createHttpServer(options.timeouts ?? {}, router({
    parts, handlers, sandboxRoutes, faults, delays, log: options.log ?? ((m: string) => console.error(m)),
    adminRoute: admin({ state, clock, faults, reset, purge, extraHosts: options.adminHosts ?? [], origin: parts.origin }),
    serveDocs: docsSite(options.docsDir ?? path.join(PACKAGE_ROOT, 'dist/docs'), docs),
  }));

  return {
    server,
    state,
    clock,
    faults,
    get url() {
      return listening;
    },
    async listen(port = 0, host = '127.0.0.1') {
      listening = await listenOn(server, port, host);
      purging.start();
      return listening;
    },
    close() {
      purging.stop();
      delays.stop();
      return new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e && (e as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(e) : resolve()));
      });
    },
    reset,
    purge,
  };
}
