/**
 * Triggers of Direct Match ID France: one per row of the page's two error tables, each provoking the row's
 * documented condition. The conditions the page leaves implicit are written in docs/sandbox.md.
 */
import { pathOf } from '../../src/contract/operations.js';
import { need, type AssertionSpec, type TriggerContext } from '../context.js';
import type { ClientRef } from '../profile.js';
import type { Trigger, TriggerTable } from '../types.js';

const hour = 3600;
const now = () => Math.floor(Date.now() / 1000);

/** A token request whose assertion is built from `spec` (the valid assertion, changed as the row needs). */
const assertionRow = (spec: (ctx: TriggerContext) => AssertionSpec, ...required: string[]): Trigger => ({
  requires: need('directMatch.privateJwk', ...required),
  request: async (ctx) => ctx.tokenRequest(await ctx.assertion(spec(ctx))),
});

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
  request: async (ctx) => ctx.matchid({ msisdn: subject(ctx, name) }, await ctx.directMatchToken(subject(ctx, name))),
});

const ADDRESS = ['street_address', 'locality', 'postal_code', 'country'];

export const triggers: TriggerTable = {
  'getAuthorizationServerMetadata/200/Metadata': {
    request: async () => ({ method: 'GET', path: pathOf('getAuthorizationServerMetadata') }),
  },
  'getAuthorizationServerMetadata/404/ResourceNotFound': {
    // A sibling of the metadata document that does not exist.
    request: async () => ({ method: 'GET', path: pathOf('getAuthorizationServerMetadata').replace(/[^/]+$/, 'conformance-no-such-resource') }),
  },

  'requestJwtBearerToken/200/AccessToken': assertionRow(() => ({})),
  'requestJwtBearerToken/400/JwksUriNotYetAuthorized': assertionRow((ctx) => ({ client: client(ctx, 'pendingJwksUri') }), 'directMatch.clients.pendingJwksUri'),
  'requestJwtBearerToken/400/InvalidPayload': assertionRow(() => ({ rawPayload: 'not a JSON claims set' })),
  'requestJwtBearerToken/400/InvalidSignature': assertionRow(() => ({ sign: 'other-key' })),
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
  'requestJwtBearerToken/400/JwtHasExpired': assertionRow(() => ({ claims: (c) => ({ ...c, iat: now() - 2 * hour, exp: now() - hour }) })),
  'requestJwtBearerToken/400/JwtLifetimeOver24h': assertionRow(() => ({ claims: (c) => ({ ...c, iat: now(), exp: now() + 25 * hour }) })),
  'requestJwtBearerToken/400/AudienceMismatch': assertionRow(() => ({ claims: (c) => ({ ...c, aud: 'https://openid.orange.fr/' }) })),
  'requestJwtBearerToken/400/SubTypeNotAllowed': assertionRow(() => ({ claims: (c) => ({ ...c, sub_type: 'EMAIL' }) })),
  'requestJwtBearerToken/400/ClientNotAllowedForScopes': assertionRow((ctx) => ({ scope: ctx.directMatch.unsubscribedScope! }), 'directMatch.unsubscribedScope'),
  'requestJwtBearerToken/400/NoScopeEligibleForUser': assertionRow((ctx) => ({ msisdn: subject(ctx, 'ineligibleForScopes') }), 'directMatch.subjects.ineligibleForScopes'),
  'requestJwtBearerToken/400/UnsupportedGrantType': {
    request: async (ctx) => ctx.tokenRequest('not-a-jwt', 'client_credentials'),
  },
  'requestJwtBearerToken/400/ClientIdUndefined': assertionRow(() => ({ claims: (c) => ({ ...c, client_id: undefined }) })),
  'requestJwtBearerToken/400/SubAuthenticateFalse': assertionRow((ctx) => ({ msisdn: subject(ctx, 'notMassMarket') }), 'directMatch.subjects.notMassMarket'),
  'requestJwtBearerToken/400/ClientNotFound': assertionRow(() => ({ claims: (c) => ({ ...c, iss: 'conformance-unknown-client', client_id: 'conformance-unknown-client' }) })),
  'requestJwtBearerToken/400/UnknownUser': assertionRow((ctx) => ({ msisdn: subject(ctx, 'unknown') }), 'directMatch.subjects.unknown'),
  'requestJwtBearerToken/400/AccessDenied': assertionRow((ctx) => ({ client: client(ctx, 'denied') }), 'directMatch.clients.denied'),
  'requestJwtBearerToken/500/InternalError': { mockOnly: 'a server failure cannot be provoked on demand' },

  'matchIdentity/200/Scores': {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.known'),
    request: async (ctx) => ctx.matchid({ msisdn: ctx.known.msisdn, ...ctx.known.kyc }),
    // The subject's own KYC data, sent as is, scores 100 on every attribute sent, and only on those.
    expect: (_ctx, sent) => {
      const body = sent.json as Record<string, any>;
      const scores: Record<string, any> = Object.fromEntries(Object.keys(body).filter((k) => k !== 'msisdn' && k !== 'address').map((k) => [`${k}_score`, 100]));
      if (body.address) scores.address = Object.fromEntries(Object.keys(body.address).filter((k) => ADDRESS.includes(k)).map((k) => [`${k}_score`, 100]));
      return { body: scores };
    },
  },
  'matchIdentity/400/ProxificationInformationMissing': {
    requires: need('directMatch.privateJwk'),
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
    request: async (ctx) => ctx.matchid({ given_name: 'Christine' }),
  },
  'matchIdentity/400/MsisdnInvalid': {
    requires: need('directMatch.privateJwk'),
    request: async (ctx) => ctx.matchid({ msisdn: `+${ctx.known.msisdn}` }),
  },
  'matchIdentity/400/InvalidScope': {
    requires: need('directMatch.privateJwk', 'directMatch.otherScope'),
    request: async (ctx) => ctx.matchid({ msisdn: ctx.known.msisdn }, await ctx.directMatchToken(ctx.known.msisdn, ctx.directMatch.otherScope)),
  },
  'matchIdentity/400/UserIneligible': matchidFor('ineligible'),
  'matchIdentity/400/UserUnknown': matchidFor('withoutKyc'),
  'matchIdentity/400/MsisdnMismatch': {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.other'),
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
