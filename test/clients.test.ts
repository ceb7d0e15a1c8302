import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { createTokenProvider } from 'orange-identity-client/auth/token-provider';
import { createAuthenticationFrClient } from 'orange-identity-client/authentication-fr';
import { createDirectMatchIdFrClient, type OAuthError, type OrangeError, type components } from 'orange-identity-client/direct-match-id-fr';
import { createFormIdFrClient, isOAuthError, isOrangeError } from 'orange-identity-client/form-id-fr';
import { createIdMatchEsClient } from 'orange-identity-client/id-match-es';
import { createMatchIdFrClient } from 'orange-identity-client/match-id-fr';
import { responseExample } from './helpers/contract.js';
import { closedPortUrl, sendJson, startServer, type TestServer } from './helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

describe('the client factories', () => {
  it.each([
    ['authentication-fr', createAuthenticationFrClient],
    ['form-id-fr', createFormIdFrClient],
    ['match-id-fr', createMatchIdFrClient],
    ['id-match-es', createIdMatchEsClient],
    ['direct-match-id-fr', createDirectMatchIdFrClient],
  ] as const)('%s targets the contract server https://api.orange.com by default', async (_slug, create) => {
    let seen: Request | undefined;
    const client = create({ fetch: async (request: Request) => { seen = request; return new Response('{}', { headers: { 'Content-Type': 'application/json' } }); } }) as any;
    await client.GET('/any');
    expect(new URL(seen!.url).origin).toBe('https://api.orange.com');
  });

  it('sends the access token as a bearer token and returns the claims typed', async () => {
    const claims = responseExample('form-id-fr', '/formfilling/fr/v1/userinfo', 'get', '200', 'FormFillingClaims');
    server = await startServer((_req, res) => sendJson(res, 200, claims, { 'Cache-Control': 'no-store', Pragma: 'no-cache' }));
    const client = createFormIdFrClient({ baseUrl: server.url, accessToken: 'OFR-948efd5de1f4' });
    const { data, error } = await client.GET('/formfilling/fr/v1/userinfo');
    expect(error).toBeUndefined();
    expect(data?.given_name).toBe('Christine');
    expect(data).toEqual(claims);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer OFR-948efd5de1f4');
  });

  it('keeps the caller headers, whatever their form, beside the bearer token', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { sub: 's' }));
    for (const headers of [{ 'X-Trace': 't1' }, new Headers({ 'X-Trace': 't1' }), [['X-Trace', 't1']] as [string, string][]]) {
      await createFormIdFrClient({ baseUrl: server.url, accessToken: 'tok', headers }).GET('/formfilling/fr/v1/userinfo');
    }
    expect(server.requests.map((r) => [r.headers['x-trace'], r.headers.authorization])).toEqual(Array(3).fill(['t1', 'Bearer tok']));
  });

  it('surfaces the documented errors as values of the contract error shapes', async () => {
    const invalidToken = responseExample('match-id-fr', '/checkid/fr/v1/userinfo', 'get', '401', 'InvalidToken');
    const notFound = responseExample('match-id-fr', '/checkid/fr/v1/userinfo', 'get', '404', 'ResourceNotFound');
    server = await startServer((req, res) => (req.headers.authorization === 'Bearer expired' ? sendJson(res, 401, invalidToken) : sendJson(res, 404, notFound)));
    const expired = await createMatchIdFrClient({ baseUrl: server.url, accessToken: () => 'expired' }).GET('/checkid/fr/v1/userinfo');
    expect(expired.response.status).toBe(401);
    expect(isOAuthError(expired.error) && expired.error.error).toBe('invalid_token');
    const missing = await createMatchIdFrClient({ baseUrl: server.url, accessToken: 'valid' }).GET('/checkid/fr/v1/userinfo');
    expect(isOrangeError(missing.error) && missing.error.code).toBe(60);
    expect(isOAuthError(missing.error)).toBe(false);
  });

  it('takes its token from a token provider, and invalidates it when the API answers 401', async () => {
    const scores = responseExample('direct-match-id-fr', '/direct-matchid/fr/v1/matchid', 'post', '200', 'Scores');
    const unauthorized = responseExample('direct-match-id-fr', '/direct-matchid/fr/v1/matchid', 'post', '401', 'InvalidCredentials');
    let issued = 0;
    server = await startServer((req, res) => {
      if (req.url === '/oauth-jwt/fr/v1/token') return sendJson(res, 200, { token_type: 'Bearer', access_token: `token-${++issued}`, expires_in: 3600 });
      if (req.headers.authorization === 'Bearer token-1') return sendJson(res, 401, unauthorized);
      sendJson(res, 200, scores, { 'X-OAPI-Request-Id': 'req-1' });
    });
    const key = await generateSigningKey();
    const provider = createTokenProvider({ clientId: 'c', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk, baseUrl: server.url });
    const client = createDirectMatchIdFrClient({ baseUrl: server.url, accessToken: provider });
    const first = await client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', given_name: 'Christine' } });
    expect(first.error).toEqual(unauthorized);
    const second = await client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', given_name: 'Christine' } });
    expect(second.data).toEqual(scores);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/oauth-jwt/fr/v1/token', '/direct-matchid/fr/v1/matchid', '/oauth-jwt/fr/v1/token', '/direct-matchid/fr/v1/matchid',
    ]);
  });

  describe('with a token provider', () => {
    const assertion = { clientId: 'c', msisdn: '33600000000', scope: ['atp_kyc_plain'] };

    it.each([
      ['made without baseUrl (Orange production), for a client of a local target', {}, { baseUrl: 'http://127.0.0.1:8080' }],
      ['of a local target, for a client of Orange production', { baseUrl: 'http://127.0.0.1:8080' }, {}],
      ['of another port', { baseUrl: 'http://127.0.0.1:8081' }, { baseUrl: 'http://127.0.0.1:8080' }],
    ])('refuses a provider %s with ERR_INVALID_OPTION, before any request', async (_label, providerTarget, clientTarget) => {
      const key = await generateSigningKey();
      const provider = createTokenProvider({ ...assertion, privateKey: key.privateJwk, ...providerTarget });
      let sent = 0;
      const fetch = async () => { sent++; return new Response('{}'); };
      expect(() => createDirectMatchIdFrClient({ ...clientTarget, accessToken: provider, fetch })).toThrow(expect.objectContaining({ name: 'OrangeAuthError', code: 'ERR_INVALID_OPTION' }));
      expect(() => createFormIdFrClient({ ...clientTarget, accessToken: provider, fetch })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
      expect(sent).toBe(0);
    });

    it('accepts a provider and a client built from one options object, whatever the spelling of the URL', async () => {
      const key = await generateSigningKey();
      const target = { baseUrl: 'http://127.0.0.1:8080/' };
      const provider = createTokenProvider({ ...assertion, privateKey: key.privateJwk, ...target });
      expect(() => createDirectMatchIdFrClient({ ...target, accessToken: provider })).not.toThrow();
      expect(() => createDirectMatchIdFrClient({ baseUrl: 'HTTP://127.0.0.1:8080', accessToken: provider })).not.toThrow();
      expect(() => createDirectMatchIdFrClient({ accessToken: createTokenProvider({ ...assertion, privateKey: key.privateJwk }) })).not.toThrow();
    });

    it('rejects the call with the provider\'s ERR_REQUEST_FAILED when the token endpoint refuses connections', async () => {
      const key = await generateSigningKey();
      const target = { baseUrl: await closedPortUrl() };
      const client = createDirectMatchIdFrClient({ ...target, accessToken: createTokenProvider({ ...assertion, privateKey: key.privateJwk, ...target }) });
      await expect(client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'Dumontel' } }))
        .rejects.toMatchObject({ name: 'OrangeAuthError', code: 'ERR_REQUEST_FAILED' });
    });
  });
});

describe('a result', () => {
  it('narrows data and error by the result\'s status: an OAuth 400, a gateway 401, the scores on 200; an undocumented status kept as it came', async () => {
    const examples = {
      400: responseExample('direct-match-id-fr', '/direct-matchid/fr/v1/matchid', 'post', '400', 'UserUnknown'),
      401: responseExample('direct-match-id-fr', '/direct-matchid/fr/v1/matchid', 'post', '401', 'InvalidCredentials'),
      200: responseExample('direct-match-id-fr', '/direct-matchid/fr/v1/matchid', 'post', '200', 'Scores'),
      429: { message: 'quota exceeded' },
    };
    server = await startServer((req, res) => { const status = Number(req.headers['x-answer']) as keyof typeof examples; sendJson(res, status, examples[status]); });
    const client = createDirectMatchIdFrClient({ baseUrl: server.url, accessToken: 'token' });
    const call = (status: number) => client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'Dumontel' }, headers: { 'X-Answer': String(status) } });
    const seen: unknown[] = [];
    for (const status of [400, 401, 200, 429]) {
      const result = await call(status);
      expect(result.status).toBe(status);
      expect(result.status).toBe(result.response.status);
      if (result.status === 400) { expectTypeOf(result.error).toEqualTypeOf<OAuthError>(); seen.push(result.error.error); }
      else if (result.status === 401) { expectTypeOf(result.error).toEqualTypeOf<OrangeError>(); seen.push(result.error.code); }
      else if (result.status === 200) { expectTypeOf(result.data).toEqualTypeOf<components['schemas']['MatchIdResponse']>(); seen.push(result.data.family_name_score); }
      else seen.push([result.status, result.error]);
    }
    expect(seen).toEqual([examples[400].error, examples[401].code, examples[200].family_name_score, [429, examples[429]]]);
  });
});
