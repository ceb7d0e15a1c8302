/**
 * The reference sandbox: the five APIs on their production paths, on one port, from a fixture. Requests are
 * validated with the generated schemas, every error is the contract's documented response, and nothing a
 * client sends makes it answer 500 or stop: an unexpected exception is logged (message only) and answered with
 * the documented server_error.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import formIdSchema from '../generated/form-id-fr/schemas/FormFillingUserInfo.json' with { type: 'json' };
import matchIdSchema from '../generated/match-id-fr/schemas/CheckIdUserInfo.json' with { type: 'json' };
import { admin } from './admin.js';
import { authentication } from './authentication.js';
import { ASSERTION_AUDIENCE } from '../src/auth/jwt-bearer.js';
import { schemaValidators } from '../src/contract/ajv.js';
import { DocumentedResponses, operationScope } from './contract.js';
import { directMatch } from './direct-match.js';
import { loadFixture, type Fixture } from './fixture.js';
import { idMatchEs } from './id-match-es.js';
import { sendJson } from './http.js';
import { SandboxState } from './state.js';

export interface SandboxOptions {
  /** The fixture; the default one when absent. */
  fixture?: Fixture;
  /** Clock, in milliseconds since the epoch. */
  now?: () => number;
  /** Where unexpected errors are reported (stderr by default). */
  log?: (message: string) => void;
  /** The built documentation site served at /docs/: dist/docs by default, which the package ships and `npm run docs` builds in a clone. */
  docsDir?: string;
}

export interface Sandbox {
  server: Server;
  state: SandboxState;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** `url` is built only for the handlers that read the query or the origin. */
type Handler = (req: IncomingMessage, res: ServerResponse, url: () => URL) => unknown;

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const fixture = options.fixture ?? loadFixture();
  const now = options.now ?? Date.now;
  const log = options.log ?? ((m: string) => console.error(m));
  const state = new SandboxState(fixture, now);
  const docs = await DocumentedResponses.load();
  const validators = schemaValidators();
  const auth = authentication({ state, docs, validator: (n) => validators('authentication-fr', n), issuer: fixture.issuer ?? 'https://openid.orange.fr/', now });
  const dm = directMatch({
    state, docs, validator: (n) => validators('direct-match-id-fr', n), now,
    audience: fixture.assertionAudience ?? ASSERTION_AUDIENCE, matchIdScope: fixture.matchIdScope ?? 'atp_kyc_plain',
  });
  const adminApi = admin(state);

  const routes = new Map<string, Handler>([
    ['GET /openidconnect/fr/v1/authorize', (req, res, url) => auth.authorize(req, res, url())],
    ['POST /_sandbox/authorize', (req, res) => auth.submitLogin(req, res)],
    ['POST /openidconnect/fr/v1/token', (req, res) => auth.token(req, res)],
    ['POST /oauth/v2/token', (req, res) => auth.refresh(req, res)],
    ['GET /formfilling/fr/v1/userinfo', auth.userinfo('form-id-fr', 'getFormFillingUserInfo', operationScope('form-id-fr', '/formfilling/fr/v1/userinfo', 'get'), Object.keys(formIdSchema.properties))],
    ['GET /checkid/fr/v1/userinfo', auth.userinfo('match-id-fr', 'getCheckIdUserInfo', operationScope('match-id-fr', '/checkid/fr/v1/userinfo', 'get'), Object.keys(matchIdSchema.properties))],
    ['POST /idmatch/es/v1/premiuminfo', idMatchEs({ state, docs, validator: (n) => validators('id-match-es', n), scope: operationScope('id-match-es', '/idmatch/es/v1/premiuminfo', 'post') })],
    ['GET /oauth-jwt/fr/v1/.well-known/oauth-authorization-server', (req, res, url) => dm.metadata(req, res, url().origin)],
    ['POST /oauth-jwt/fr/v1/token', (req, res) => dm.token(req, res)],
    ['POST /direct-matchid/fr/v1/matchid', (req, res) => dm.matchid(req, res)],
    ['GET /_sandbox/health', (_req, res) => sendJson(res, 200, { status: 'ok' })],
    ['POST /_sandbox/admin/tokens', (req, res) => adminApi.mintToken(req, res)],
    ['POST /_sandbox/admin/sessions', (req, res) => adminApi.openSession(req, res)],
    ['POST /_sandbox/admin/consents/revoke', (req, res) => adminApi.revokeConsent(req, res)],
  ]);
  const notFound = 'form-id-fr/getFormFillingUserInfo/404/ResourceNotFound';
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
    site(req, res, () => docs.send(res, notFound));
  };
  const serverError = 'direct-match-id-fr/matchIdentity/500/InternalServerError';

  const server = createServer(async (req, res) => {
    try {
      const target = req.url ?? '/';
      const query = target.indexOf('?');
      const pathname = query < 0 ? target : target.slice(0, query);
      const handler = routes.get(`${req.method} ${pathname}`);
      if (!handler && req.method === 'GET' && (pathname === '/docs' || pathname.startsWith('/docs/'))) return serveDocs(req, res, target);
      if (!handler) {
        req.resume();
        return docs.send(res, notFound);
      }
      await handler(req, res, () => new URL(target, `http://${req.headers.host ?? 'localhost'}`));
    } catch (error) {
      log(`sandbox: unexpected error on ${req.method} ${(req.url ?? '').split('?')[0]}: ${(error as Error).message}`);
      if (!res.headersSent) docs.send(res, serverError, { Connection: 'close' });
      else res.destroy();
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
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resolve(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
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
