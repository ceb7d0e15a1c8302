/**
 * The reference sandbox: the five APIs on their production paths, on one port, from a fixture. Requests are
 * routed by the contract's operation table to one handler per operationId; they are validated with the
 * precompiled schemas; every error is the contract's documented response; and nothing a client sends makes it
 * answer 500 or stop: an unexpected exception is logged (message only) and answered with the documented 500
 * of that operation's API, in that API's error shape.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
import formIdSchema from '../generated/form-id-fr/schemas/FormFillingUserInfo.json' with { type: 'json' };
import matchIdSchema from '../generated/match-id-fr/schemas/CheckIdUserInfo.json' with { type: 'json' };
import { ASSERTION_AUDIENCE } from '../src/auth/jwt-bearer.js';
import { ORANGE_OIDC_ISSUER } from '../src/auth/oidc.js';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { apiScope, matchOperation, type OperationId } from '../src/contract/operations.js';
import { admin } from './admin.js';
import { createClock, type Clock } from './clock.js';
import { authentication } from './authentication.js';
import { DocumentedResponses } from './contract.js';
import { directMatch } from './direct-match.js';
import { loadFixture, type Fixture } from './fixture.js';
import { sendJson } from './http.js';
import { idMatchEs } from './id-match-es.js';
import { SandboxState } from './state.js';
import { userinfo } from './userinfo.js';

export interface SandboxOptions {
  /** The fixture; the default one when absent. */
  fixture?: Fixture;
  /** The sandbox's clock (sandbox/clock.ts); real time by default. */
  clock?: Clock;
  /** Where unexpected errors are reported (stderr by default). */
  log?: (message: string) => void;
  /** The built documentation site served at /docs/: dist/docs by default, which the package ships and `npm run docs` builds in a clone. */
  docsDir?: string;
  /** The public origin to advertise in discovery documents (behind a proxy); the listen address by default. */
  origin?: string;
}

export interface Sandbox {
  server: Server;
  state: SandboxState;
  clock: Clock;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** `url` (the request's path and query; its origin is not the request's) is built only for handlers that read the query. */
type Handler = (req: IncomingMessage, res: ServerResponse, url: () => URL) => unknown;

/** One handler per operation of the contract: an operation added to the contract without one fails `tsc`. */
type OperationHandlers = { [K in OperationId]: Handler };

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const fixture = options.fixture ?? loadFixture();
  const clock = options.clock ?? createClock();
  const log = options.log ?? ((m: string) => console.error(m));
  const state = new SandboxState(fixture, clock);
  const docs = new DocumentedResponses();
  let listening: string | undefined;
  const parts = { state, docs, now: state.now, origin: () => options.origin ?? listening ?? 'http://127.0.0.1' };
  const auth = authentication({ ...parts, issuer: fixture.issuer ?? ORANGE_OIDC_ISSUER });
  const dm = directMatch({
    ...parts, audience: fixture.assertionAudience ?? ASSERTION_AUDIENCE, matchIdScope: fixture.matchIdScope ?? apiScope('matchIdentity'),
  });
  const adminApi = admin(state);

  const handlers: OperationHandlers = {
    authorize: (req, res, url) => auth.authorize(req, res, url()),
    exchangeAuthorizationCode: (req, res) => auth.token(req, res),
    refreshAccessToken: (req, res) => auth.refresh(req, res),
    getFormFillingUserInfo: userinfo(parts, 'getFormFillingUserInfo', formIdSchema),
    getCheckIdUserInfo: userinfo(parts, 'getCheckIdUserInfo', matchIdSchema),
    verifyPremiumInfo: idMatchEs(parts),
    getAuthorizationServerMetadata: (req, res) => dm.metadata(req, res),
    requestJwtBearerToken: (req, res) => dm.token(req, res),
    matchIdentity: (req, res) => dm.matchid(req, res),
  };
  /** The sandbox's own routes (login form, health, admin API), outside the contract's paths. */
  const sandboxRoutes = new Map<string, Handler>([
    ['POST /_sandbox/authorize', (req, res) => auth.submitLogin(req, res)],
    ['GET /_sandbox/health', (_req, res) => sendJson(res, 200, { status: 'ok' })],
    ['POST /_sandbox/admin/tokens', (req, res) => adminApi.mintToken(req, res)],
    ['POST /_sandbox/admin/sessions', (req, res) => adminApi.openSession(req, res)],
    ['POST /_sandbox/admin/consents/revoke', (req, res) => adminApi.revokeConsent(req, res)],
  ]);
  const docsDir = options.docsDir ?? path.join(PACKAGE_ROOT, 'dist/docs');
  const site = existsSync(docsDir) ? sirv(docsDir, { extensions: ['html'], dev: false }) : undefined;
  const serveDocs = (req: IncomingMessage, res: ServerResponse, target: string) => {
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

  const server = createServer(async (req, res) => {
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const pathname = query < 0 ? target : target.slice(0, query);
    const match = matchOperation(req.method ?? 'GET', pathname);
    try {
      const handler = match.kind === 'operation' ? handlers[match.operation.operationId] : sandboxRoutes.get(`${req.method} ${pathname}`);
      if (!handler && req.method === 'GET' && (pathname === '/docs' || pathname.startsWith('/docs/'))) return serveDocs(req, res, target);
      if (!handler) {
        req.resume();
        return docs.send(res, docs.notFound(pathname));
      }
      await handler(req, res, () => new URL(target, parts.origin()));
    } catch (error) {
      log(`sandbox: unexpected error on ${req.method} ${pathname}: ${(error as Error).message}`);
      const documented = match.kind === 'operation' ? docs.serverError(match.operation.operationId) : undefined;
      if (res.headersSent) res.destroy();
      else if (documented) docs.send(res, documented, { Connection: 'close' });
      else res.writeHead(500, { 'Content-Length': 0, Connection: 'close' }).end();
    }
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    state,
    clock,
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
      return new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
}
