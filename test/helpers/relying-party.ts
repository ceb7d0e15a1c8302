import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationCallback, verifyIdToken } from 'orange-identity-client/auth/oidc';
import { createFormIdFrClient } from '../../src/clients/form-id-fr.js';
import { escapeHtml } from '../../sandbox/http.js';
import { pageForm } from './login.js';

export interface RelyingParty {
  url: string;
  /** Its redirect URI (register it with the client of the fixture). */
  redirectUri: string;
  /** Where it calls the APIs: the sandbox, or a proxy in front of it. Set before the first sign-in. */
  baseUrl: string;
  /** How many times the browser came back to its redirect URI. */
  callbacks: number;
  close(): Promise<void>;
}

/**
 * A relying party built with the toolkit, for the browser tests: /login sends the browser to authorize (PKCE,
 * nonce); /callback exchanges the code, verifies the id_token, calls Form ID's userinfo, and shows a page with
 * the end-user's given name and sub (or the error code when the sign-in fails). /attack plays another site: it
 * fetches a login page for itself and auto-posts its form, with its CSRF token, from the browser.
 */
export async function startRelyingParty(client = { clientId: 'sandbox-oidc-client', clientSecret: 'sandbox-client-secret' }): Promise<RelyingParty> {
  const pending = new Map<string, { nonce: string; codeVerifier?: string }>();
  const rp: RelyingParty = { url: '', redirectUri: '', baseUrl: '', callbacks: 0, close: async () => undefined };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, rp.url);
    const config = { ...client, redirectUri: rp.redirectUri, baseUrl: rp.baseUrl };
    if (url.pathname === '/login') {
      const request = buildAuthorizationRequest(config, { scope: ['form_filling'], pkce: true });
      pending.set(request.state, { nonce: request.nonce, ...(request.codeVerifier ? { codeVerifier: request.codeVerifier } : {}) });
      res.writeHead(302, { Location: request.url }).end();
      return;
    }
    if (url.pathname === '/attack') {
      const page = await (await fetch(buildAuthorizationRequest(config, { scope: ['form_filling'] }).url)).text();
      const { action, fields } = pageForm(page, rp.baseUrl);
      const inputs = Object.entries({ ...fields, msisdn: '33600000000', password: 'sandbox', decision: 'grant' })
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<form method="post" action="${action}">${inputs}</form><script>document.forms[0].submit()</script>`);
      return;
    }
    rp.callbacks++;
    try {
      const state = url.searchParams.get('state') ?? '';
      const { code } = parseAuthorizationCallback(url, state);
      const saved = pending.get(state);
      if (!saved) throw new Error('unknown state');
      pending.delete(state);
      const tokens = await exchangeAuthorizationCode(config, code, saved.codeVerifier ? { codeVerifier: saved.codeVerifier } : {});
      const idToken = await verifyIdToken(tokens.id_token, { ...config, nonce: saved.nonce });
      const { data } = await createFormIdFrClient({ baseUrl: rp.baseUrl, accessToken: tokens.access_token }).GET('/formfilling/fr/v1/userinfo');
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>Welcome ${data?.given_name}</h1><p id="sub">${idToken.sub}</p>`);
    } catch (error) {
      res.writeHead(400, { 'Content-Type': 'text/html' }).end(`<h1>Refused</h1><p id="error">${(error as { code?: string }).code}</p>`);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  rp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rp.redirectUri = `${rp.url}/callback`;
  rp.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return rp;
}
