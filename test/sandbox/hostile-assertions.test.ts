/**
 * Hostile JWT bearer assertions, each signed with the client's registered key, so that only the condition under
 * test is wrong: each gets the row of the page's error table that docs/sandbox.md gives it (the contract's named
 * example, word for word), never a token and never a 5xx. Time is the sandbox's clock, fixed here.
 */
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../sandbox/clock.js';
import { DocumentedResponses } from '../../sandbox/contract.js';
import { CLOCK_SKEW_SECONDS } from '../../sandbox/direct-match.js';
import { ASSERTION_AUDIENCE, JWT_BEARER_GRANT_TYPE, MAX_ASSERTION_LIFETIME_SECONDS } from 'orange-identity-client/auth/jwt-bearer';
import { pathOf } from '../../src/contract/operations.js';
import { fixtureKey, importFixtureKey, post, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const NOW = 1_800_000_000; // 2027-01-15, in seconds
const DAY = MAX_ASSERTION_LIFETIME_SECONDS;
const YEAR_2126 = 4_922_000_000;
const KID = fixtureKey('direct-match').kid!;

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox({ clock: createClock(() => NOW * 1000) }); });
afterAll(async () => { await target?.close(); });

type Claims = Record<string, unknown>;
const valid = (): Claims => ({
  iss: 'sandbox-direct-match', client_id: 'sandbox-direct-match', sub: '33600000000', sub_type: 'MSISDN', scope: ['atp_kyc_plain'],
  aud: ASSERTION_AUDIENCE, jti: crypto.randomUUID(), iat: NOW, exp: NOW + 3600,
});
const without = (claims: Claims, ...names: string[]) => Object.fromEntries(Object.entries(claims).filter(([k]) => !names.includes(k)));
const sign = async (claims: Claims, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: KID }) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header as never).sign(await importFixtureKey('direct-match'));
const form = (...pairs: [string, string][]) => new URLSearchParams(pairs).toString();

interface Attack { claims?: Claims; header?: Record<string, unknown>; body?: (assertion: string) => string }
/** [what is wrong, the attack, the named example of requestJwtBearerToken's 400 that answers it (or 200)] */
const ATTACKS: [string, Attack, string][] = [
  ['iat one hour in the future', { claims: { ...valid(), iat: NOW + 3600, exp: NOW + 7200 } }, 'JwtLifetimeOver24h'],
  [`iat ${CLOCK_SKEW_SECONDS + 1} s ahead, past the skew`, { claims: { ...valid(), iat: NOW + CLOCK_SKEW_SECONDS + 1 } }, 'JwtLifetimeOver24h'],
  ['nbf one day ahead', { claims: { ...valid(), nbf: NOW + DAY, exp: NOW + DAY + 60 } }, 'JwtLifetimeOver24h'],
  [`nbf ${CLOCK_SKEW_SECONDS + 1} s ahead`, { claims: { ...valid(), nbf: NOW + CLOCK_SKEW_SECONDS + 1 } }, 'JwtLifetimeOver24h'],
  ['timestamps in milliseconds', { claims: { ...valid(), iat: NOW * 1000, exp: (NOW + 3600) * 1000 } }, 'JwtValidationFailed'],
  ['exp in milliseconds, no iat', { claims: { ...without(valid(), 'iat'), exp: (NOW + 3600) * 1000 } }, 'JwtValidationFailed'],
  ['exp = 1e300', { claims: { ...valid(), exp: 1e300 } }, 'JwtValidationFailed'],
  ['exp = 2^60', { claims: { ...valid(), exp: 2 ** 60 } }, 'JwtValidationFailed'],
  ['exp in the year 2126, no iat', { claims: { ...without(valid(), 'iat'), exp: YEAR_2126 } }, 'JwtLifetimeOver24h'],
  ['exp in the year 2126, iat one hour before it', { claims: { ...valid(), iat: YEAR_2126 - 3600, exp: YEAR_2126 } }, 'JwtLifetimeOver24h'],
  ['exp 24 h and 1 s from now, no iat (the 24 h count from now)', { claims: { ...without(valid(), 'iat'), exp: NOW + DAY + 1 } }, 'JwtLifetimeOver24h'],
  ['iat two days ago (lifetime over 24 h)', { claims: { ...valid(), iat: NOW - 2 * DAY } }, 'JwtLifetimeOver24h'],
  ['exp a fraction of a second', { claims: { ...valid(), exp: NOW + 3600.5 } }, 'JwtValidationFailed'],
  ['exp a string', { claims: { ...valid(), exp: String(NOW + 3600) } }, 'JwtValidationFailed'],
  ['exp negative', { claims: { ...valid(), exp: -1 } }, 'JwtValidationFailed'],
  ['iat a string', { claims: { ...valid(), iat: String(NOW) } }, 'JwtValidationFailed'],
  ['nbf null', { claims: { ...valid(), nbf: null } }, 'JwtValidationFailed'],
  ['no exp', { claims: without(valid(), 'exp') }, 'JwtValidationFailed'],
  ['exp now', { claims: { ...valid(), exp: NOW } }, 'JwtHasExpired'],
  ['typ missing', { header: { alg: 'RS256', kid: KID } }, 'JwtValidationFailed'],
  ['typ JWE', { header: { alg: 'RS256', typ: 'JWE', kid: KID } }, 'JwtValidationFailed'],
  ['typ in lower case', { header: { alg: 'RS256', typ: 'jwt', kid: KID } }, 'JwtValidationFailed'],
  ['aud an array holding the audience', { claims: { ...valid(), aud: [ASSERTION_AUDIENCE] } }, 'AudienceMismatch'],
  ['aud with a trailing slash', { claims: { ...valid(), aud: `${ASSERTION_AUDIENCE}/` } }, 'AudienceMismatch'],
  ['assertion repeated', { body: (a) => form(['grant_type', JWT_BEARER_GRANT_TYPE], ['assertion', a], ['assertion', a]) }, 'RepeatedParameter'],
  ['grant_type repeated', { body: (a) => form(['grant_type', JWT_BEARER_GRANT_TYPE], ['grant_type', JWT_BEARER_GRANT_TYPE], ['assertion', a]) }, 'RepeatedParameter'],
];

/** The limits themselves, accepted: [what, claims, extra form parameters]. */
const ACCEPTED: [string, Claims, [string, string][]][] = [
  ['the page\'s assertion (iat now, exp one hour later)', valid(), []],
  [`iat ${CLOCK_SKEW_SECONDS} s ahead, within the skew`, { ...valid(), iat: NOW + CLOCK_SKEW_SECONDS, exp: NOW + 3600 }, []],
  [`nbf ${CLOCK_SKEW_SECONDS} s ahead, within the skew`, { ...valid(), nbf: NOW + CLOCK_SKEW_SECONDS }, []],
  ['exp exactly 24 h from now, no iat', { ...without(valid(), 'iat'), exp: NOW + DAY }, []],
  ['an empty parameter sent twice (RFC 6749 section 3.1: treated as omitted)', valid(), [['scope', ''], ['scope', '']]],
];

const docs = new DocumentedResponses();
const send = (body: string) => post(`${target.url}${pathOf('requestJwtBearerToken')}`, body, { 'Content-Type': 'application/x-www-form-urlencoded' });

describe('the sandbox JWT bearer token endpoint against hostile assertions', () => {
  it.each(ATTACKS)('refuses %s with its documented row', async (_label, attack, example) => {
    const assertion = await sign(attack.claims ?? valid(), attack.header);
    const response = await send(attack.body?.(assertion) ?? form(['grant_type', JWT_BEARER_GRANT_TYPE], ['assertion', assertion]));
    expect(response.status).toBe(400);
    expect(response.body).toEqual(JSON.parse(docs.get(`direct-match-id-fr/requestJwtBearerToken/400/${example}`).body));
  });

  it.each(ACCEPTED)('accepts %s', async (_label, claims, extra) => {
    const response = await send(form(['grant_type', JWT_BEARER_GRANT_TYPE], ['assertion', await sign(claims)], ...extra));
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
  });
});
