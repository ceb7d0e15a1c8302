/**
 * The sandbox's login and consent page protects the end-user as a browser flow should: its form carries a CSRF
 * token bound to the browser and to the request, and consent is remembered per client and scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../sandbox/authentication.js';
import { pathOf } from '../../src/contract/operations.js';
import { FormBrowser, pageForm } from '../helpers/login.js';
import { defaultFixture, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';

const SUBSCRIBER = { msisdn: '33600000000', password: 'sandbox' };
const OTHER_CLIENT = 'sandbox-other-client';
let target: RunningSandbox;
beforeAll(async () => {
  const fixture = defaultFixture();
  fixture.clients.push({ clientId: OTHER_CLIENT, clientSecret: 'other-secret', redirectUris: ['https://other.example/cb'], scopes: ['openid', 'check_id'] });
  target = await startSandbox({ fixture });
});
afterAll(async () => { await target?.close(); });

const authorizeUrl = (changes: Record<string, string> = {}) => {
  const url = new URL(pathOf('authorize'), target.url);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid', redirect_uri: 'http://www.myserver.com', state: crypto.randomUUID(), ...changes,
  }).toString();
  return url;
};
const codeOf = (location: string | null) => (location ? new URL(location).searchParams.get('code') : null);
const loginAction = () => new URL(LOGIN_FORM_PATH, target.url);

describe('the login form', () => {
  it('signs in with the CSRF token of its page, and sets the session cookie', async () => {
    const browser = new FormBrowser();
    const callback = await browser.authorize(authorizeUrl(), SUBSCRIBER);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(true);
  });

  it('gives no code and no session to a cross-site POST without the token', async () => {
    const { fields } = pageForm(await (await fetch(authorizeUrl())).text(), target.url);
    const { csrf_token: _token, ...withoutToken } = fields;
    const response = await fetch(loginAction(), {
      method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://attacker.example' },
      body: new URLSearchParams({ ...withoutToken, ...SUBSCRIBER, decision: 'grant' }).toString(),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(await response.text()).toContain('This form has expired or was not sent from this page');
  });

  it('refuses a token taken from another browser, a token for another request, and a token used twice', async () => {
    const attacker = new FormBrowser();
    const page = async (url = authorizeUrl()) => ({ url, html: await (await attacker.fetch(url)).text() });
    const post = (browser: FormBrowser, fields: Record<string, string>) => browser.fetch(loginAction(), {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...SUBSCRIBER, decision: 'grant' }).toString(),
    });

    const victim = new FormBrowser();
    await victim.fetch(authorizeUrl()); // the victim has a CSRF cookie of its own
    const stolen = await post(victim, pageForm((await page()).html, target.url).fields);
    expect(stolen.status).toBe(403);
    expect(victim.cookies.has(SESSION_COOKIE)).toBe(false);

    const otherRequest = await post(attacker, { ...pageForm((await page()).html, target.url).fields, state: 'another-state' });
    expect(otherRequest.status).toBe(403);

    const own = await page();
    const first = await attacker.submit(own.html, own.url, { ...SUBSCRIBER, decision: 'grant' });
    expect(codeOf(first.headers.get('location'))).toBeTruthy();
    const replayed = await attacker.submit(own.html, own.url, { ...SUBSCRIBER, decision: 'grant' });
    expect(replayed.status).toBe(403);
    expect(replayed.headers.get('location')).toBeNull();
  });

  it('binds the token to the browser cookie, HttpOnly and SameSite=Strict', async () => {
    const response = await fetch(authorizeUrl());
    const csrf = response.headers.getSetCookie().find((c) => c.startsWith(`${CSRF_COOKIE}=`));
    expect(csrf).toMatch(/; HttpOnly; SameSite=Strict$/);
  });
});

describe('consent', () => {
  it('is remembered per client and scope: a session is asked again for another scope or another client', async () => {
    const browser = new FormBrowser();
    await browser.authorize(authorizeUrl(), SUBSCRIBER);

    // Same client and scope: straight back with a code.
    const again = await browser.fetch(authorizeUrl());
    expect(again.status).toBe(302);
    expect(codeOf(again.headers.get('location'))).toBeTruthy();

    // A wider scope: the consent page, without a password, this time.
    const wider = await browser.fetch(authorizeUrl({ scope: 'openid check_id' }));
    expect(wider.status).toBe(200);
    const consentPage = await wider.text();
    expect(consentPage).toContain('<title>Orange sandbox - Consent</title>');
    expect(consentPage).not.toContain('name="password"');

    // Another client, same scope: asked again; refusing gives access_denied, and asks again the next time.
    const other = { client_id: OTHER_CLIENT, redirect_uri: 'https://other.example/cb' };
    const refused = await browser.authorize(authorizeUrl(other), undefined, 'deny');
    expect(refused.searchParams.get('error')).toBe('access_denied');
    expect((await browser.fetch(authorizeUrl(other))).status).toBe(200);
    const accepted = await browser.authorize(authorizeUrl(other));
    expect(accepted.origin).toBe('https://other.example');
    expect(accepted.searchParams.get('code')).toBeTruthy();
    expect((await browser.fetch(authorizeUrl(other))).status).toBe(302);
  });

  it('is asked again once the end-user revoked it', async () => {
    const browser = new FormBrowser();
    await browser.authorize(authorizeUrl({ scope: 'openid check_id' }), SUBSCRIBER);
    expect((await browser.fetch(authorizeUrl({ scope: 'openid check_id' }))).status).toBe(302);
    await fetch(`${target.url}${adminPath('revokeConsent')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ msisdn: SUBSCRIBER.msisdn, scope: 'check_id' }) });
    expect((await browser.fetch(authorizeUrl({ scope: 'openid check_id' }))).status).toBe(200);
    expect((await browser.fetch(authorizeUrl())).status).toBe(302); // openid alone was not revoked
  });
});
