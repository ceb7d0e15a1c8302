import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrangeAuthError } from 'orange-identity-client/auth/errors';
import { generateSigningKey, type SigningKey } from 'orange-identity-client/auth/keys';
import { type AssertionOptions, createJwtBearerAssertion, JWT_BEARER_GRANT_TYPE, requestJwtBearerToken } from 'orange-identity-client/auth/jwt-bearer';
import { responseExample, validateAgainst } from '../helpers/contract.js';
import { unsupportedKeys } from '../helpers/keys.js';
import { closedPortUrl, sendJson, startServer, truncatedBody, type TestServer } from '../helpers/server.js';

let key: SigningKey;
let options: AssertionOptions;
let server: TestServer | undefined;
beforeAll(async () => {
  key = await generateSigningKey();
  options = { clientId: 'JGhOAjSLGuyMd8XNATL5kh0ThpMfGZF8', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk };
});
afterEach(async () => { await server?.close(); server = undefined; });

describe('createJwtBearerAssertion', () => {
  it('builds the header and claims the page tables list, valid against the contract schemas', async () => {
    const now = Date.UTC(2026, 10, 21) ;
    const assertion = await createJwtBearerAssertion({ ...options, now: () => now });
    const header = decodeProtectedHeader(assertion);
    const claims = decodeJwt(assertion);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(claims).toMatchObject({
      iss: options.clientId, client_id: options.clientId, sub: '33600000000', sub_type: 'MSISDN',
      scope: ['atp_kyc_plain'], aud: 'https://openid.orange.fr', iat: now / 1000, exp: now / 1000 + 3600,
    });
    const h = validateAgainst('direct-match-id-fr', 'JwtBearerAssertionHeader', header);
    const c = validateAgainst('direct-match-id-fr', 'JwtBearerAssertionClaims', claims);
    expect(h.ok, h.errors).toBe(true);
    expect(c.ok, c.errors).toBe(true);
  });

  it('signs with the private key, verifiable with the registered public JWK', async () => {
    const assertion = await createJwtBearerAssertion(options);
    const { payload } = await jwtVerify(assertion, await importJWK(key.publicJwk, 'RS256'), { algorithms: ['RS256'], audience: 'https://openid.orange.fr' });
    expect(payload.sub).toBe('33600000000');
  });

  it('gives each assertion a fresh jti', async () => {
    const jtis = new Set(await Promise.all(Array.from({ length: 20 }, async () => decodeJwt(await createJwtBearerAssertion(options)).jti)));
    expect(jtis.size).toBe(20);
  });

  it('accepts a lifetime of exactly 24 h and refuses a longer one', async () => {
    const claims = decodeJwt(await createJwtBearerAssertion({ ...options, lifetimeSeconds: 86_400 }));
    expect(claims.exp! - claims.iat!).toBe(86_400);
    await expect(createJwtBearerAssertion({ ...options, lifetimeSeconds: 86_401 })).rejects.toMatchObject({ code: 'ERR_ASSERTION_LIFETIME' });
  });

  it.each([
    ['an MSISDN with a + prefix', { msisdn: '+33600000000' }],
    ['an empty client id', { clientId: '' }],
    ['an empty scope list', { scope: [] }],
    ['a key without kid', { privateKey: { ...({} as object), kty: 'RSA' } as never, kid: undefined }],
  ])('refuses %s with ERR_INVALID_OPTION', async (_label, change) => {
    await expect(createJwtBearerAssertion({ ...options, ...change })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('requestJwtBearerToken', () => {
  it('posts the form-encoded jwt-bearer grant to /oauth-jwt/fr/v1/token and returns the token', async () => {
    const token = responseExample('direct-match-id-fr', '/oauth-jwt/fr/v1/token', 'post', '200', 'AccessToken');
    server = await startServer((_req, res) => sendJson(res, 200, token));
    const assertion = await createJwtBearerAssertion(options);
    expect(await requestJwtBearerToken(assertion, { baseUrl: server.url })).toEqual(token);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/oauth-jwt/fr/v1/token' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({ grant_type: JWT_BEARER_GRANT_TYPE, assertion });
  });

  it('surfaces a documented error row as ERR_TOKEN_REQUEST with the OAuth error body', async () => {
    const expired = responseExample('direct-match-id-fr', '/oauth-jwt/fr/v1/token', 'post', '400', 'JwtHasExpired');
    server = await startServer((_req, res) => sendJson(res, 400, expired));
    const error = await requestJwtBearerToken('a.b.c', { baseUrl: server.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrangeAuthError);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_REQUEST', status: 400, oauthError: expired });
  });

  it('refuses a 200 whose body is not a bearer token response', async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { token_type: 'Bearer', expires_in: 3600 }));
    await expect(requestJwtBearerToken('a.b.c', { baseUrl: server.url })).rejects.toMatchObject({ code: 'ERR_TOKEN_RESPONSE' });
  });
});

describe('the RS256 key check', () => {
  it('signs with a 2048-bit RSA key given as a private JWK, a KeyObject or a CryptoKey', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const keyObject = generateKeyPairSync('rsa', { modulusLength: 3072 });
    for (const [privateKeyInput, verifyWith] of [[privateKey, publicKey], [keyObject.privateKey, keyObject.publicKey], [await exportJWK(privateKey), publicKey]] as const) {
      const assertion = await createJwtBearerAssertion({ ...options, privateKey: privateKeyInput, kid: 'k' });
      expect((await jwtVerify(assertion, verifyWith, { algorithms: ['RS256'] })).protectedHeader.kid).toBe('k');
    }
  });

  it('refuses every key that is not an RSA private key of 2048 bits or more with ERR_KEY_UNSUPPORTED', async () => {
    for (const [label, privateKey] of await unsupportedKeys()) {
      const error = await createJwtBearerAssertion({ ...options, privateKey: privateKey as never, kid: 'k' }).catch((e: unknown) => e);
      expect(error, label).toBeInstanceOf(OrangeAuthError);
      expect(error, label).toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' });
    }
  });
});

describe('requestJwtBearerToken without an answer', () => {
  it('turns a refused connection into ERR_REQUEST_FAILED, with the network error as cause', async () => {
    const url = await closedPortUrl();
    const error = await requestJwtBearerToken('a.b.c', { baseUrl: url }).catch((e: unknown) => e) as OrangeAuthError;
    expect(error).toBeInstanceOf(OrangeAuthError);
    expect(error.code).toBe('ERR_REQUEST_FAILED');
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(`${url}/oauth-jwt/fr/v1/token`);
  });

  it('turns an aborted request into ERR_REQUEST_FAILED, with the AbortError as cause', async () => {
    const controller = new AbortController();
    server = await startServer(() => controller.abort()); // never answers
    const fetchWithSignal = (request: Request) => globalThis.fetch(request, { signal: controller.signal });
    const error = await requestJwtBearerToken('a.b.c', { baseUrl: server.url, fetch: fetchWithSignal }).catch((e: unknown) => e) as OrangeAuthError;
    expect(error).toMatchObject({ code: 'ERR_REQUEST_FAILED' });
    expect((error.cause as Error).name).toBe('AbortError');
  });

  it.each([200, 400])('turns a %i whose body is cut short into ERR_REQUEST_FAILED', async (status) => {
    server = await startServer(truncatedBody(status));
    await expect(requestJwtBearerToken('a.b.c', { baseUrl: server.url })).rejects.toMatchObject({ code: 'ERR_REQUEST_FAILED', name: 'OrangeAuthError' });
  });

  it('turns a 200 whose body is not JSON into ERR_TOKEN_RESPONSE, and a 502 HTML page into ERR_TOKEN_REQUEST without oauthError', async () => {
    server = await startServer((req, res) => {
      res.writeHead(req.body.includes('html') ? 502 : 200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad gateway</body></html>');
    });
    const notJson = await requestJwtBearerToken('a.b.c', { baseUrl: server.url }).catch((e: unknown) => e);
    expect(notJson).toMatchObject({ name: 'OrangeAuthError', code: 'ERR_TOKEN_RESPONSE', status: 200 });
    expect((notJson as Error).cause).toBeInstanceOf(SyntaxError);
    const gateway = await requestJwtBearerToken('html', { baseUrl: server.url }).catch((e: unknown) => e);
    expect(gateway).toMatchObject({ name: 'OrangeAuthError', code: 'ERR_TOKEN_REQUEST', status: 502, oauthError: undefined });
  });

  it.each(['not a url', 'ftp://127.0.0.1/', '/relative'])('refuses the baseUrl %j with ERR_INVALID_OPTION before sending anything', async (baseUrl) => {
    await expect(requestJwtBearerToken('a.b.c', { baseUrl })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', name: 'OrangeAuthError' });
  });
});
