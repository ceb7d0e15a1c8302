/**
 * The admin API (openapi/sandbox-admin.yaml): loopback-only, and registering clients and keys as the portal's
 * Settings tab does, then used by the real flows. Every answer is checked against the document's schema.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ADMIN_ROUTES } from '../../generated/sandbox-admin.js';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { createJwtBearerAssertion, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { generateSigningKey, type SigningKey } from 'orange-identity-client/auth/keys';
import { operation } from '../../src/contract/operations.js';
import { validator } from '../../src/contract/validators.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { responseExample } from '../helpers/contract.js';
import { rawRequest } from '../helpers/raw.js';
import { post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { AUTHORIZATION_CODE_GRANT_TYPE } from 'orange-identity-client/auth/oidc';

let target: RunningSandbox;
let keys: SigningKey[];
beforeAll(async () => {
  target = await startSandbox();
  keys = await Promise.all([generateSigningKey(), generateSigningKey()]);
});
afterAll(async () => { await target?.close(); });
afterEach(() => target.sandbox.reset());

const adminDoc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'generated/sandbox-admin/openapi.json'), 'utf8'));
const JSON_H = { 'Content-Type': 'application/json' };

/** Calls an admin operation by its operationId and checks the answer against the document's schema for its status. */
async function call(operationId: (typeof SANDBOX_ADMIN_ROUTES)[number]['operationId'], params: Record<string, string> = {}, body?: unknown) {
  const route = SANDBOX_ADMIN_ROUTES.find((r) => r.operationId === operationId)!;
  const at = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!));
  const response = await fetch(`${target.url}${at}`, { method: route.method, headers: JSON_H, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  expect(route.responses as readonly string[], `${operationId} answered an undocumented ${response.status}`).toContain(String(response.status));
  const key = `sandbox-admin/${operationId}/${response.status}/application/json`;
  if (parsed !== undefined) {
    const validate = validator(key);
    expect(validate(parsed), `${key}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  return { status: response.status, body: parsed };
}

const dmToken = async (clientId: string, key: SigningKey) => post(`${target.url}/oauth-jwt/fr/v1/token`, {
  grant_type: JWT_BEARER_GRANT_TYPE,
  assertion: await createJwtBearerAssertion({ clientId, msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk }),
});
const tokenError = (name: string) => responseExample('direct-match-id-fr', operation('requestJwtBearerToken').path, 'post', '400', name);

describe('the admin API and the Host header', () => {
  it.each(['localhost', 'localhost:8080', 'LOCALHOST:1', '127.0.0.1', '127.0.0.1:65535', '[::1]', '[::1]:80'])('answers Host %s', async (host) => {
    expect((await rawRequest(target.url, `GET ${adminPath('getClock')} HTTP/1.1\r\nHost: ${host}\r\nConnection: close`)).status).toBe(200);
  });

  // An empty Host is no Host name at all: a bare 400 (RFC 9112 section 3.2), test/sandbox/hostile.test.ts.
  it.each(['evil.example', 'evil.example:8080', 'localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1:8080', 'localhost:99999'])('refuses Host %j with the documented 403 (DNS rebinding)', async (host) => {
    const reply = await rawRequest(target.url, `POST ${adminPath('resetSandbox')} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close`);
    expect(reply.status).toBe(403);
    const documented = adminDoc.components.responses.Forbidden.content['application/json'].examples.HostNotLoopback.value;
    expect(JSON.parse(reply.text.slice(reply.text.indexOf('\r\n\r\n') + 4))).toEqual(documented);
  });

  it('answers the Host names it is told to, and health whatever the Host', async () => {
    const inContainer = await startSandbox({ adminHosts: ['sandbox'] });
    try {
      expect((await rawRequest(inContainer.url, `GET ${adminPath('getClock')} HTTP/1.1\r\nHost: sandbox:8080\r\nConnection: close`)).status).toBe(200);
      expect((await rawRequest(inContainer.url, `GET ${adminPath('getClock')} HTTP/1.1\r\nHost: other:8080\r\nConnection: close`)).status).toBe(403);
      expect((await rawRequest(inContainer.url, `GET ${adminPath('getHealth')} HTTP/1.1\r\nHost: anything.example\r\nConnection: close`)).status).toBe(200);
    } finally {
      await inContainer.close();
    }
  });
});

describe('registering clients as on the portal', () => {
  it('registers a code-flow client with a generated secret, which then runs the code flow', async () => {
    const redirectUri = 'http://127.0.0.1:3000/callback';
    const registered = await call('registerClient', {}, { clientId: 'my-web-app', redirectUris: [redirectUri], scopes: ['openid', 'form_filling'] });
    expect(registered.status).toBe(201);
    expect(registered.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const { cookie } = (await call('openSession', {}, { msisdn: '33600000000', consent: 'grant' })).body;
    const authorize = new URL(`${target.url}${operation('authorize').path}`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: 'my-web-app', scope: 'openid form_filling', redirect_uri: redirectUri, state: 's1' })) authorize.searchParams.set(k, v);
    const redirected = await fetch(authorize, { headers: { Cookie: cookie }, redirect: 'manual' });
    const code = new URL(redirected.headers.get('location')!).searchParams.get('code')!;
    const tokens = await post(`${target.url}${operation('exchangeAuthorizationCode').path}`, { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code, redirect_uri: redirectUri }, {
      Authorization: basicAuthorization('my-web-app', registered.body.clientSecret),
    });
    expect(tokens.status).toBe(200);
    const claims = await fetch(`${target.url}${operation('getFormFillingUserInfo').path}`, { headers: { Authorization: `Bearer ${tokens.body.access_token}` } });
    expect(claims.status).toBe(200);
  });

  it('registers a Direct Match client with its JWKS, whose assertions then get tokens', async () => {
    expect((await call('registerClient', {}, { clientId: 'kyc', scopes: ['atp_kyc_plain'], jwks: keys[0]!.jwks })).status).toBe(201);
    const token = await dmToken('kyc', keys[0]!);
    expect(token.status).toBe(200);
    expect((await call('getClient', { clientId: 'kyc' })).body.jwks).toEqual(keys[0]!.jwks);
  });

  it('registers a JWKS URI that stays pending until authorized, as on the portal', async () => {
    const server = createServer((_req, res) => { res.writeHead(200, JSON_H); res.end(JSON.stringify(keys[0]!.jwks)); }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const jwksUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
      expect((await call('registerClient', {}, { clientId: 'by-uri', scopes: ['atp_kyc_plain'], jwksUri })).body.jwksUriAuthorized).toBe(false);
      expect((await dmToken('by-uri', keys[0]!)).body).toEqual(tokenError('JwksUriNotYetAuthorized'));
      expect((await call('authorizeJwksUri', { clientId: 'by-uri' })).body.jwksUriAuthorized).toBe(true);
      expect((await dmToken('by-uri', keys[0]!)).status).toBe(200);
      // Registered in place of a JWKS on an existing client, a URI is pending again.
      expect((await call('registerJwksUri', { clientId: 'sandbox-direct-match' }, { jwksUri })).body).toMatchObject({ jwksUri, jwksUriAuthorized: false });
      expect((await call('getClient', { clientId: 'sandbox-direct-match' })).body.jwks).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('rotates a key (the new one in place of the old), adds one beside, and removes one', async () => {
    await call('registerClient', {}, { clientId: 'kyc', scopes: ['atp_kyc_plain'], jwks: keys[0]!.jwks });
    const rotated = await call('addKey', { clientId: 'kyc' }, { key: keys[1]!.publicJwk, replaces: keys[0]!.kid });
    expect(rotated.status).toBe(201);
    expect(rotated.body.jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([keys[1]!.kid]);
    expect((await dmToken('kyc', keys[0]!)).body).toEqual(tokenError('NoKeyFound'));
    expect((await dmToken('kyc', keys[1]!)).status).toBe(200);
    expect((await call('addKey', { clientId: 'kyc' }, { key: keys[0]!.publicJwk })).body.jwks.keys).toHaveLength(2);
    expect((await dmToken('kyc', keys[0]!)).status).toBe(200);
    expect((await call('removeKey', { clientId: 'kyc', kid: keys[0]!.kid })).status).toBe(204);
    expect((await dmToken('kyc', keys[0]!)).body).toEqual(tokenError('NoKeyFound'));
    expect((await call('removeKey', { clientId: 'kyc', kid: keys[0]!.kid })).status).toBe(404);
    expect((await call('addKey', { clientId: 'kyc' }, { key: keys[1]!.publicJwk })).status).toBe(409);
  });

  it('replaces a client\'s JWKS, the fixture\'s test key then no longer signing for it', async () => {
    expect((await call('registerJwks', { clientId: 'sandbox-direct-match' }, keys[0]!.jwks)).status).toBe(200);
    expect((await dmToken('sandbox-direct-match', keys[0]!)).status).toBe(200);
    expect((await dmToken('sandbox-direct-match', keys[1]!)).body).toEqual(tokenError('NoKeyFound'));
  });

  it('removes a client, and the tokens issued to it stop working', async () => {
    const minted = await call('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] });
    expect(minted.status).toBe(201);
    expect((await call('removeClient', { clientId: 'sandbox-oidc-client' })).status).toBe(204);
    const refused = await fetch(`${target.url}${operation('getCheckIdUserInfo').path}`, { headers: { Authorization: `Bearer ${minted.body.access_token}` } });
    expect(refused.status).toBe(401);
    expect((await call('getClient', { clientId: 'sandbox-oidc-client' })).status).toBe(404);
  });

  const n = 'uZ9Qm8rVt4xJ2kLw7nF1pS6yH3cD0aEbGiKoMqUsWvXzBdFhJlNpRtVxZ1357_-9';
  it.each([
    ['a private key', { clientId: 'x', jwks: { keys: [{ kty: 'RSA', n, e: 'AQAB', d: 'secret' }] } }, 'body/jwks/keys/0/d is not allowed'],
    ["a modulus elided as on the page (/../)", { clientId: 'x', jwks: { keys: [{ kty: 'RSA', n: `${n.slice(0, 20)}/../${n.slice(-10)}`, e: 'AQAB' }] } }, 'body/jwks/keys/0/n must be base64url'],
    ['a JWKS and a JWKS URI at once', { clientId: 'x', jwks: { keys: [] }, jwksUri: 'http://127.0.0.1:9/jwks.json' }, 'body must NOT be valid'],
    ['two keys of one kid', { clientId: 'x', jwks: { keys: [{ kty: 'RSA', n, e: 'AQAB', kid: 'k' }, { kty: 'RSA', n, e: 'AQAB', kid: 'k' }] } }, 'kid k is not unique'],
    ['an unknown member', { clientId: 'x', colour: 'blue' }, 'body must NOT have additional properties (colour)'],
    ['no clientId', { scopes: ['openid'] }, "body must have required property 'clientId'"],
  ])('refuses to register %s, naming the field', async (_label, body, message) => {
    const refused = await call('registerClient', {}, body);
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toContain(message);
  });

  it('refuses a client id that is taken (409) and a client it does not know (404)', async () => {
    expect((await call('registerClient', {}, { clientId: 'sandbox-direct-match' })).status).toBe(409);
    expect((await call('registerJwks', { clientId: 'nobody' }, keys[0]!.jwks)).status).toBe(404);
    expect((await call('authorizeJwksUri', { clientId: 'sandbox-direct-match' })).status).toBe(400);
  });
});

describe('tokens, sessions and consents', () => {
  it('mints tokens only for subscribers and registered clients, naming the field', async () => {
    expect((await call('mintAccessToken', {}, { msisdn: '33699999999', scope: 'check_id' })).body.error_description).toContain('body/msisdn');
    expect((await call('mintAccessToken', {}, { scope: ['nothing'] })).status).toBe(400);
    expect((await call('mintAccessToken', {}, { scope: 42 })).body.error_description).toContain('body/scope');
    expect((await call('openSession', {}, { msisdn: '33600000000', consent: 'maybe' })).body.error_description).toContain('body/consent');
    expect((await call('revokeConsent', {}, { msisdn: '33600000000', scope: 'check_id' })).status).toBe(204);
  });
});
