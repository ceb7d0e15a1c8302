import { createClock } from '../../sandbox/clock.js';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { CompactSign, SignJWT, exportSPKI, importJWK, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { score, normaliseForScore } from '../../sandbox/direct-match.js';
import { createTokenProvider } from 'orange-identity-client/auth/token-provider';
import { createDirectMatchIdFrClient } from '../../src/clients/direct-match-id-fr.js';
import { defaultFixture, fixtureKey, importFixtureKey, post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });

const KID = fixtureKey('direct-match').kid!;
const now = () => Math.floor(Date.now() / 1000);
const claims = (changes: Record<string, unknown> = {}) => ({
  iss: 'sandbox-direct-match', client_id: 'sandbox-direct-match', sub: '33600000000', sub_type: 'MSISDN', scope: ['atp_kyc_plain'],
  aud: 'https://openid.orange.fr', jti: crypto.randomUUID(), iat: now(), exp: now() + 3600, ...changes,
});
const token = (assertion: string) => post(`${target.url}/oauth-jwt/fr/v1/token`, { grant_type: JWT_BEARER_GRANT_TYPE, assertion });
const signed = async (payload: object, header: object = { alg: 'RS256', typ: 'JWT', kid: KID }) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as never).sign(await importFixtureKey('direct-match'));

describe('the sandbox JWT bearer token endpoint', () => {
  it('issues a token for an assertion built by the toolkit, which matchid then accepts', async () => {
    const provider = createTokenProvider({ clientId: 'sandbox-direct-match', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: fixtureKey('direct-match'), baseUrl: target.url });
    const client = createDirectMatchIdFrClient({ baseUrl: target.url, accessToken: provider });
    const { data, response } = await client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'Dumontel', given_name: 'Christine' } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ family_name_score: 100, given_name_score: 100 });
    expect(response.headers.get('x-oapi-request-id')).toMatch(/^sandbox-/);
  });

  it('refuses alg none and HS256 keyed with the public key (jwsRequestHeader.alg is not supported)', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: KID })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    const jwk = fixtureKey('direct-match');
    const publicPem = await exportSPKI((await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e } as JWK, 'RS256', { extractable: true })) as CryptoKey);
    const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: KID }).sign(new TextEncoder().encode(publicPem));
    for (const assertion of [none, hs256]) {
      expect((await token(assertion)).body).toEqual({ error: 'invalid_grant', error_description: 'JWS Validation failed, [JWS] verify - Error: jwsRequestHeader.alg is not supported' });
    }
  });

  it('accepts a lifetime of exactly 24 h and refuses one second more', async () => {
    const ok = await token(await signed(claims({ exp: now() + 86_400 })));
    expect(ok.status).toBe(200);
    const tooLong = await token(await signed(claims({ exp: now() + 86_401 })));
    expect(tooLong.body.error_description).toBe('jwt date is not valid (lifetime > 24h)');
  });

  it('fetches an authorized JWKS URI, and refuses the assertion once the key is gone from it', async () => {
    const jwk = fixtureKey('direct-match');
    let served = { keys: [{ kty: 'RSA', n: jwk.n, e: jwk.e, kid: jwk.kid, use: 'sig', alg: 'RS256' }] };
    const jwksServer = createServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(served)); }).listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    const fixture = defaultFixture();
    fixture.clients.push({ clientId: 'by-uri', jwksUri: `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`, scopes: ['atp_kyc_plain'] });
    let clock = Date.now();
    const byUri = await startSandbox({ fixture, clock: createClock(() => clock) });
    try {
      const assertion = () => signed(claims({ iss: 'by-uri', client_id: 'by-uri' }));
      const send = async () => post(`${byUri.url}/oauth-jwt/fr/v1/token`, { grant_type: JWT_BEARER_GRANT_TYPE, assertion: await assertion() });
      expect((await send()).status).toBe(200);
      served = { keys: [] };
      clock += 301_000; // past the 5-minute cache
      expect((await send()).body.error_description).toBe('JWS Validation failed, [JWS] verify - Error: missing jwks');
    } finally {
      await byUri.close();
      jwksServer.close();
    }
  });
});

describe('matchid scores', () => {
  it('are Jaro-Winkler similarities from 0 to 100, after lower-casing, removing accents and collapsing spaces', () => {
    expect(normaliseForScore('  Hélène   DUPONT ')).toBe('helene dupont');
    expect(score('DUMONTEL', 'Dumontel')).toBe(100);
    expect(score('Hélène', 'Helene')).toBe(100);
    expect(score('MARTHA', 'MARHTA')).toBe(96.1);
    expect(score('DIXON', 'DICKSONX')).toBe(81.3);
    expect(score('75018', '75019')).toBe(92); // the common prefix counts 4 characters at most
    expect(score('abcdefgh', 'abcdxyzw')).toBe(66.7); // no prefix bonus below Winkler's 0.7 threshold
    expect(score('Paris', 'Lyon')).toBeLessThan(50);
    expect(score('anything', undefined)).toBe(0);
  });

  it('score only the attributes sent, with the address fields in their own object', async () => {
    const { body: { access_token } } = await post(`${target.url}${adminPath('mintAccessToken')}`, { msisdn: '33600000000', scope: ['atp_kyc_plain'] }, { 'Content-Type': 'application/json' });
    const result = await post(`${target.url}/direct-matchid/fr/v1/matchid`, { msisdn: '33600000000', birthdate: '1978-11-25', address: { locality: 'PARIS', postal_code: '75019' } },
      { 'Content-Type': 'application/json', Authorization: `Bearer ${access_token}` });
    expect(result.body).toEqual({ birthdate_score: 100, address: { locality_score: 100, postal_code_score: score('75019', '75018') } });
    expect(result.body.address.postal_code_score).toBeGreaterThan(80);
    expect(result.body.address.postal_code_score).toBeLessThan(100);
  });
});
