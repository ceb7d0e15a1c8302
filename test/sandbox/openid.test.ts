/**
 * What Orange's portal adds to the Authentication France page, in the sandbox: authorize by POST, the OpenID
 * Connect userinfo endpoint (GET and POST, `sub` only), and the discovery document; and the authorize request's
 * own rules (each parameter once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentedResponses } from '../../sandbox/contract.js';
import { MAX_BODY_BYTES } from '../../sandbox/http.js';
import { ID_TOKEN_ALG, ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { operation, pathOf, type OperationId } from '../../src/contract/operations.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';
import { loginFormTargets, post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

let target: RunningSandbox;
let proxied: RunningSandbox;
beforeAll(async () => {
  target = await startSandbox();
  proxied = await startSandbox({ origin: 'https://sandbox.example' });
});
afterAll(async () => {
  await target?.close();
  await proxied?.close();
});

const SUB = 'PBYJJF-200-DwltrLnXq+7jwTQEkOx9Z9jelg0t0NQrxWFasUgUgEs=';
const docs = new DocumentedResponses();
const documented = (operationId: OperationId, status: number, example: string) =>
  JSON.parse(docs.get(`${operation(operationId).slug}/${operationId}/${status}/${example}`).body) as unknown;
const query = (changes: Record<string, string> = {}) => ({
  response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid', redirect_uri: 'http://www.myserver.com', state: 'xyz', ...changes,
});
const session = async () => (await post(`${target.url}${adminPath('openSession')}`, { msisdn: '33600000000', consent: 'grant' }, { 'Content-Type': 'application/json' })).body.cookie as string;
const mint = async (scope: string[]) => (await post(`${target.url}${adminPath('mintAccessToken')}`, { msisdn: '33600000000', scope }, { 'Content-Type': 'application/json' })).body.access_token as string;

describe('the contract', () => {
  it('marks what the portal adds as coming from the portal, not from the page', () => {
    for (const id of ['authorizeWithForm', 'getOpenIdUserInfo', 'postOpenIdUserInfo', 'getOpenIdConfiguration'] as const) expect(operation(id).source, id).toBe('portal');
    for (const id of ['authorize', 'exchangeAuthorizationCode', 'refreshAccessToken'] as const) expect(operation(id).source, id).toBe('page');
  });
});

describe('authorize by POST', () => {
  const postAuthorize = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${target.url}${pathOf('authorizeWithForm')}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body, redirect: 'manual' });

  it('shows the login page, and redirects with a code for a signed-in end-user, as GET does', async () => {
    const page = await postAuthorize(new URLSearchParams(query()).toString());
    expect(page.status).toBe(200);
    expect(loginFormTargets(await page.text(), page.url)).toEqual({ direct: LOGIN_FORM_PATH, prefixed: `/gateway/prefix${LOGIN_FORM_PATH}` });
    const redirected = await postAuthorize(new URLSearchParams(query()).toString(), { Cookie: await session() });
    expect(redirected.status).toBe(302);
    const location = new URL(redirected.headers.get('location')!);
    expect(location.searchParams.get('code')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('xyz');
  });

  it('answers the error page to a body that is not the form, or is over the limit (and closes)', async () => {
    expect((await postAuthorize(JSON.stringify(query()), { 'Content-Type': 'application/json' })).status).toBe(400);
    const huge = await postAuthorize(`${new URLSearchParams(query())}&nonce=${'n'.repeat(MAX_BODY_BYTES)}`);
    expect(huge.status).toBe(400);
    expect(huge.headers.get('connection')).toBe('close');
  });
});

describe('authorize', () => {
  const get = (params: [string, string][]) => fetch(`${target.url}${pathOf('authorize')}?${new URLSearchParams(params)}`, { redirect: 'manual' });

  it('shows the error page when client_id, redirect_uri or state is repeated, and redirects invalid_request for another repeated parameter', async () => {
    for (const name of ['client_id', 'redirect_uri', 'state']) {
      const response = await get([...Object.entries(query()), [name, query()[name as keyof ReturnType<typeof query>]]]);
      expect(response.status, name).toBe(400);
    }
    for (const [name, value] of [['scope', 'openid'], ['response_type', 'code'], ['nonce', 'n']] as const) {
      const response = await get([...Object.entries(query({ nonce: 'n' })), [name, value]]);
      expect(response.status, name).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect([location.searchParams.get('error'), location.searchParams.get('state')], name).toEqual(['invalid_request', 'xyz']);
    }
  });
});

describe('the OpenID Connect userinfo endpoint', () => {
  const call = async (operationId: 'getOpenIdUserInfo' | 'postOpenIdUserInfo', token: string, body?: string) => {
    const response = await fetch(`${target.url}${pathOf(operationId)}`, { method: operation(operationId).method, headers: { Authorization: `Bearer ${token}` }, ...(body ? { body } : {}) });
    return { status: response.status, headers: response.headers, body: await response.json() as unknown };
  };

  it.each(['getOpenIdUserInfo', 'postOpenIdUserInfo'] as const)('%s gives the subject only, for any token with openid', async (operationId) => {
    for (const scope of [['openid'], ['openid', 'form_filling'], ['openid', 'check_id']]) {
      const response = await call(operationId, await mint(scope));
      expect(response).toMatchObject({ status: 200, body: { sub: SUB } });
      expect(Object.keys(response.body as object)).toEqual(['sub']);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it.each(['getOpenIdUserInfo', 'postOpenIdUserInfo'] as const)('%s answers 401 invalid_token and 403 insufficient_scope as Form ID does', async (operationId) => {
    const unknown = await call(operationId, 'nope');
    expect(unknown).toMatchObject({ status: 401, body: documented(operationId, 401, 'InvalidToken') });
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await call(operationId, await mint(['form_filling']))).toMatchObject({ status: 403, body: documented(operationId, 403, 'InsufficientScope') });
    expect(await call(operationId, 'sandbox-token-revoked-consent')).toMatchObject({ status: 403, body: documented(operationId, 403, 'InsufficientScope') });
  });

  it('closes the connection after a POST body over the limit', async () => {
    const response = await call('postOpenIdUserInfo', await mint(['openid']), 'x'.repeat(MAX_BODY_BYTES + 1));
    expect(response.headers.get('connection')).toBe('close');
  });
});

describe('the OpenID Provider configuration', () => {
  const configuration = async (sandbox: RunningSandbox, headers: Record<string, string> = {}) =>
    (await fetch(`${sandbox.url}${pathOf('getOpenIdConfiguration')}`, { headers })).json() as Promise<Record<string, unknown>>;

  it('has the documented issuer, HS256, client_secret_basic, and endpoints on the sandbox\'s own origin, whatever the Host', async () => {
    const metadata = await configuration(target, { Host: 'attacker.example' });
    expect(metadata).toMatchObject({
      issuer: ORANGE_OIDC_ISSUER,
      authorization_endpoint: `${target.url}${pathOf('authorize')}`,
      token_endpoint: `${target.url}${pathOf('exchangeAuthorizationCode')}`,
      userinfo_endpoint: `${target.url}${pathOf('getOpenIdUserInfo')}`,
      id_token_signing_alg_values_supported: [ID_TOKEN_ALG],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
    expect(metadata).not.toHaveProperty('jwks_uri');
  });

  it('advertises the configured public origin behind a proxy', async () => {
    expect(await configuration(proxied)).toMatchObject({ authorization_endpoint: `https://sandbox.example${pathOf('authorize')}` });
  });
});
