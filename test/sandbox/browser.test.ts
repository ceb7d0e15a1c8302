import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationCallback, verifyIdToken } from '../../src/auth/oidc.js';
import { createFormIdFrClient } from '../../src/clients/form-id-fr.js';
import { browserUnavailable, launchChromium, screenshotPath } from '../helpers/browser.js';
import { defaultFixture, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
let rp: Server;
let rpUrl: string;
let browser: Browser;
const pending = new Map<string, { nonce: string; codeVerifier?: string }>();

describe.skipIf(browserUnavailable)('the code flow in a real browser', () => {
  beforeAll(async () => {
    // A relying party built with the toolkit: it sends the browser to authorize, and handles the callback.
    rp = createServer(async (req, res) => {
      const url = new URL(req.url!, rpUrl);
      const config = { clientId: 'sandbox-oidc-client', clientSecret: 'sandbox-client-secret', redirectUri: `${rpUrl}/callback`, baseUrl: target.url };
      if (url.pathname === '/login') {
        const request = buildAuthorizationRequest(config, { scope: ['form_filling'], pkce: true });
        pending.set(request.state, { nonce: request.nonce, codeVerifier: request.codeVerifier });
        res.writeHead(302, { Location: request.url }).end();
        return;
      }
      try {
        const state = url.searchParams.get('state') ?? '';
        const { code } = parseAuthorizationCallback(url, state);
        const saved = pending.get(state);
        if (!saved) throw new Error('unknown state');
        pending.delete(state);
        const tokens = await exchangeAuthorizationCode(config, code, saved.codeVerifier ? { codeVerifier: saved.codeVerifier } : {});
        const idToken = await verifyIdToken(tokens.id_token, { ...config, nonce: saved.nonce });
        const { data } = await createFormIdFrClient({ baseUrl: target.url, accessToken: tokens.access_token }).GET('/formfilling/fr/v1/userinfo');
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<h1>Welcome ${data?.given_name}</h1><p id="sub">${idToken.sub}</p>`);
      } catch (error) {
        res.writeHead(400, { 'Content-Type': 'text/html' }).end(`<h1>Refused</h1><p id="error">${(error as { code?: string }).code}</p>`);
      }
    }).listen(0, '127.0.0.1');
    await once(rp, 'listening');
    rpUrl = `http://127.0.0.1:${(rp.address() as { port: number }).port}`;
    const fixture = defaultFixture();
    fixture.clients[0]!.redirectUris!.push(`${rpUrl}/callback`);
    target = await startSandbox({ fixture });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await target?.close();
    rp?.close();
  });

  it('signs in and consents on the sandbox page, and the relying party gets the end-user claims', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${rpUrl}/login`);
    await expect(page.title()).resolves.toBe('Orange sandbox - Sign in and consent');
    expect(await page.locator('main').innerText()).toContain('form_filling');
    await page.screenshot({ path: await screenshotPath('sandbox-login.png') });
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Sign in and accept' }).click();
    await page.waitForURL(`${rpUrl}/callback**`);
    expect(await page.locator('h1').innerText()).toBe('Welcome Christine');
    expect(await page.locator('#sub').innerText()).toBe('PBYJJF-200-DwltrLnXq+7jwTQEkOx9Z9jelg0t0NQrxWFasUgUgEs=');

    // The session is remembered: the next sign-in goes straight back to the relying party.
    await page.goto(`${rpUrl}/login`);
    expect(await page.locator('h1').innerText()).toBe('Welcome Christine');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows an error on a wrong password, and the relying party gets access_denied when the end-user refuses', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${rpUrl}/login`);
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in and accept' }).click();
    expect(await page.getByRole('alert').innerText()).toBe('Unknown mobile number or wrong password.');
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Sign in and refuse' }).click();
    await page.waitForURL(`${rpUrl}/callback**`);
    expect(await page.locator('#error').innerText()).toBe('ERR_AUTHORIZATION_DENIED');
    await context.close();
  });
});
