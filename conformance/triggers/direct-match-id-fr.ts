/**
 * Triggers of Direct Match ID France: one per row of the page's two error tables, each provoking the row's
 * documented condition (the conditions the page leaves implicit are written in docs/sandbox.md); and value cases
 * of the scores: near misses of the known subject's KYC data, whose expected scores come from the suite's own
 * Jaro-Winkler (conformance/jaro-winkler.ts).
 *
 * The precondition `requestJwtBearerToken/200/AccessToken#profile-key` (a token for the known subject, signed with
 * the profile's key: registered first through the sandbox's admin API when the run made its own) comes first.
 * Every case that can only be reached once the target has verified the key's signature (the claim errors, the
 * token, every matchid call with a token) runs after it, and is blocked by it when the key is unknown.
 */
import { pathOf } from '../../src/contract/operations.js';
import { Approx } from '../checks.js';
import { need, type AssertionSpec, type TriggerContext } from '../context.js';
import { matchScore } from '../jaro-winkler.js';
import type { ClientRef, Profile } from '../profile.js';
import type { Trigger, TriggerTable } from '../types.js';
import { isValidRequest, membersOf, requestSchema } from './requests.js';

const hour = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** The precondition (a trigger key of this table): the target knows the profile's key. */
const PROFILE_KEY = 'requestJwtBearerToken/200/AccessToken#profile-key';
const WITH_KEY = [PROFILE_KEY] as const;

/** A token request whose assertion is built from `spec` (the valid assertion, changed as the row needs), refused
 *  before any signature is verified (the row does not need the key known). */
const assertionRow = (spec: (ctx: TriggerContext) => AssertionSpec, ...required: string[]): Trigger => ({
  requires: need('directMatch.privateJwk', ...required),
  request: async (ctx) => ctx.tokenRequest(await ctx.assertion(spec(ctx))),
});

/** The same, for a row that is reached only once the signature made with the profile's key verifies (RFC 7523
 *  section 3: the claims of an assertion are judged after its signature). */
const signedRow = (spec: (ctx: TriggerContext) => AssertionSpec, ...required: string[]): Trigger => ({ ...assertionRow(spec, ...required), after: WITH_KEY });

/** A registered client of the profile, signing with its own key, or with the main key when it has none. */
const client = (ctx: TriggerContext, name: 'pendingJwksUri' | 'keyWithoutKid' | 'withoutJwks' | 'denied'): ClientRef => {
  const c = ctx.directMatch.clients![name]!;
  return { clientId: c.clientId, privateJwk: c.privateJwk ?? ctx.directMatch.privateJwk };
};

const subject = (ctx: TriggerContext, name: 'other' | 'unknown' | 'ineligible' | 'ineligibleForScopes' | 'notMassMarket' | 'withoutKyc') =>
  ctx.directMatch.subjects![name]!;

/** A matchid call with a token of the subject `name`, for the same MSISDN. */
const matchidFor = (name: 'ineligible' | 'withoutKyc'): Trigger => ({
  requires: need('directMatch.privateJwk', `directMatch.subjects.${name}`),
  after: WITH_KEY,
  request: async (ctx) => ctx.matchid({ msisdn: subject(ctx, name) }, await ctx.directMatchToken(subject(ctx, name))),
});

/** What matchid scores, from the request schema: the optional string attributes, and the fields of the one
 *  object attribute (the address), each scored as `<name>_score`. */
const MATCH_REQUEST = requestSchema('matchIdentity');
const PROPERTIES = MATCH_REQUEST.properties as Record<string, { type?: string; properties?: object }>;
const OPTIONAL = membersOf(MATCH_REQUEST).filter((k) => !(MATCH_REQUEST.required as string[]).includes(k));
const ATTRIBUTES = OPTIONAL.filter((k) => PROPERTIES[k]!.type === 'string');
const ADDRESS_MEMBER = OPTIONAL.find((k) => PROPERTIES[k]!.type === 'object')!;
const ADDRESS = Object.keys(PROPERTIES[ADDRESS_MEMBER]!.properties ?? {});

type Kyc = Record<string, unknown>;
const fieldsOf = (kyc: Kyc) => (kyc[ADDRESS_MEMBER] ?? {}) as Record<string, unknown>;

/** How a value may be compared besides as it is: case, accents and runs of spaces folded (the page says only "Jaro-Winkler"). */
const fold = (v: string) => v.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

/** The scores acceptable for `sent` against `held`: the similarity of the values as they are, or folded. */
const expectedScore = (sent: string, held: string) =>
  new Approx([matchScore(sent, held), matchScore(fold(sent), fold(held))], 0.1, `Jaro-Winkler of ${JSON.stringify(sent)} and the subject's ${JSON.stringify(held)}`);

/** A typo: two adjacent characters swapped, from the middle outwards, that no folding undoes and that keeps the request valid. */
function typo(value: string, valid: (candidate: string) => boolean): string | undefined {
  const middle = (value.length - 2) / 2;
  const positions = [...Array(Math.max(0, value.length - 1)).keys()].sort((i, j) => Math.abs(i - middle) - Math.abs(j - middle) || i - j);
  for (const i of positions) {
    const candidate = value.slice(0, i) + value[i + 1] + value[i] + value.slice(i + 2);
    if (fold(candidate) !== fold(value) && valid(candidate)) return candidate;
  }
  return undefined;
}

const known = (profile: Profile) => profile.directMatch?.subjects?.known;

/** The subject's KYC data as a matchid request, each chosen attribute sent with a typo, the others as they are. */
function nearMiss(msisdn: string, kyc: Kyc, chosen: (path: string) => 'typo' | 'exact' | 'omit'): { body: Kyc; scores: Kyc } {
  const body: Kyc = { msisdn };
  const scores: Kyc = {};
  const send = (path: string, held: string, put: (v: string) => void, score: (s: unknown) => void) => {
    const how = chosen(path);
    if (how === 'omit') return;
    const value = how === 'typo' ? typo(held, (candidate) => { put(candidate); return isValidRequest('matchIdentity', body); }) ?? held : held;
    put(value);
    score(expectedScore(value, held));
  };
  for (const attribute of ATTRIBUTES.filter((a) => typeof kyc[a] === 'string')) {
    send(attribute, kyc[attribute] as string, (v) => { body[attribute] = v; }, (s) => { scores[`${attribute}_score`] = s; });
  }
  for (const field of ADDRESS.filter((f) => typeof fieldsOf(kyc)[f] === 'string')) {
    const held = fieldsOf(kyc)[field] as string;
    send(`${ADDRESS_MEMBER}.${field}`, held, (v) => { ((body[ADDRESS_MEMBER] ??= {}) as Kyc)[field] = v; }, (s) => { ((scores[ADDRESS_MEMBER] ??= {}) as Kyc)[`${field}_score`] = s; });
  }
  return { body, scores };
}

/** The KYC attributes a subject holds, as paths (`given_name`, `address.locality`), in schema order. */
const heldPaths = (kyc: Kyc) => [
  ...ATTRIBUTES.filter((a) => typeof kyc[a] === 'string'),
  ...ADDRESS.filter((f) => typeof fieldsOf(kyc)[f] === 'string').map((f) => `${ADDRESS_MEMBER}.${f}`),
];

/** A near-miss value case: `chosen` says, for each attribute the subject holds, whether to send it with a typo. */
function nearMissCase(chosen: (path: string, held: string[]) => 'typo' | 'exact' | 'omit'): Trigger {
  const build = (profile: Profile) => {
    const { msisdn, kyc } = known(profile)!;
    const held = heldPaths(kyc as Kyc);
    return nearMiss(msisdn, kyc as Kyc, (path) => chosen(path, held));
  };
  return {
    requires: (profile) => need('directMatch.privateJwk', 'directMatch.subjects.known')(profile)
      ?? (Object.keys(build(profile).scores).length ? undefined : 'the known subject has no KYC attribute this case sends'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid(build(ctx.profile).body),
    expect: (ctx) => ({ body: build(ctx.profile).scores, check: 'score' }),
  };
}

export const triggers: TriggerTable = {
  [PROFILE_KEY]: {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.known'),
    precondition: "the token endpoint accepts the profile's Direct Match key (directMatch.privateJwk or ORANGE_PRIVATE_JWK) for its client: a token for the known subject",
    request: async (ctx) => ctx.tokenRequest(await ctx.assertion()),
  },
  'getAuthorizationServerMetadata/200/Metadata': {
    request: async () => ({ method: 'GET', path: pathOf('getAuthorizationServerMetadata') }),
  },
  'getAuthorizationServerMetadata/404/ResourceNotFound': {
    // A sibling of the metadata document that does not exist.
    request: async () => ({ method: 'GET', path: pathOf('getAuthorizationServerMetadata').replace(/[^/]+$/, 'conformance-no-such-resource') }),
  },

  'requestJwtBearerToken/200/AccessToken': signedRow(() => ({})),
  'requestJwtBearerToken/400/JwksUriNotYetAuthorized': assertionRow((ctx) => ({ client: client(ctx, 'pendingJwksUri') }), 'directMatch.clients.pendingJwksUri'),
  'requestJwtBearerToken/400/RepeatedParameter': {
    requires: need('directMatch.privateJwk'),
    // A valid assertion, sent twice (Note 1: the request repeats a parameter).
    request: async (ctx) => {
      const { path, form } = ctx.tokenRequest(await ctx.assertion());
      const body = new URLSearchParams(form);
      body.append('assertion', form!.assertion!);
      return { method: 'POST', path, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, rawBody: body.toString() };
    },
  },
  'requestJwtBearerToken/400/InvalidPayload': assertionRow(() => ({ rawPayload: 'not a JSON claims set' })),
  'requestJwtBearerToken/400/InvalidSignature': signedRow(() => ({ sign: 'other-key' })),
  'requestJwtBearerToken/400/JwtValidationFailed': {
    request: async (ctx) => ctx.tokenRequest('not-a-jwt'),
  },
  'requestJwtBearerToken/400/NoKeyFound': assertionRow(() => ({ header: (h) => ({ ...h, kid: 'conformance-unknown-kid' }) })),
  'requestJwtBearerToken/400/MissingJwsHeader': {
    requires: need('directMatch.privateJwk'),
    request: async (ctx) => ctx.tokenRequest((await ctx.assertion()).replace(/^[^.]*/, '')),
  },
  'requestJwtBearerToken/400/MissingJwsHeaderKid': assertionRow(() => ({ header: (h) => ({ ...h, kid: undefined }) })),
  'requestJwtBearerToken/400/AlgNotSupportedInClient': assertionRow(() => ({ sign: 'rs512' })),
  'requestJwtBearerToken/400/RequestHeaderAlgNotSupported': assertionRow(() => ({ sign: 'hs256-public' })),
  'requestJwtBearerToken/400/KidIsMissing': assertionRow(
    (ctx) => ({ client: client(ctx, 'keyWithoutKid'), header: (h) => ({ ...h, kid: h.kid ?? 'conformance-kid' }) }),
    'directMatch.clients.keyWithoutKid',
  ),
  'requestJwtBearerToken/400/MissingJwks': assertionRow((ctx) => ({ client: client(ctx, 'withoutJwks') }), 'directMatch.clients.withoutJwks'),
  'requestJwtBearerToken/400/JwtHasExpired': signedRow(() => ({ claims: (c) => ({ ...c, iat: now() - 2 * hour, exp: now() - hour }) })),
  'requestJwtBearerToken/400/JwtLifetimeOver24h': signedRow(() => ({ claims: (c) => ({ ...c, iat: now(), exp: now() + 25 * hour }) })),
  'requestJwtBearerToken/400/AudienceMismatch': signedRow(() => ({ claims: (c) => ({ ...c, aud: 'https://openid.orange.fr/' }) })),
  'requestJwtBearerToken/400/SubTypeNotAllowed': signedRow(() => ({ claims: (c) => ({ ...c, sub_type: 'EMAIL' }) })),
  'requestJwtBearerToken/400/ClientNotAllowedForScopes': signedRow((ctx) => ({ scope: ctx.directMatch.unsubscribedScope! }), 'directMatch.unsubscribedScope'),
  'requestJwtBearerToken/400/NoScopeEligibleForUser': signedRow((ctx) => ({ msisdn: subject(ctx, 'ineligibleForScopes') }), 'directMatch.subjects.ineligibleForScopes'),
  'requestJwtBearerToken/400/UnsupportedGrantType': {
    request: async (ctx) => ctx.tokenRequest('not-a-jwt', 'client_credentials'),
  },
  'requestJwtBearerToken/400/ClientIdUndefined': assertionRow(() => ({ claims: (c) => ({ ...c, client_id: undefined }) })),
  'requestJwtBearerToken/400/SubAuthenticateFalse': signedRow((ctx) => ({ msisdn: subject(ctx, 'notMassMarket') }), 'directMatch.subjects.notMassMarket'),
  'requestJwtBearerToken/400/ClientNotFound': assertionRow(() => ({ claims: (c) => ({ ...c, iss: 'conformance-unknown-client', client_id: 'conformance-unknown-client' }) })),
  'requestJwtBearerToken/400/UnknownUser': signedRow((ctx) => ({ msisdn: subject(ctx, 'unknown') }), 'directMatch.subjects.unknown'),
  'requestJwtBearerToken/400/AccessDenied': assertionRow((ctx) => ({ client: client(ctx, 'denied') }), 'directMatch.clients.denied'),
  'requestJwtBearerToken/500/InternalError': { mockOnly: 'a server failure cannot be provoked on demand' },

  'matchIdentity/200/Scores': {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.known'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid({ msisdn: ctx.known.msisdn, ...ctx.known.kyc }),
    // The subject's own KYC data, sent as is, scores 100 on every attribute sent, and only on those.
    expect: (_ctx, sent) => {
      const body = sent.json as Kyc;
      const scores: Kyc = Object.fromEntries(ATTRIBUTES.filter((k) => k in body).map((k) => [`${k}_score`, 100]));
      if (body[ADDRESS_MEMBER]) scores[ADDRESS_MEMBER] = Object.fromEntries(Object.keys(fieldsOf(body)).filter((k) => ADDRESS.includes(k)).map((k) => [`${k}_score`, 100]));
      return { body: scores };
    },
  },
  // Every attribute of the subject's KYC data with a typo: no score may be 100, each is the Jaro-Winkler similarity.
  'matchIdentity/200/Scores#near-miss': nearMissCase(() => 'typo'),
  // The first attribute as it is, the first address field with a typo, nothing else: only those are scored.
  'matchIdentity/200/Scores#partial': nearMissCase((path, held) => (path === held[0] ? 'exact' : path === held.find((p) => p.startsWith(`${ADDRESS_MEMBER}.`)) ? 'typo' : 'omit')),
  'matchIdentity/400/ProxificationInformationMissing': {
    requires: need('directMatch.privateJwk'),
    after: WITH_KEY,
    // A body that is not JSON: the JSON body the gateway needs is missing.
    request: async (ctx) => ({
      method: 'POST', path: pathOf('matchIdentity'), rawBody: `msisdn=${ctx.known.msisdn}`,
      headers: { Authorization: `Bearer ${await ctx.directMatchToken()}`, 'Content-Type': 'text/plain' },
    }),
  },
  'matchIdentity/400/NoUserIdInAccessToken': {
    requires: need('directMatch.withoutUserToken'),
    request: async (ctx) => ctx.matchid({ msisdn: ctx.known.msisdn }, ctx.directMatch.withoutUserToken),
  },
  'matchIdentity/400/MsisdnMissing': {
    requires: need('directMatch.privateJwk'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid({ given_name: 'Christine' }),
  },
  'matchIdentity/400/MsisdnInvalid': {
    requires: need('directMatch.privateJwk'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid({ msisdn: `+${ctx.known.msisdn}` }),
  },
  'matchIdentity/400/InvalidScope': {
    requires: need('directMatch.privateJwk', 'directMatch.otherScope'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid({ msisdn: ctx.known.msisdn }, await ctx.directMatchToken(ctx.known.msisdn, ctx.directMatch.otherScope)),
  },
  'matchIdentity/400/UserIneligible': matchidFor('ineligible'),
  'matchIdentity/400/UserUnknown': matchidFor('withoutKyc'),
  'matchIdentity/400/MsisdnMismatch': {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.other'),
    after: WITH_KEY,
    request: async (ctx) => ctx.matchid({ msisdn: subject(ctx, 'other') }),
  },
  'matchIdentity/401/MissingCredentials': {
    request: async () => ({ method: 'POST', path: pathOf('matchIdentity'), json: { msisdn: '33600000000' } }),
  },
  'matchIdentity/401/InvalidCredentials': {
    request: async () => ({ method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: 'Bearer conformance-invalid-token' }, json: { msisdn: '33600000000' } }),
  },
  'matchIdentity/500/InternalServerError': { mockOnly: 'a server failure cannot be provoked on demand' },
  'matchIdentity/500/ConnectionProblem': { mockOnly: 'a back-end connection failure cannot be provoked on demand' },
  'matchIdentity/503/ServiceUnavailable': { mockOnly: 'unavailability cannot be provoked on demand' },
};
