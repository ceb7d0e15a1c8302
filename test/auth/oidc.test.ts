import { createHash } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTHORIZATION_CODE_GRANT_TYPE, buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationCallback, REFRESH_TOKEN_GRANT_TYPE, refreshAccessToken, verifyIdToken } from 'orange-identity-client/auth/oidc';
import { dereferencedBundle } from '../../src/contract/load.js';
import { responseExample } from '../helpers/contract.js';
import { OrangeAuthError } from 'orange-identity-client/auth/errors';
import { closedPortUrl, sendJson, startServer, truncatedBody, type TestServer } from '../helpers/server.js';
import { createAjv } from '../../src/contract/ajv.js';

const config = { clientId: '6KRHymujF8SG2g', clientSecret: 's3cret:with:colons', redirectUri: 'http://www.myserver.com' };
let server: TestServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

const authorize = () => (dereferencedBundle('authentication-fr').paths as any)['/openidconnect/fr/v1/authorize'].get;
const redirectExample = (name: string) => authorize().responses['302'].headers.Location.examples[name].value as string;

describe('buildAuthorizationRequest', () => {
  it('builds a URL whose every query parameter follows the contract, with openid added and state and nonce generated', () => {
    const request = buildAuthorizationRequest(config, { scope: ['form_filling'] });
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe('https://api.orange.com/openidconnect/fr/v1/authorize');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toEqual({ response_type: 'code', client_id: config.clientId, scope: 'openid form_filling', redirect_uri: config.redirectUri, state: request.state, nonce: request.nonce });
    expect(request.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(request.nonce).not.toBe(request.state);
    const ajv = createAjv();
    for (const parameter of authorize().parameters) {
      if (parameter.required) expect(query, parameter.name).toHaveProperty(parameter.name);
      if (parameter.name in query) expect(ajv.validate(parameter.schema, query[parameter.name]), `${parameter.name}: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('keeps a given state, adds charset=utf8, and a PKCE S256 challenge of the returned verifier', () => {
    const request = buildAuthorizationRequest({ ...config, baseUrl: 'http://127.0.0.1:8080' }, { scope: 'openid check_id', state: 'upToYouData', pkce: true, charset: 'utf8' });
    const url = new URL(request.url);
    expect(url.origin).toBe('http://127.0.0.1:8080');
    expect(url.searchParams.get('state')).toBe('upToYouData');
    expect(url.searchParams.get('scope')).toBe('openid check_id');
    expect(url.searchParams.get('charset')).toBe('utf8');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(createHash('sha256').update(request.codeVerifier!).digest('base64url'));
  });
});

describe('buildAuthorizationRequest options', () => {
  it('keeps a path prefix of baseUrl, as the token calls do', () => {
    const url = new URL(buildAuthorizationRequest({ ...config, baseUrl: 'http://127.0.0.1:8080/orange/' }, { scope: ['check_id'] }).url);
    expect(url.pathname).toBe('/orange/openidconnect/fr/v1/authorize');
  });

  it.each([['a baseUrl that is not a URL', { ...config, baseUrl: 'api.orange.com' }, { scope: ['check_id'] }], ['a scope that is neither a string nor a list', config, { scope: 42 }]])(
    'refuses %s with ERR_INVALID_OPTION', (_label, cfg, options) => {
      expect(() => buildAuthorizationRequest(cfg, options as never)).toThrow(expect.objectContaining({ name: 'OrangeAuthError', code: 'ERR_INVALID_OPTION' }));
    });
});

describe('parseAuthorizationCallback', () => {
  it('refuses a callback that is not an absolute URL with ERR_INVALID_OPTION', () => {
    expect(() => parseAuthorizationCallback('/callback?code=x&state=s', 's')).toThrow(expect.objectContaining({ name: 'OrangeAuthError', code: 'ERR_INVALID_OPTION' }));
  });

  it('returns the code of the contract AuthorizationCode redirect', () => {
    expect(parseAuthorizationCallback(redirectExample('AuthorizationCode'), 'upToYouData')).toEqual({ code: 'OFR-251f7716a727f' });
  });

  it('refuses a callback whose state differs, before reading anything else', () => {
    expect(() => parseAuthorizationCallback(redirectExample('AuthorizationCode'), 'other')).toThrow(expect.objectContaining({ code: 'ERR_STATE_MISMATCH' }));
    expect(() => parseAuthorizationCallback('http://www.myserver.com/?code=x', 'upToYouData')).toThrow(expect.objectContaining({ code: 'ERR_STATE_MISMATCH' }));
  });

  it('surfaces the contract AccessDenied redirect as ERR_AUTHORIZATION_DENIED with its OAuth error', () => {
    expect(() => parseAuthorizationCallback(redirectExample('AccessDenied'), 'upToYouData'))
      .toThrow(expect.objectContaining({ code: 'ERR_AUTHORIZATION_DENIED', oauthError: { error: 'access_denied' } }));
  });

  it('refuses a callback with neither code nor error', () => {
    expect(() => parseAuthorizationCallback('http://www.myserver.com/?state=s', 's')).toThrow(expect.objectContaining({ code: 'ERR_MISSING_CODE' }));
  });
});

describe('exchangeAuthorizationCode and refreshAccessToken', () => {
  it('exchange the code with HTTP Basic client credentials and the same redirect_uri', async () => {
    const tokens = responseExample('authentication-fr', '/openidconnect/fr/v1/token', 'post', '200', 'TokensWithRefreshToken');
    server = await startServer((_req, res) => sendJson(res, 200, tokens, { 'Cache-Control': 'no-store', Pragma: 'no-cache' }));
    expect(await exchangeAuthorizationCode({ ...config, baseUrl: server.url }, 'OFR-251f7716a727f', { codeVerifier: 'v'.repeat(43) })).toEqual(tokens);
    const [request] = server.requests;
    expect(request!.url).toBe('/openidconnect/fr/v1/token');
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64, so the secret's colons travel as %3A.
    expect(Buffer.from(request!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe(`${config.clientId}:s3cret%3Awith%3Acolons`);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'OFR-251f7716a727f', redirect_uri: config.redirectUri, code_verifier: 'v'.repeat(43) });
  });

  it('surface a reused code (invalid_grant) as ERR_TOKEN_REQUEST, and a token response without id_token as ERR_TOKEN_RESPONSE', async () => {
    const invalidGrant = responseExample('authentication-fr', '/openidconnect/fr/v1/token', 'post', '400', 'InvalidGrant');
    server = await startServer((req, res) => (req.body.includes('used') ? sendJson(res, 400, invalidGrant) : sendJson(res, 200, { token_type: 'Bearer', access_token: 'a', expires_in: 3600 })));
    await expect(exchangeAuthorizationCode({ ...config, baseUrl: server.url }, 'used')).rejects.toMatchObject({ code: 'ERR_TOKEN_REQUEST', status: 400, oauthError: invalidGrant });
    await expect(exchangeAuthorizationCode({ ...config, baseUrl: server.url }, 'fresh')).rejects.toMatchObject({ code: 'ERR_TOKEN_RESPONSE' });
  });

  it('refresh at /oauth/v2/token with the refresh_token grant', async () => {
    const refreshed = responseExample('authentication-fr', '/oauth/v2/token', 'post', '200', 'RefreshedAccessToken');
    server = await startServer((_req, res) => sendJson(res, 200, refreshed));
    expect(await refreshAccessToken({ ...config, baseUrl: server.url }, 'OFR-ce289')).toEqual(refreshed);
    expect(server.requests[0]!.url).toBe('/oauth/v2/token');
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toMatchObject({ grant_type: REFRESH_TOKEN_GRANT_TYPE, refresh_token: 'OFR-ce289' });
  });
});

describe('the token calls without an answer', () => {
  const calls = [
    ['exchangeAuthorizationCode', (baseUrl: string) => exchangeAuthorizationCode({ ...config, baseUrl }, 'OFR-1')],
    ['refreshAccessToken', (baseUrl: string) => refreshAccessToken({ ...config, baseUrl }, 'OFR-ce289')],
  ] as const;

  it.each(calls)('%s turns a refused connection into ERR_REQUEST_FAILED, with the network error as cause', async (_name, call) => {
    const error = await call(await closedPortUrl()).catch((e: unknown) => e) as OrangeAuthError;
    expect(error).toBeInstanceOf(OrangeAuthError);
    expect(error.code).toBe('ERR_REQUEST_FAILED');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it.each(calls)('%s turns an error answer whose body is cut short into ERR_REQUEST_FAILED', async (_name, call) => {
    server = await startServer(truncatedBody(400));
    await expect(call(server.url)).rejects.toMatchObject({ name: 'OrangeAuthError', code: 'ERR_REQUEST_FAILED' });
  });

  it.each(calls)('%s turns a 200 that is not JSON into ERR_TOKEN_RESPONSE', async (_name, call) => {
    server = await startServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end('{"access_token": '); });
    await expect(call(server.url)).rejects.toMatchObject({ name: 'OrangeAuthError', code: 'ERR_TOKEN_RESPONSE', status: 200 });
  });
});

describe('verifyIdToken', () => {
  const now = 1_700_000_000;
  const sign = (claims: Record<string, unknown>, secret = config.clientSecret) =>
    new SignJWT({
      iss: 'https://openid.orange.fr/', sub: 'PBYJJF-200', aud: config.clientId, iat: now, exp: now + 3600, auth_time: now - 5, acr: 0, nonce: 'n-1', ...claims,
    }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
  const options = { clientId: config.clientId, clientSecret: config.clientSecret, nonce: 'n-1', now: () => now * 1000 };

  it('returns the claims of an id_token signed HS256 with the client secret', async () => {
    expect(await verifyIdToken(await sign({}), options)).toMatchObject({ sub: 'PBYJJF-200', aud: config.clientId, acr: 0 });
  });

  it.each([
    ['signed with another secret', () => sign({}, 'another secret'), options],
    ['for another audience', () => sign({ aud: 'someone-else' }), options],
    ['from another issuer', () => sign({ iss: 'https://evil.example/' }), options],
    ['expired', () => sign({}), { ...options, now: () => (now + 3601) * 1000 }],
    ['with another nonce', () => sign({ nonce: 'n-2' }), options],
    ['unsigned (alg none)', async () => new UnsecuredJWT({ sub: 'x', aud: config.clientId, iss: 'https://openid.orange.fr/', exp: now + 60, iat: now }).encode(), options],
  ])('refuses an id_token %s with ERR_ID_TOKEN_INVALID', async (_label, token, opts) => {
    await expect(verifyIdToken(await token(), opts)).rejects.toMatchObject({ code: 'ERR_ID_TOKEN_INVALID' });
  });
});
