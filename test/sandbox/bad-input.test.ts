import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesDocumentedError } from '../../conformance/operation-checks.js';
import { collectExamples } from '../../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle } from '../../src/contract/load.js';
import { MAX_BODY_BYTES } from '../../sandbox/http.js';
import { post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { AUTHORIZATION_CODE_GRANT_TYPE } from 'orange-identity-client/auth/oidc';
import { JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';

const logged: string[] = [];
let target: RunningSandbox;
let token: string;
beforeAll(async () => {
  target = await startSandbox({ log: (m) => logged.push(m) });
  token = (await post(`${target.url}${adminPath('mintAccessToken')}`, { msisdn: '33600000000', scope: 'atp_kyc_plain' }, { 'Content-Type': 'application/json' })).body.access_token;
});
afterAll(async () => { await target?.close(); });

const JSON_H = { 'Content-Type': 'application/json' };
const PREFIX_EXAMPLES = API_SLUGS.flatMap((slug) => collectExamples(slug, dereferencedBundle(slug))).filter((e) => e.match === 'prefix');
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const huge = 'x'.repeat(MAX_BODY_BYTES + 1);
const long = 'é'.repeat(3000); // 6 KB in UTF-8: two of them stay under the limit

/** [label, path, body, headers, expected status, expected documented member] */
const BAD: [string, string, string, Record<string, string>, number, Record<string, unknown>][] = [
  ['matchid: malformed JSON', '/direct-matchid/fr/v1/matchid', '{"msisdn": ', {}, 400, { error_description: 'Some information from the API proxification are missing' }],
  ['matchid: wrong content type', '/direct-matchid/fr/v1/matchid', 'msisdn=33600000000', { 'Content-Type': 'text/plain' }, 400, { error: 'invalid_request' }],
  ['matchid: a JSON array', '/direct-matchid/fr/v1/matchid', '[]', {}, 400, { error: 'invalid_request' }],
  ['matchid: oversized body', '/direct-matchid/fr/v1/matchid', JSON.stringify({ msisdn: '33600000000', given_name: huge }), {}, 400, { error: 'invalid_request' }],
  ['matchid: unknown field', '/direct-matchid/fr/v1/matchid', JSON.stringify({ msisdn: '33600000000', nickname: 'Kiki' }), {}, 400, { error: 'invalid_request' }],
  ['matchid: wrong type', '/direct-matchid/fr/v1/matchid', JSON.stringify({ msisdn: 33600000000 }), {}, 400, { error_description: 'REQUIRED parameter msisdn is invalid:' }],
  ['matchid: wrong type of an attribute', '/direct-matchid/fr/v1/matchid', JSON.stringify({ msisdn: '33600000000', address: 'Paris' }), {}, 400, { error: 'invalid_request' }],
  ['matchid: huge strings within the limit', '/direct-matchid/fr/v1/matchid', JSON.stringify({ msisdn: '33600000000', given_name: long, family_name: long }), {}, 200, {}],
  ['token: assertion with broken base64', '/oauth-jwt/fr/v1/token', `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=%25%25%25.${b64({})}.sig`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 400, { error_description: 'JWT validation failed' }],
  ['token: header that is not JSON', '/oauth-jwt/fr/v1/token', `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=${Buffer.from('{nope').toString('base64url')}.${b64({})}.sig`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 400, { error_description: 'JWT validation failed' }],
  ['token: JSON instead of a form', '/oauth-jwt/fr/v1/token', JSON.stringify({ grant_type: JWT_BEARER_GRANT_TYPE }), {}, 400, { error: 'unsupported_grant_type' }],
  ['token: oversized form', '/oauth-jwt/fr/v1/token', `grant_type=x&assertion=${huge}`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 400, { error: 'invalid_grant' }],
  ['premiuminfo: malformed JSON', '/idmatch/es/v1/premiuminfo', '{', { Authorization: 'Bearer sandbox-token-id-match' }, 400, { code: 22 }],
  ['premiuminfo: wrong types', '/idmatch/es/v1/premiuminfo', JSON.stringify({ email_verified: 'yes', updated_at: 'soon' }), { Authorization: 'Bearer sandbox-token-id-match' }, 400, { code: 22 }],
  ['premiuminfo: oversized body', '/idmatch/es/v1/premiuminfo', JSON.stringify({ name: huge }), { Authorization: 'Bearer sandbox-token-id-match' }, 400, { code: 22 }],
  ['code token: no credentials', '/openidconnect/fr/v1/token', `grant_type=${AUTHORIZATION_CODE_GRANT_TYPE}`, { 'Content-Type': 'application/x-www-form-urlencoded' }, 401, { error: 'invalid_client' }],
  ['code token: garbage Basic credentials', '/openidconnect/fr/v1/token', `grant_type=${AUTHORIZATION_CODE_GRANT_TYPE}`, { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic !!!' }, 401, { error: 'invalid_client' }],
  ['refresh: JSON body (no grant_type)', '/oauth/v2/token', '{}', { Authorization: `Basic ${Buffer.from('sandbox-oidc-client:sandbox-client-secret').toString('base64')}` }, 400, { error: 'invalid_request' }],
  ['admin: malformed JSON', adminPath('mintAccessToken'), '{', {}, 400, { error: 'invalid_request' }],
  ['unknown path', '/direct-matchid/fr/v2/matchid', '{}', {}, 404, { code: 60 }],
];

describe('bad input', () => {
  it.each(BAD)('%s gets its documented answer, never a 500', async (_label, path, body, headers, status, member) => {
    const auth: Record<string, string> = path.startsWith('/direct-matchid') ? { Authorization: `Bearer ${token}` } : {};
    const response = await post(`${target.url}${path}`, body, { ...JSON_H, ...auth, ...headers });
    expect(response.status).toBe(status);
    // A named example marked `x-conformance-match: prefix` documents a text the server may extend.
    const prefixed = PREFIX_EXAMPLES.find((e) => ['error_description', 'message'].some((text) => text in member && member[text] === (e.value as Record<string, unknown>)[text]));
    if (prefixed) {
      expect(matchesDocumentedError(prefixed, response.body)).toBe(true);
    } else {
      expect(response.body).toMatchObject(member);
    }
  });

  it('answers a malformed HTTP request with 400 and closes that connection', async () => {
    const socket = connect(Number(new URL(target.url).port), '127.0.0.1');
    socket.end('GET /bad path with spaces HTTP/1.1\r\nHost: x\r\n\r\n');
    let reply = '';
    for await (const chunk of socket) reply += chunk.toString();
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it('still serves afterwards, with nothing unexpected logged', async () => {
    expect((await fetch(`${target.url}${adminPath('getHealth')}`)).status).toBe(200);
    const scores = await post(`${target.url}/direct-matchid/fr/v1/matchid`, { msisdn: '33600000000', family_name: 'Dumontel' }, { ...JSON_H, Authorization: `Bearer ${token}` });
    expect(scores.body).toEqual({ family_name_score: 100 });
    expect(logged).toEqual([]);
  });
});
