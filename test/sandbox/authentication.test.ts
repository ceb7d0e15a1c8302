import { createClock } from '../../sandbox/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationCallback, refreshAccessToken, verifyIdToken } from 'orange-identity-client/auth/oidc';
import { createFormIdFrClient } from '../../src/clients/form-id-fr.js';
import { createMatchIdFrClient } from '../../src/clients/match-id-fr.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';
import { loginFormTargets, post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

let clock = Date.now();
let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox({ clock: createClock(() => clock) }); });
afterAll(async () => { await target?.close(); });

const config = () => ({ clientId: 'sandbox-oidc-client', clientSecret: 'sandbox-client-secret', redirectUri: 'http://www.myserver.com', baseUrl: target.url });
const session = async (consent: 'grant' | 'deny') =>
  (await post(`${target.url}${adminPath('openSession')}`, { msisdn: '33600000000', consent }, { 'Content-Type': 'application/json' })).body.cookie as string;

async function authorize(scope: string[], cookie: string, options: { pkce?: boolean } = {}) {
  const request = buildAuthorizationRequest(config(), { scope, pkce: options.pkce ?? false });
  const response = await fetch(request.url, { headers: { Cookie: cookie }, redirect: 'manual' });
  return { request, response, location: response.headers.get('location') };
}

describe('the sandbox code flow', () => {
  it('runs authorize, code exchange, id_token verification, userinfo and refresh end to end', async () => {
    const { request, response, location } = await authorize(['form_filling'], await session('grant'), { pkce: true });
    expect(response.status).toBe(302);
    const { code } = parseAuthorizationCallback(location!, request.state);
    const tokens = await exchangeAuthorizationCode(config(), code, { codeVerifier: request.codeVerifier });
    const idToken = await verifyIdToken(tokens.id_token, { ...config(), nonce: request.nonce, now: () => clock });
    expect(idToken).toMatchObject({ sub: 'PBYJJF-200-DwltrLnXq+7jwTQEkOx9Z9jelg0t0NQrxWFasUgUgEs=', aud: 'sandbox-oidc-client', iss: 'https://openid.orange.fr/' });
    const { data } = await createFormIdFrClient({ baseUrl: target.url, accessToken: tokens.access_token }).GET('/formfilling/fr/v1/userinfo');
    expect(data?.given_name).toBe('Christine');
    expect(data).not.toHaveProperty('email_verified'); // not a form_filling claim
    const refreshed = await refreshAccessToken(config(), tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
  });

  it('makes codes single-use, short-lived, bound to their PKCE verifier', async () => {
    const cookie = await session('grant');
    const first = await authorize(['openid'], cookie);
    const { code } = parseAuthorizationCallback(first.location!, first.request.state);
    await exchangeAuthorizationCode(config(), code);
    await expect(exchangeAuthorizationCode(config(), code)).rejects.toMatchObject({ oauthError: { error: 'invalid_grant' } });
    const late = await authorize(['openid'], cookie);
    clock += 61_000;
    await expect(exchangeAuthorizationCode(config(), parseAuthorizationCallback(late.location!, late.request.state).code)).rejects.toMatchObject({ oauthError: { error: 'invalid_grant' } });
    const pkce = await authorize(['openid'], cookie, { pkce: true });
    await expect(exchangeAuthorizationCode(config(), parseAuthorizationCallback(pkce.location!, pkce.request.state).code, { codeVerifier: 'x'.repeat(43) }))
      .rejects.toMatchObject({ oauthError: { error: 'invalid_grant' } });
  });

  it('compares redirect_uri with the registered one after RFC 3986 normalisation, requires state, and checks the client scopes', async () => {
    const base = { response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid', redirect_uri: 'http://www.myserver.com', state: 's' };
    const get = (query: Record<string, string>) => fetch(`${target.url}/openidconnect/fr/v1/authorize?${new URLSearchParams(query)}`, { redirect: 'manual' });
    for (const same of ['http://www.myserver.com/', 'HTTP://WWW.MyServer.COM:80', 'http://www.myserver.com/./']) {
      expect((await get({ ...base, redirect_uri: same })).status, same).toBe(200);
    }
    for (const other of ['http://www.myserver.com/callback', 'https://www.myserver.com', 'http://www.myserver.com.example', 'http://www.myserver.com/#x', 'www.myserver.com']) {
      expect((await get({ ...base, redirect_uri: other })).status, other).toBe(400);
    }
    const { state: _omitted, ...withoutState } = base;
    expect((await get(withoutState)).status).toBe(400);
    expect((await get({ ...base, client_id: 'nobody' })).status).toBe(400);
    const badScope = await get({ ...base, scope: 'openid atp_kyc_plain' });
    expect(badScope.status).toBe(302);
    expect(new URL(badScope.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
    const page = await get(base);
    expect(page.status).toBe(200);
    expect(loginFormTargets(await page.text(), page.url)).toEqual({ direct: LOGIN_FORM_PATH, prefixed: `/gateway/prefix${LOGIN_FORM_PATH}` });
  });

  it('redirects with access_denied when the end-user refuses', async () => {
    const { location, request } = await authorize(['check_id'], await session('deny'));
    expect(() => parseAuthorizationCallback(location!, request.state)).toThrow(expect.objectContaining({ code: 'ERR_AUTHORIZATION_DENIED' }));
  });
});

describe('the sandbox userinfo endpoints', () => {
  const mint = async (scope: string) => (await post(`${target.url}${adminPath('mintAccessToken')}`, { msisdn: '33600000000', scope: ['openid', scope] }, { 'Content-Type': 'application/json' })).body.access_token as string;

  it('return exactly the claims each scope grants', async () => {
    const checkId = await createMatchIdFrClient({ baseUrl: target.url, accessToken: await mint('check_id') }).GET('/checkid/fr/v1/userinfo');
    expect(Object.keys(checkId.data!).sort()).toEqual(['address', 'email', 'email_verified', 'family_name', 'given_name', 'locale', 'name', 'phone_number', 'phone_number_verified', 'sub', 'subscriber_msisdn', 'updated_at']);
    expect(checkId.response.headers.get('cache-control')).toBe('no-store');
    const formId = await createFormIdFrClient({ baseUrl: target.url, accessToken: await mint('form_filling') }).GET('/formfilling/fr/v1/userinfo');
    expect(Object.keys(formId.data!).sort()).toEqual(['address', 'birthdate', 'email', 'family_name', 'gender', 'given_name', 'locale', 'name', 'phone_number', 'sub', 'subscriber_msisdn', 'updated_at']);
  });

  it('answer 403 insufficient_scope once consent is revoked, then 401 for an expired token', async () => {
    const token = await mint('check_id');
    const client = createMatchIdFrClient({ baseUrl: target.url, accessToken: token });
    expect((await client.GET('/checkid/fr/v1/userinfo')).response.status).toBe(200);
    await post(`${target.url}${adminPath('revokeConsent')}`, { msisdn: '33600000000', scope: 'check_id' }, { 'Content-Type': 'application/json' });
    const revoked = await client.GET('/checkid/fr/v1/userinfo');
    expect(revoked.response.status).toBe(403);
    expect(revoked.error).toEqual({ error: 'insufficient_scope', error_description: 'no consented scopes' });
    clock += 3601_000;
    expect((await client.GET('/checkid/fr/v1/userinfo')).error).toMatchObject({ error: 'invalid_token' });
  });
});
