/**
 * The sandbox where attackers and fuzzers look (issue 22): each hostile request gets its status and the error the
 * contract documents, and changes nothing, read back through the admin API or a following request. A PKCE
 * downgrade; weak and wrong-purpose keys (an e = 1 forgery among them); redirect and JWKS URIs a browser or the
 * sandbox must not follow; a web page driving the admin API; framing; malformed and repeated Host headers.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import codeRequestSchema from '../../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import { adminPath } from '../../conformance/sandbox-admin.js';
import { DocumentedResponses } from '../../sandbox/contract.js';
import { FixtureError } from '../../sandbox/fixture.js';
import { createSandbox } from '../../sandbox/server.js';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE, createJwtBearerAssertion } from 'orange-identity-client/auth/jwt-bearer';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { pathOf } from '../../src/contract/operations.js';
import { rawRequest } from '../helpers/raw.js';
import { adminCall, adminExample, defaultFixture, post, startSandbox, type AdminOperationId, type RunningSandbox } from '../helpers/sandbox.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });
afterEach(() => target.sandbox.reset());

const docs = new DocumentedResponses();
const documented = (id: string) => JSON.parse(docs.get(id).body) as unknown;
const JSON_H = { 'Content-Type': 'application/json' };

/** An admin call as a test tool makes it: JSON, no Origin. */
const admin = (operationId: AdminOperationId, params: Record<string, string> = {}, body?: unknown, headers: Record<string, string> = {}) =>
  adminCall(target.url, operationId, { params, body, headers });

const CODE_GRANT = codeRequestSchema.properties.grant_type.const;
const BASIC = { Authorization: basicAuthorization('sandbox-oidc-client', 'sandbox-client-secret') };
const REDIRECT = 'http://www.myserver.com';
const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

async function code(pkce: Record<string, string> = {}): Promise<string> {
  const { cookie } = (await admin('openSession', {}, { msisdn: '33600000000', consent: 'grant' })).body;
  const query = new URLSearchParams({ response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid form_filling', redirect_uri: REDIRECT, state: 's', ...pkce });
  const response = await fetch(`${target.url}${pathOf('authorize')}?${query}`, { headers: { Cookie: cookie }, redirect: 'manual' });
  return new URL(response.headers.get('location')!).searchParams.get('code')!;
}
const exchange = (c: string, extra: Record<string, string> = {}) =>
  post(`${target.url}${pathOf('exchangeAuthorizationCode')}`, { grant_type: CODE_GRANT, code: c, redirect_uri: REDIRECT, ...extra }, BASIC);
const issued = () => target.sandbox.state.tokens.size + target.sandbox.state.refreshTokens.size;

describe('a PKCE downgrade (RFC 9700 section 2.1.1)', () => {
  const verifier = 'a'.repeat(20) + 'B'.repeat(23);

  it('is refused: a code issued without code_challenge, exchanged with a code_verifier, gets invalid_grant and no token', async () => {
    const c = await code();
    const before = issued();
    const refused = await exchange(c, { code_verifier: verifier });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(documented('authentication-fr/exchangeAuthorizationCode/400/InvalidGrant'));
    expect(issued()).toBe(before);
    // The code went with the refusal: it gives nothing afterwards either.
    expect((await exchange(c)).body).toEqual(documented('authentication-fr/exchangeAuthorizationCode/400/InvalidGrant'));
    expect(issued()).toBe(before);
  });

  it('leaves PKCE working: the verifier of the challenge is accepted, a missing or another one refused', async () => {
    const bound = { code_challenge: s256(verifier), code_challenge_method: 'S256' };
    expect((await exchange(await code(bound))).status).toBe(400);
    expect((await exchange(await code(bound), { code_verifier: `${verifier}x` })).status).toBe(400);
    expect((await exchange(await code(bound), { code_verifier: verifier })).status).toBe(200);
    expect((await exchange(await code())).status).toBe(200);
  });
});

/** RSA public JWKs: real keys, and the members an attacker would register in their place. */
const realKey = (options: { modulusLength: number; publicExponent?: number }) =>
  createPublicKey(generateKeyPairSync('rsa', options).privateKey).export({ format: 'jwk' }) as JWK;
const rsa2048 = realKey({ modulusLength: 2048 });
const b64 = (bytes: Buffer | number[]) => Buffer.from(bytes).toString('base64url');
/** A 2048-bit odd modulus with its top bit set: for e = 1 no private key is needed to "sign". */
const forgedModulus = () => {
  const n = Buffer.from(rsa2048.n!, 'base64url');
  n[n.length - 1]! |= 1;
  return n;
};

/** An RS256 signature that verifies with e = 1: the PKCS #1 v1.5 encoded message itself (s^1 mod n = s). */
function forgeWithExponentOne(input: string, modulusBytes: number): string {
  const digestInfo = Buffer.from('3031300d060960864801650304020105000420', 'hex');
  const hash = createHash('sha256').update(input).digest();
  const padding = Buffer.alloc(modulusBytes - 3 - digestInfo.length - hash.length, 0xff);
  return b64(Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), digestInfo, hash]));
}

/** An assertion for the default fixture's Direct Match client, whose signature is forged for a key of e = 1. */
function forgedAssertion(kid: string, clientId = 'sandbox-direct-match'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64(Buffer.from(JSON.stringify({ alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid })));
  const payload = b64(Buffer.from(JSON.stringify({ iss: clientId, client_id: clientId, sub: '33600000000', sub_type: ASSERTION_SUB_TYPE, scope: ['atp_kyc_plain'], aud: ASSERTION_AUDIENCE, iat: now, exp: now + 600 })));
  return `${header}.${payload}.${forgeWithExponentOne(`${header}.${payload}`, forgedModulus().length)}`;
}
const tokenRequest = (assertion: string) => post(`${target.url}${pathOf('requestJwtBearerToken')}`, { grant_type: JWT_BEARER_GRANT_TYPE, assertion });

const UNFIT_KEYS: [string, JWK, RegExp][] = [
  ['a 512-bit modulus', { ...realKey({ modulusLength: 512 }), kid: 'k' }, /n is a 512-bit modulus/],
  ['a 1024-bit modulus', { ...realKey({ modulusLength: 1024 }), kid: 'k' }, /n is a 1024-bit modulus/],
  ['e = 0', { ...rsa2048, e: 'AA', kid: 'k' }, /e is 0/],
  ['e = 1 (any signature verifies)', { ...rsa2048, n: b64(forgedModulus()), e: 'AQ', kid: 'k' }, /e is 1/],
  ['an even e', { ...rsa2048, e: b64([1, 0, 0]), kid: 'k' }, /e is 65536/],
  ['a 4 KB e', { ...rsa2048, e: b64(Buffer.alloc(4096, 0xff)), kid: 'k' }, /e has 32768 bits/],
  ['an even modulus', { ...rsa2048, n: b64(Buffer.from([...Buffer.from(rsa2048.n!, 'base64url').subarray(0, -1), 0x10])), kid: 'k' }, /n is even/],
  ['a modulus padded with a zero octet', { ...rsa2048, n: b64(Buffer.concat([Buffer.from([0]), Buffer.from(rsa2048.n!, 'base64url')])), kid: 'k' }, /n starts with a zero octet/],
  ['use: enc', { ...rsa2048, use: 'enc', kid: 'k' }, /use is "enc"/],
  ['key_ops: [encrypt]', { ...rsa2048, key_ops: ['encrypt'], kid: 'k' }, /key_ops is \["encrypt"\]/],
  ['alg: HS256', { ...rsa2048, alg: 'HS256', kid: 'k' }, /alg is "HS256"/],
  ['alg: RS512', { ...rsa2048, alg: 'RS512', kid: 'k' }, /alg is "RS512"/],
];

describe('keys a client registers (RFC 7518 section 3.3, RFC 8017 section 3.1, RFC 7517 sections 4.2 to 4.4)', () => {
  const registered = async () => (await admin('getClient', { clientId: 'sandbox-direct-match' })).body.jwks;

  it.each(UNFIT_KEYS)('refuses %s on every way in, naming the field, and the client keeps its keys', async (_label, key, message) => {
    const before = await registered();
    for (const [operationId, params, body] of [
      ['registerJwks', { clientId: 'sandbox-direct-match' }, { keys: [key] }],
      ['addKey', { clientId: 'sandbox-direct-match' }, { key }],
      ['registerClient', {}, { clientId: 'attacker', scopes: ['atp_kyc_plain'], jwks: { keys: [key] } }],
    ] as [AdminOperationId, Record<string, string>, unknown][]) {
      const refused = await admin(operationId, params, body);
      expect(refused.status, operationId).toBe(400);
      expect(refused.body.error, operationId).toBe('invalid_request');
      expect(refused.body.error_description, operationId).toMatch(message);
      expect(refused.body.error_description, operationId).toMatch(/body\/(jwks\/keys\/\d+|key)?/);
    }
    expect(await registered()).toEqual(before);
    expect((await admin('getClient', { clientId: 'attacker' })).status).toBe(404);
  });

  it('gives no token to an assertion forged for an e = 1 key, registered or served at a JWKS URI', async () => {
    const forged = { ...rsa2048, n: b64(forgedModulus()), e: 'AQ', kid: 'forged' };
    expect((await admin('addKey', { clientId: 'sandbox-direct-match' }, { key: forged })).status).toBe(400);
    expect((await tokenRequest(forgedAssertion('forged'))).body).toEqual(documented('direct-match-id-fr/requestJwtBearerToken/400/NoKeyFound'));
    // A JWKS URI may serve anything: its unfit keys verify nothing.
    const server: Server = createServer((_req, res) => res.writeHead(200, JSON_H).end(JSON.stringify({ keys: [forged] }))).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      expect((await admin('registerJwksUri', { clientId: 'sandbox-direct-match' }, { jwksUri })).status).toBe(200);
      expect((await admin('authorizeJwksUri', { clientId: 'sandbox-direct-match' })).status).toBe(200);
      const refused = await tokenRequest(forgedAssertion('forged'));
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(documented('direct-match-id-fr/requestJwtBearerToken/400/NoKeyFound'));
    } finally {
      server.close();
    }
  });

  it('accepts a sound key, with use sig, key_ops [verify] and alg RS256 or none of them, and e = 3; its assertions get tokens', async () => {
    const sound = await generateSigningKey();
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    const three = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'e3', key_ops: ['verify'] };
    const registered = await admin('registerJwks', { clientId: 'sandbox-direct-match' }, { keys: [{ ...sound.publicJwk, key_ops: ['verify'] }, three] });
    expect(registered.status).toBe(200);
    const assertion = await createJwtBearerAssertion({ clientId: 'sandbox-direct-match', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: sound.privateJwk });
    expect((await tokenRequest(assertion)).status).toBe(200);
    const e3 = await createJwtBearerAssertion({ clientId: 'sandbox-direct-match', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'e3' } });
    expect((await tokenRequest(e3)).status).toBe(200);
    const bare = { kty: 'RSA', n: sound.publicJwk.n, e: sound.publicJwk.e, kid: 'bare' };
    expect((await admin('addKey', { clientId: 'sandbox-direct-match' }, { key: bare })).status).toBe(201);
  });

  it('refuses a fixture that holds an unfit key, naming the field', () => {
    const fixture = defaultFixture();
    fixture.clients[1]!.jwks!.keys[0] = { ...fixture.clients[1]!.jwks!.keys[0]!, e: 'AQ' };
    expect(() => createSandbox({ fixture })).toThrow(FixtureError);
    expect(() => createSandbox({ fixture })).toThrow(/\/clients\/1\/jwks\/keys\/0\/e is 1/);
  });
});

describe('redirect and JWKS URIs a client registers (RFC 6749 section 3.1.2, RFC 8252 section 7.3)', () => {
  it.each([
    ['javascript:', 'javascript:alert(document.cookie)', /has the scheme javascript/],
    ['data:', 'data:text/html,hello', /has the scheme data/],
    ['file:', 'file:///etc/passwd', /has the scheme file/],
    ['a fragment', 'https://rp.example/callback#token', /has a fragment/],
    ['an empty fragment', 'https://rp.example/callback#', /has a fragment/],
    ['a relative URI', '/callback', /body\/redirectUris\/1 must match format "uri"/],
  ])('refuses a redirect URI with %s, and registers nothing', async (_label, uri, message) => {
    const refused = await admin('registerClient', {}, { clientId: 'attacker', redirectUris: ['https://rp.example/ok', uri], scopes: ['openid'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    expect(refused.body.error_description).toMatch(message);
    expect((await admin('getClient', { clientId: 'attacker' })).status).toBe(404);
  });

  it('registers http(s) redirect URIs, loopback ones included', async () => {
    const uris = ['https://rp.example/callback', 'http://127.0.0.1:3000/cb', 'http://localhost/cb', 'http://[::1]:8080/cb', 'https://rp.example/cb?x=1'];
    expect((await admin('registerClient', {}, { clientId: 'rp', redirectUris: uris, scopes: ['openid'] })).status).toBe(201);
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['http beyond the loopback', 'http://evil.example/jwks.json'],
    ['ftp:', 'ftp://127.0.0.1/jwks.json'],
  ])('refuses a JWKS URI with %s, on registration and in place of the keys, which stay', async (_label, jwksUri) => {
    const before = (await admin('getClient', { clientId: 'sandbox-direct-match' })).body;
    for (const [operationId, params, body] of [
      ['registerClient', {}, { clientId: 'attacker', scopes: ['atp_kyc_plain'], jwksUri }],
      ['registerJwksUri', { clientId: 'sandbox-direct-match' }, { jwksUri }],
    ] as [AdminOperationId, Record<string, string>, unknown][]) {
      const refused = await admin(operationId, params, body);
      expect(refused.status, operationId).toBe(400);
      expect(refused.body.error_description, operationId).toMatch(/jwksUri/);
    }
    expect((await admin('getClient', { clientId: 'sandbox-direct-match' })).body).toEqual(before);
  });

  it('registers https JWKS URIs, and http ones on the loopback', async () => {
    for (const jwksUri of ['https://keys.example/jwks.json', 'http://127.0.0.1:9/jwks.json', 'http://localhost:9/jwks.json', 'http://[::1]:9/jwks.json']) {
      expect((await admin('registerJwksUri', { clientId: 'sandbox-direct-match' }, { jwksUri })).status, jwksUri).toBe(200);
    }
  });
});

describe('a web page driving the admin API', () => {
  const pending = async () => (await admin('getClient', { clientId: 'sandbox-pending-jwks-uri' })).body.jwksUriAuthorized;
  /** Something only the sandbox's state holds: a minted token, which a reset removes. */
  const mintedWorks = async (token: string) => (await fetch(`${target.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: `Bearer ${token}` } })).status === 200;

  /** What a page of another origin can send: a simple request (text/plain, no custom header), with the headers a browser adds. */
  const HOSTILE: [string, Record<string, string>][] = [
    ['Origin: https://evil.example', { Origin: 'https://evil.example' }],
    ['Origin: null (a sandboxed frame, a data: page)', { Origin: 'null' }],
    ['Origin of another port of the same host', { Origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site: cross-site, without Origin', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
  ];

  it.each(HOSTILE)('refuses a simple POST with %s (403, CrossSiteRequest): no reset, no JWKS URI authorized, no clock moved', async (_label, headers) => {
    const token = (await admin('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] })).body.access_token;
    const clock = (await admin('getClock')).body.offset;
    for (const operationId of ['resetSandbox', 'authorizeJwksUri', 'moveClock', 'registerClient'] as const) {
      const params: Record<string, string> = operationId === 'authorizeJwksUri' ? { clientId: 'sandbox-pending-jwks-uri' } : {};
      const body = operationId === 'moveClock' ? '{"advance": 86400}' : operationId === 'registerClient' ? '{"clientId": "evil"}' : 'x';
      for (const contentType of ['text/plain', 'application/json']) {
        const response = await fetch(`${target.url}${adminPath(operationId, params)}`, { method: 'POST', headers: { ...headers, 'Content-Type': contentType }, body });
        expect(response.status, `${operationId} ${contentType}`).toBe(403);
        expect(await response.json()).toEqual(adminExample('Forbidden', 'CrossSiteRequest'));
      }
    }
    expect(await mintedWorks(token)).toBe(true);
    expect(await pending()).toBe(false);
    expect((await admin('getClock')).body.offset).toBeCloseTo(clock, 0);
    expect((await admin('getClient', { clientId: 'evil' })).status).toBe(404);
  });

  it('refuses a bodiless POST sent as a simple request, even without Origin (an older browser): 400, AdminHeaderMissing', async () => {
    const token = (await admin('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] })).body.access_token;
    for (const operationId of ['resetSandbox', 'authorizeJwksUri', 'purgeExpired'] as const) {
      const params: Record<string, string> = operationId === 'authorizeJwksUri' ? { clientId: 'sandbox-pending-jwks-uri' } : {};
      for (const init of [{}, { headers: { 'Content-Type': 'text/plain' }, body: 'x' }, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=b' }]) {
        const response = await fetch(`${target.url}${adminPath(operationId, params)}`, { method: 'POST', ...init });
        expect(response.status, operationId).toBe(400);
        expect(await response.json()).toEqual(adminExample('BadRequest', 'AdminHeaderMissing'));
      }
    }
    expect(await mintedWorks(token)).toBe(true);
    expect(await pending()).toBe(false);
  });

  it('refuses a body that is not application/json (400), registering nothing', async () => {
    const response = await fetch(`${target.url}${adminPath('registerClient')}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"clientId": "evil"}' });
    expect(response.status).toBe(400);
    expect((await admin('getClient', { clientId: 'evil' })).status).toBe(404);
  });

  it('grants no CORS preflight: a page cannot send JSON or a custom header to it', async () => {
    const preflight = await fetch(`${target.url}${adminPath('resetSandbox')}`, {
      method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-sandbox-admin' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
  });

  it('answers test tools and its own pages: no Origin with the admin header or JSON, its own origin, Sec-Fetch-Site same-origin or none', async () => {
    for (const headers of [{ 'X-Sandbox-Admin': '1' }, JSON_H, { ...JSON_H, Origin: target.url }, { ...JSON_H, 'Sec-Fetch-Site': 'same-origin' }, { ...JSON_H, 'Sec-Fetch-Site': 'none' }] as Record<string, string>[]) {
      expect((await fetch(`${target.url}${adminPath('resetSandbox')}`, { method: 'POST', headers })).status, JSON.stringify(headers)).toBe(204);
    }
    expect((await admin('authorizeJwksUri', { clientId: 'sandbox-pending-jwks-uri' }, undefined, { 'X-Sandbox-Admin': '1' })).status).toBe(200);
    expect(await pending()).toBe(true);
  });
});

describe('framing (clickjacking of the login and consent page)', () => {
  const authorize = (query: Record<string, string>, cookie?: string) =>
    fetch(`${target.url}${pathOf('authorize')}?${new URLSearchParams(query)}`, { redirect: 'manual', ...(cookie ? { headers: { Cookie: cookie } } : {}) });
  const valid = { response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid form_filling', redirect_uri: REDIRECT, state: 's' };

  it('forbids every HTML page of the sandbox to be framed: login, consent, refused form, error page', async () => {
    const pages = [await authorize(valid), await authorize({ ...valid, client_id: 'nobody' })];
    pages.push(await fetch(`${target.url}${LOGIN_FORM_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(valid).toString() }));
    for (const page of pages) {
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(pages.map((p) => p.status)).toEqual([200, 400, 403]);
  });
});

describe('the Host header (RFC 9112 section 3.2)', () => {
  const MALFORMED = ['a b', '[', '', '[::1', 'localhost:abc', ':80', 'exa mple.com:8080', 'localhost:8080:1', '[not-ip]', 'local\thost'];

  it.each(MALFORMED)('answers Host %j with a bare 400 and closes, on the APIs and the admin API, which changes nothing', async (host) => {
    const token = (await admin('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] })).body.access_token;
    for (const head of [`GET ${pathOf('getOpenIdConfiguration')} HTTP/1.1`, `GET ${adminPath('getHealth')} HTTP/1.1`, `POST ${adminPath('resetSandbox')} HTTP/1.1`]) {
      const reply = await rawRequest(target.url, `${head}\r\nHost: ${host}\r\nX-Sandbox-Admin: 1\r\nContent-Length: 0`);
      expect(reply.status, `${head} Host ${JSON.stringify(host)}`).toBe(400);
      expect(reply.ended).toBe(true);
    }
    expect((await fetch(`${target.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it.each([['localhost', 'evil.example'], ['evil.example', 'localhost'], ['localhost', 'localhost']])('answers two Host fields (%s, %s) with 400: the first never decides', async (first, second) => {
    const token = (await admin('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] })).body.access_token;
    for (const head of [`GET ${adminPath('getClock')} HTTP/1.1`, `POST ${adminPath('resetSandbox')} HTTP/1.1`, `GET ${pathOf('getOpenIdConfiguration')} HTTP/1.1`]) {
      const reply = await rawRequest(target.url, `${head}\r\nHost: ${first}\r\nHost: ${second}\r\nX-Sandbox-Admin: 1\r\nContent-Length: 0\r\nConnection: close`);
      expect(reply.status, head).toBe(400);
    }
    expect((await fetch(`${target.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('answers an HTTP/1.1 request without Host with 400, and serves HTTP/1.0 without one (the admin API refusing it)', async () => {
    expect((await rawRequest(target.url, `GET ${adminPath('getHealth')} HTTP/1.1\r\nConnection: close`)).status).toBe(400);
    expect((await rawRequest(target.url, `GET ${adminPath('getHealth')} HTTP/1.0`)).status).toBe(200);
    expect((await rawRequest(target.url, `GET ${adminPath('getClock')} HTTP/1.0`)).status).toBe(403);
  });

  it('serves well-formed Host values: names, ports, IP literals', async () => {
    for (const host of ['localhost', 'localhost:8080', '127.0.0.1:1', '[::1]', '[::1]:80', 'sandbox.example', 'x'.repeat(300)]) {
      expect((await rawRequest(target.url, `GET ${adminPath('getHealth')} HTTP/1.1\r\nHost: ${host}\r\nConnection: close`)).status, host).toBe(200);
    }
  });
});
