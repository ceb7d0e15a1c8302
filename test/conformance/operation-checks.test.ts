import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ASSERTION_AUDIENCE, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { AUTHORIZATION_CODE_GRANT_TYPE, ORANGE_OIDC_ISSUER, REFRESH_TOKEN_GRANT_TYPE } from 'orange-identity-client/auth/oidc';
import type { JsonObject } from '../../src/contract/examples.js';
import { pathOf, type OperationId } from '../../src/contract/operations.js';
import { loadCatalogue, type Case } from '../../conformance/catalogue.js';
import { HeaderList, wireRequest, type HttpResponse } from '../../conformance/http.js';
import { checkRequest, checkResponse, matchesDocumentedError, type CheckContext } from '../../conformance/operation-checks.js';
import { importFixtureKey } from '../helpers/sandbox.js';

const { cases } = loadCatalogue();
const byId = (id: string): Case => cases.find((c) => c.id === id)!;

/** A response of the case's documented kind: its documented headers (first schema example) and its example body. */
function documented(c: Case, changes: { status?: number; headers?: [string, string][]; body?: unknown; contentType?: string } = {}): HttpResponse {
  const headers: [string, string][] = [];
  for (const [name, h] of Object.entries((c.response.headers ?? {}) as Record<string, JsonObject>)) {
    const schema = h.schema as JsonObject;
    headers.push([name, String(c.example.header === name ? c.example.value : schema.const ?? (schema.examples as string[] | undefined)?.[0] ?? 'x')]);
  }
  const media = c.example.mediaType;
  if (media) headers.push(['Content-Type', changes.contentType ?? (media === 'application/json' ? 'application/json; charset=utf-8' : media)]);
  const body = changes.body !== undefined ? changes.body : media ? c.example.value : undefined;
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return { status: changes.status ?? Number(c.status), headers: new HeaderList([...headers.filter(([k]) => !changes.headers?.some(([n]) => n.toLowerCase() === k.toLowerCase())), ...(changes.headers ?? [])]), bytes: Buffer.from(text), text };
}

const checksOf = (operationId: string, response: HttpResponse, context: CheckContext = {}) =>
  checkResponse(operationId as OperationId, response, context).failures.map((f) => `${f.check}${f.at ? ` ${f.at}` : ''}`);

const SECRET = 'sandbox-client-secret';
const idToken = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader(header as never).sign(new TextEncoder().encode(secret));
const now = Math.floor(Date.now() / 1000);
const goodClaims = { iss: ORANGE_OIDC_ISSUER, sub: 'PBYJJF-200-x', aud: 'client-1', exp: now + 3600, iat: now, auth_time: now - 10, nonce: 'n-1', acr: '0' };
const tokens = byId('authentication-fr/exchangeAuthorizationCode/200/TokensWithRefreshToken');
const idContext: CheckContext = { jwt: { issuer: ORANGE_OIDC_ISSUER, audience: 'client-1', nonce: 'n-1', now, hmacSecret: SECRET } };
const withIdToken = async (claims: Record<string, unknown>, header?: Record<string, unknown>, secret?: string) =>
  documented(tokens, { body: { ...(tokens.example.value as JsonObject), id_token: await idToken(claims, header, secret) } });

describe('operation-level response checks', () => {
  it('accept every named example of the contract as a response of its operation, with its documented headers', () => {
    const problems = cases.filter((c) => !c.variant).flatMap((c) => checksOf(c.operation.operationId, documented(c)).map((f) => `${c.id}: ${f}`));
    expect(problems).toEqual([]);
  });

  it('name an undocumented status, a wrong, repeated or non-UTF-8 content type, and a body that does not parse', () => {
    const scores = byId('direct-match-id-fr/matchIdentity/200/Scores');
    expect(checksOf('matchIdentity', documented(scores, { status: 502 }))).toEqual(['status']);
    expect(checksOf('matchIdentity', documented(scores, { contentType: 'application/json; charset=iso-8859-1' }))).toEqual(['content-type Content-Type']);
    expect(checksOf('matchIdentity', documented(scores, { contentType: 'text/plain' }))).toEqual(['content-type Content-Type']);
    expect(checksOf('matchIdentity', documented(scores, { headers: [['Content-Type', 'application/json'], ['content-type', 'application/json']] }))).toEqual(['content-type Content-Type']);
    const latin1 = documented(scores);
    const bytes = Buffer.from('{"given_name_score":100,"x":"\u00e9"}', 'latin1');
    expect(checksOf('matchIdentity', { ...latin1, bytes, text: bytes.toString('utf8') })).toEqual(['body']);
  });

  it('want each documented header exactly once, present when required, and valid', () => {
    const scores = byId('direct-match-id-fr/matchIdentity/200/Scores');
    expect(checksOf('matchIdentity', documented(scores, { headers: [['X-OAPI-Request-Id', 'a'], ['X-OAPI-Request-Id', 'b']] }))).toEqual(['header-once X-OAPI-Request-Id']);
    const response = documented(tokens);
    expect(checksOf('exchangeAuthorizationCode', { ...response, headers: new HeaderList(response.headers.entries.filter(([k]) => k !== 'Cache-Control')) })).toEqual(['header Cache-Control']);
    expect(checksOf('exchangeAuthorizationCode', documented(tokens, { headers: [['Cache-Control', 'max-age=60']] }))).toEqual(['header Cache-Control']);
  });

  it('name every member the contract does not document, in OAuth and Orange errors and token responses alike', () => {
    const oauth = byId('direct-match-id-fr/matchIdentity/400/MsisdnMissing');
    const orange = byId('id-match-es/verifyPremiumInfo/401/InvalidCredentials');
    expect(checksOf('matchIdentity', documented(oauth, { body: { ...(oauth.example.value as JsonObject), trace: 'at Handler.run' } }))).toEqual(['undocumented-member body/trace']);
    expect(checksOf('verifyPremiumInfo', documented(orange, { body: { ...(orange.example.value as JsonObject), debug: { id: 1 } } }))).toEqual(['undocumented-member body/debug']);
    expect(checksOf('exchangeAuthorizationCode', documented(tokens, { body: { ...(tokens.example.value as JsonObject), session_state: 'x' } }))).toEqual(['undocumented-member body/session_state']);
  });

  it('want an error to carry one of the documented pairs of its status, a text marked as a prefix being one', () => {
    const missing = byId('direct-match-id-fr/matchIdentity/400/MsisdnMissing');
    const invalid = byId('direct-match-id-fr/matchIdentity/400/MsisdnInvalid');
    expect(invalid.example.match).toBe('prefix');
    expect(checksOf('matchIdentity', documented(missing, { body: { error: 'invalid_request', error_description: 'REQUIRED parameter msisdn is invalid: +33600000000' } }))).toEqual([]);
    expect(checksOf('matchIdentity', documented(missing, { body: { error: 'invalid_request', error_description: 'msisdn is missing' } }))).toEqual(['error-value']);
    expect(checksOf('matchIdentity', documented(missing, { body: { error: 'invalid_parameter', error_description: 'REQUIRED parameter msisdn is missing' } }))).toEqual(['error-value']);
    expect(matchesDocumentedError(invalid.example, { error: 'invalid_request', error_description: 'REQUIRED parameter msisdn is invalid' })).toBe(false);
    expect(matchesDocumentedError(missing.example, { error: 'invalid_request', error_description: 'REQUIRED parameter msisdn is missing: +33' })).toBe(false);
  });

  it('decode the id_token and check it against its contentSchema, the profile, the nonce sent, the clock and the client secret', async () => {
    expect(checksOf('exchangeAuthorizationCode', await withIdToken(goodClaims), idContext)).toEqual([]);
    const cases: [string, Record<string, unknown>, Record<string, unknown>?, string?][] = [
      ['id_token.aud', { ...goodClaims, aud: 'another-client' }],
      ['id_token.iss', { ...goodClaims, iss: ORANGE_OIDC_ISSUER.replace(/\/$/, '') }],
      ['id_token.nonce', { ...goodClaims, nonce: 'replayed' }],
      ['id_token.exp', { ...goodClaims, exp: now - 3600, iat: now - 7200, auth_time: now - 7300 }],
      ['id_token.auth_time', { ...goodClaims, auth_time: now + 3600 }],
      ['id_token', { ...goodClaims, sub: undefined }],
      ['id_token', goodClaims, { alg: 'HS512', typ: 'JWT' }],
      ['id_token signature', goodClaims, undefined, 'another-secret'],
    ];
    for (const [at, claims, header, secret] of cases) {
      expect(checksOf('exchangeAuthorizationCode', await withIdToken(JSON.parse(JSON.stringify(claims)), header, secret), idContext), at).toContain(`jwt ${at}`);
    }
    expect(checksOf('exchangeAuthorizationCode', await withIdToken({ ...goodClaims, exp: goodClaims.iat }), idContext)).toContain('jwt id_token.exp');
    expect(checksOf('exchangeAuthorizationCode', documented(tokens, { body: { ...(tokens.example.value as JsonObject), id_token: 'eyJub3Q.a.jwt' } }))).toEqual(['jwt id_token']);
  });

  it('want a granted scope within the one asked, and the metadata issuer to be the assertion audience', () => {
    const access = byId('direct-match-id-fr/requestJwtBearerToken/200/AccessToken');
    const scoped = (scope: string) => documented(access, { body: { ...(access.example.value as JsonObject), scope } });
    expect(checksOf('requestJwtBearerToken', scoped('atp_kyc_plain'), { scope: ['atp_kyc_plain'] })).toEqual([]);
    expect(checksOf('requestJwtBearerToken', scoped('atp_kyc_plain atp_kyc_premium'), { scope: ['atp_kyc_plain'] })).toEqual(['scope scope']);
    const metadata = byId('direct-match-id-fr/getAuthorizationServerMetadata/200/Metadata');
    const value = metadata.example.value as JsonObject;
    expect(checksOf('getAuthorizationServerMetadata', documented(metadata), { assertionAudience: ASSERTION_AUDIENCE })).toEqual([]);
    expect(checksOf('getAuthorizationServerMetadata', documented(metadata, { body: { ...value, issuer: `${value.issuer}/` } }), { assertionAudience: ASSERTION_AUDIENCE })).toEqual(['cross-response issuer']);
  });
});

describe('request checks', () => {
  const basic = basicAuthorization('client-1', 'secret');
  const assertion = async (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'k' })
    .sign(await importFixtureKey('direct-match'));

  it('accept a documented request with its parameters, body and credentials', async () => {
    const code = wireRequest('http://h', { method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: basic }, form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'c', redirect_uri: 'http://www.myserver.com' } });
    expect(checkRequest(code).failures).toEqual([]);
    expect(checkRequest(code).operation?.operationId).toBe('exchangeAuthorizationCode');
    const authorize = wireRequest('http://h', { method: 'GET', path: pathOf('authorize'), query: { response_type: 'code', client_id: 'c', scope: 'openid', redirect_uri: 'http://www.myserver.com', state: 's' } });
    expect(checkRequest(authorize).failures).toEqual([]);
    const token = wireRequest('http://h', { method: 'POST', path: pathOf('requestJwtBearerToken'), form: {
      grant_type: JWT_BEARER_GRANT_TYPE,
      assertion: await assertion({ iss: 'c', client_id: 'c', sub: '33600000000', sub_type: 'MSISDN', scope: ['atp_kyc_plain'], aud: ASSERTION_AUDIENCE, exp: now + 60, iat: now }),
    } });
    expect(checkRequest(token, { jwt: { audience: ASSERTION_AUDIENCE, now } }).failures).toEqual([]);
  });

  it('name an unknown operation, a missing parameter, a body off its schema, missing credentials and a wrong assertion', async () => {
    const names = (r: Parameters<typeof checkRequest>[0], context = {}) => checkRequest(r, context).failures.map((f) => `${f.check}${f.at ? ` ${f.at}` : ''}`);
    expect(names(wireRequest('http://h', { method: 'GET', path: `${pathOf('matchIdentity')}/more` }))).toEqual(['operation']);
    expect(names(wireRequest('http://h', { method: 'DELETE', path: pathOf('matchIdentity') }))).toEqual(['operation']);
    expect(names(wireRequest('http://h', { method: 'GET', path: pathOf('authorize'), query: { response_type: 'code', client_id: 'c', scope: 'openid', redirect_uri: 'http://www.myserver.com' } }))).toEqual(['parameter state']);
    expect(names(wireRequest('http://h', { method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: 'Bearer t' }, json: { msisdn: '33600000000', nickname: 'Kiki' } }))).toEqual(['undocumented-member body/nickname']);
    expect(names(wireRequest('http://h', { method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: 'Bearer t' }, json: { msisdn: 33600000000 } }))).toEqual(['schema']);
    expect(names(wireRequest('http://h', { method: 'POST', path: pathOf('matchIdentity'), json: { msisdn: '33600000000' } }))).toEqual(['credentials Authorization']);
    expect(names(wireRequest('http://h', { method: 'POST', path: pathOf('refreshAccessToken'), headers: { Authorization: 'Bearer t' }, form: { grant_type: REFRESH_TOKEN_GRANT_TYPE, refresh_token: 'r' } }))).toEqual(['credentials Authorization']);
    expect(names(wireRequest('http://h', { method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: 'Bearer t', 'Content-Type': 'text/plain' }, rawBody: 'msisdn=1' }))).toEqual(['content-type Content-Type']);
    const wrongAud = wireRequest('http://h', { method: 'POST', path: pathOf('requestJwtBearerToken'), form: {
      grant_type: JWT_BEARER_GRANT_TYPE,
      assertion: await assertion({ iss: 'c', client_id: 'c', sub: '33600000000', sub_type: 'MSISDN', scope: ['atp_kyc_plain'], aud: `${ASSERTION_AUDIENCE}/`, exp: now + 60 }),
    } });
    expect(names(wrongAud, { jwt: { audience: ASSERTION_AUDIENCE } })).toEqual(['jwt assertion', 'jwt assertion.aud']);
  });
});
