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
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
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
import { resolveFixture, type Fixture } from './fixture.js';
import { guardBody, RequestAborted } from './http.js';
import { idMatchEs } from './id-match-es.js';
import { SandboxState } from './state.js';
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
  timeouts?: { headersMs?: number; requestMs?: number };
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
  /** Removes every expired token, code, session... now (they also go a few per write); returns how many went. */
  purge(): number;
}

/** `url` (the request's path and query; its origin is not the request's) is built only for handlers that read the query. */
type Handler = (req: IncomingMessage, res: ServerResponse, url: () => URL) => unknown;

/** One handler per operation of the contract: an operation added to the contract without one fails `tsc`. */
type OperationHandlers = { [K in OperationId]: Handler };

const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Raw answers for what the HTTP parser refuses, before any handler. */
const RAW = {
  badRequest: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  headersTooLarge: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  timeout: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
};

/** The documentation site's file server, built on the first request for it and shared per process. */
const sites = new Map<string, ReturnType<typeof sirv> | undefined>();
function siteOf(dir: string) {
  if (!sites.has(dir)) sites.set(dir, existsSync(dir) ? sirv(dir, { extensions: ['html'], dev: false }) : undefined);
  return sites.get(dir);
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const fixture = resolveFixture(options.fixture);
  const clock = options.clock ?? createClock();
  const log = options.log ?? ((m: string) => console.error(m));
  const state = new SandboxState(fixture, clock);
  const docs = new DocumentedResponses();
  const faults = new Faults(docs);
  let listening: string | undefined;
  const parts = { state, docs, now: state.now, origin: () => options.origin ?? listening ?? 'http://127.0.0.1' };
  const auth = authentication({ ...parts, issuer: fixture.issuer ?? ORANGE_OIDC_ISSUER });
  const dm = directMatch({
    ...parts, audience: fixture.assertionAudience ?? ASSERTION_AUDIENCE, matchIdScope: fixture.matchIdScope ?? apiScope('matchIdentity'),
  });
  const reset = () => {
    state.reset();
    faults.clear();
    clock.reset();
  };
  const adminRoute = admin({ state, clock, faults, reset, extraHosts: options.adminHosts ?? [] });

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
  /** The login form's target, outside the contract's paths and the admin API. */
  const sandboxRoutes = new Map<string, Handler>([['POST /_sandbox/authorize', (req, res) => auth.submitLogin(req, res)]]);
  const docsDir = options.docsDir ?? path.join(PACKAGE_ROOT, 'dist/docs');
  const serveDocs = (req: IncomingMessage, res: ServerResponse, target: string) => {
    const site = siteOf(docsDir);
    if (target === '/docs') {
      res.writeHead(301, { Location: '/docs/' }).end();
      return;
    }
    if (!site) {
      // Only a clone has the build script; an installed package ships the site, so a missing one means a broken install.
      const clone = existsSync(path.join(PACKAGE_ROOT, 'scripts/docs.ts'));
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(clone
        ? 'The documentation site is not built: run npm run docs, then restart the sandbox.\n'
        : 'The documentation site is missing from this installation of orange-identity-contracts (it ships in dist/docs/): reinstall the package.\n');
      return;
    }
    req.url = target.slice('/docs'.length);
    site(req, res, () => docs.send(res, docs.notFound(target)));
  };

  /** Delayed fault answers in flight, stopped by close(). */
  const delayed = new Set<NodeJS.Timeout>();
  const answerFault = (res: ServerResponse, fault: { response: string; delayMs: number }) => {
    if (fault.delayMs === 0) return docs.send(res, fault.response);
    const timer = setTimeout(() => {
      delayed.delete(timer);
      if (!res.destroyed) docs.send(res, fault.response);
    }, fault.delayMs);
    delayed.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      delayed.delete(timer);
    });
  };

  const server = createServer({
    headersTimeout: options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS,
    requestTimeout: options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS,
    // How often Node checks those limits (30 s by default): a tenth of the headers limit, at most a second.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor((options.timeouts?.headersMs ?? HEADERS_TIMEOUT_MS) / 10))),
    keepAliveTimeout: 65_000,
  }, async (req, res) => {
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
        if (fault) return answerFault(res, fault);
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
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // What the parser refuses (or a timeout) gets a bare status line when nothing has been answered on the
    // connection yet; the connection is destroyed in every case, never left to the client to close.
    const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !answering?.headersSent && error.code !== 'ECONNRESET') {
      socket.write(error.code === 'HPE_HEADER_OVERFLOW' ? RAW.headersTooLarge : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? RAW.timeout : RAW.badRequest);
    }
    socket.destroy();
  });

  return {
    server,
    state,
    clock,
    faults,
    get url() {
      return listening;
    },
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          listening = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
          resolve(listening);
        });
      });
    },
    close() {
      for (const timer of delayed) clearTimeout(timer);
      delayed.clear();
      return new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e && (e as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(e) : resolve()));
      });
    },
    reset,
    purge: () => state.purge(),
  };
}
