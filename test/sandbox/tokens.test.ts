/**
 * The token endpoints of Authentication France in the sandbox, as RFC 6749 wants them: a replayed code revokes
 * what it issued (section 4.1.2), a refresh asks for no more than was granted (section 6), each parameter comes
 * once (section 3.1), and the client authenticates one way only (section 2.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentedResponses } from '../../sandbox/contract.js';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { pathOf, type OperationId } from '../../src/contract/operations.js';
import { post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { AUTHORIZATION_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from 'orange-identity-client/auth/oidc';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });

const BASIC = { Authorization: basicAuthorization('sandbox-oidc-client', 'sandbox-client-secret') };
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const docs = new DocumentedResponses();
const documented = (operationId: OperationId, status: number, example: string) =>
  JSON.parse(docs.get(`authentication-fr/${operationId}/${status}/${example}`).body) as unknown;
const url = (operationId: OperationId) => `${target.url}${pathOf(operationId)}`;

async function code(scope = 'openid form_filling'): Promise<string> {
  const { body } = await post(`${target.url}${adminPath('openSession')}`, { msisdn: '33600000000', consent: 'grant' }, { 'Content-Type': 'application/json' });
  const query = new URLSearchParams({ response_type: 'code', client_id: 'sandbox-oidc-client', scope, redirect_uri: 'http://www.myserver.com', state: 's' });
  const response = await fetch(`${url('authorize')}?${query}`, { headers: { Cookie: body.cookie }, redirect: 'manual' });
  return new URL(response.headers.get('location')!).searchParams.get('code')!;
}
const exchange = (c: string, extra: [string, string][] = []) =>
  post(url('exchangeAuthorizationCode'), new URLSearchParams([['grant_type', AUTHORIZATION_CODE_GRANT_TYPE], ['code', c], ['redirect_uri', 'http://www.myserver.com/'], ...extra]).toString(), { ...FORM, ...BASIC });
const refresh = (token: string, extra: [string, string][] = []) =>
  post(url('refreshAccessToken'), new URLSearchParams([['grant_type', REFRESH_TOKEN_GRANT_TYPE], ['refresh_token', token], ...extra]).toString(), { ...FORM, ...BASIC });
const userinfo = async (operationId: OperationId, token: string) => (await fetch(url(operationId), { headers: { Authorization: `Bearer ${token}` } })).status;

describe('a replayed authorization code', () => {
  it('is refused, and revokes the access token, the refresh token and the tokens refreshed from it', async () => {
    const c = await code();
    const tokens = (await exchange(c)).body;
    const refreshed = (await refresh(tokens.refresh_token)).body;
    expect(await userinfo('getOpenIdUserInfo', tokens.access_token)).toBe(200);
    expect(await userinfo('getFormFillingUserInfo', refreshed.access_token)).toBe(200);

    const replay = await exchange(c);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual(documented('exchangeAuthorizationCode', 400, 'InvalidGrant'));
    expect(await userinfo('getOpenIdUserInfo', tokens.access_token)).toBe(401);
    expect(await userinfo('getFormFillingUserInfo', tokens.access_token)).toBe(401);
    expect(await userinfo('getFormFillingUserInfo', refreshed.access_token)).toBe(401);
    expect((await refresh(tokens.refresh_token)).body).toEqual(documented('refreshAccessToken', 400, 'InvalidGrant'));
  });

  it('leaves the tokens of other codes alone', async () => {
    const kept = (await exchange(await code())).body;
    const replayed = await code();
    await exchange(replayed);
    await exchange(replayed);
    expect(await userinfo('getOpenIdUserInfo', kept.access_token)).toBe(200);
    expect((await refresh(kept.refresh_token)).status).toBe(200);
  });
});

describe('a refresh', () => {
  it('gets invalid_scope for an empty or a wider scope, and a token for the same or a narrower one', async () => {
    const { refresh_token } = (await exchange(await code())).body;
    const invalidScope = documented('refreshAccessToken', 400, 'InvalidScope');
    for (const scope of [' ', '  ', 'openid form_filling check_id', 'check_id']) {
      const response = await refresh(refresh_token, [['scope', scope]]);
      expect({ scope, status: response.status, body: response.body }).toEqual({ scope, status: 400, body: invalidScope });
    }
    for (const scope of ['openid form_filling', 'form_filling', 'openid', '']) {
      expect((await refresh(refresh_token, [['scope', scope]])).status, `scope=${scope}`).toBe(200);
    }
  });
});

describe('the token endpoints', () => {
  it('answer invalid_request to a repeated parameter', async () => {
    const c = await code();
    const invalidRequest = documented('exchangeAuthorizationCode', 400, 'InvalidRequest');
    expect((await exchange(c, [['code', c]])).body).toEqual(invalidRequest);
    expect((await exchange(c, [['redirect_uri', 'http://www.myserver.com']])).body).toEqual(invalidRequest);
    const { refresh_token } = (await exchange(await code())).body;
    expect((await refresh(refresh_token, [['grant_type', REFRESH_TOKEN_GRANT_TYPE]])).body).toEqual(documented('refreshAccessToken', 400, 'InvalidRequest'));
  });

  it('answer invalid_request to a client secret in the body besides Basic, or a client_id that is not the authenticated one', async () => {
    const invalidRequest = documented('exchangeAuthorizationCode', 400, 'InvalidRequest');
    expect((await exchange(await code(), [['client_secret', 'sandbox-client-secret']])).body).toEqual(invalidRequest);
    expect((await exchange(await code(), [['client_id', 'someone-else']])).body).toEqual(invalidRequest);
    expect((await exchange(await code(), [['client_id', 'sandbox-oidc-client']])).status).toBe(200);
  });

  it('answer 401 invalid_client to client_secret_post: the page and the discovery document say Basic', async () => {
    const response = await post(url('exchangeAuthorizationCode'), {
      grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: await code(), redirect_uri: 'http://www.myserver.com', client_id: 'sandbox-oidc-client', client_secret: 'sandbox-client-secret',
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(documented('exchangeAuthorizationCode', 401, 'InvalidClient'));
  });
});
