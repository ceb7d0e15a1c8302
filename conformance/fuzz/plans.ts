/**
 * What the fuzzer must know of each operation beyond its schemas, the way conformance triggers know it: which
 * members of a valid request name the target's state and come from the profile (the client id, the registered
 * redirect URI, a fresh code, a refresh token, the subject's MSISDN, the signing key), the credentials of a valid
 * request (Basic for the token endpoints, a bearer token per scope, a signed assertion), and the credentials of
 * the auth phase: none, malformed ones, unknown, revoked, and of the wrong scope. One plan per operationId: an
 * operation added to the contract without one fails `tsc`.
 */
import fc from 'fast-check';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import type { JsonObject } from '../../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle } from '../../src/contract/load.js';
import { apiScope, pathOf, type OperationId } from '../../src/contract/operations.js';
import { need } from '../context.js';
import type { Profile } from '../profile.js';
import type { RequestValue, Signing } from './request.js';

/** What plans ask of the run: the profile, steps that obtain state from the target, the keys. */
export interface PlanContext {
  profile: Profile;
  /** A fresh authorization code from the profile's consenting session (one authorize request); with a PKCE
   *  `verifier`, the code is bound to its S256 challenge (RFC 7636 section 4.2), as the code exchange that sends
   *  it needs (RFC 9700 section 2.1.1: a verifier for a code without challenge is refused). */
  code(verifier?: string): Promise<string>;
  /** A refresh token, obtained once per run through the code flow. */
  refreshToken(): Promise<string>;
  /** An access token of the JWT bearer grant for the profile's known subject, obtained once per run. */
  directMatchToken(): Promise<string>;
  /** Seconds since the epoch. */
  now(): number;
  /** The profile's Direct Match key, and another RSA key (for signatures the target must refuse). */
  signing(mode?: Signing['mode']): Signing;
}

export interface AuthVariant {
  /** What is wrong with the credentials: `none`, `malformed: ...`, `unknown token`, `revoked consent`... */
  name: string;
  /** Headers replacing the valid request's credentials (null removes one). */
  headers?: Record<string, string | null>;
  signing?: Signing['mode'];
  /** Members of the valid request replaced (their path → value), `undefined` removing one. */
  members?: Record<string, (ctx: PlanContext) => unknown>;
}

export interface Plan {
  /** What the profile lacks for a valid request of this operation, if anything (the phases are then skipped). */
  requires?: (profile: Profile) => string | undefined;
  /** Members filled from the profile or the target (path from the request root → value, which may depend on the
   *  request's other members: a code bound to the request's PKCE verifier). */
  bound?: (ctx: PlanContext) => Record<string, (request: RequestValue) => unknown>;
  /** Arbitraries for members the profile constrains (a subset of the scopes it may ask; all of them in stateful
   *  sequences, so that every link of a response can be followed). */
  override?: (profile: Profile, stateful: boolean) => Record<string, fc.Arbitrary<unknown>>;
  /** Business rules a schema does not state, applied to every generated value before it is broken or bound
   *  (`stateful`: the request opens a sequence of linked requests). */
  adjust?: (value: RequestValue, stateful: boolean) => RequestValue;
  /** The credentials of a valid request. */
  credentials?: (ctx: PlanContext) => Promise<Record<string, string>> | Record<string, string>;
  /** Signing of the JWT-valued members of a valid request. */
  signing?: Signing['mode'];
  /** Credentials the target must refuse (the auth phase); none for an operation that takes none. */
  auth?: (ctx: PlanContext) => AuthVariant[];
}

/** The scopes the authorization server grants besides `openid`: those of the contract's OAuth 2.0 authorization
 *  code flows whose authorizationUrl is the authorize operation. */
export function authorizationScopes(): string[] {
  const scopes = new Set<string>();
  for (const slug of API_SLUGS) {
    const schemes = ((dereferencedBundle(slug).components as JsonObject | undefined)?.securitySchemes ?? {}) as Record<string, JsonObject>;
    for (const scheme of Object.values(schemes)) {
      const flow = (scheme.flows as JsonObject | undefined)?.authorizationCode as JsonObject | undefined;
      if (flow && new URL(String(flow.authorizationUrl)).pathname === pathOf('authorize')) for (const s of Object.keys((flow.scopes ?? {}) as JsonObject)) scopes.add(s);
    }
  }
  scopes.delete('openid');
  return [...scopes];
}

/** `openid` and any subset of the authorization server's scopes, in any order, space-separated. */
export const askedScopes = (all = false): fc.Arbitrary<string> =>
  fc.shuffledSubarray(authorizationScopes(), all ? { minLength: authorizationScopes().length } : {}).chain((s) => fc.shuffledSubarray(['openid', ...s], { minLength: s.length + 1 })).map((s) => s.join(' '));

const basicVariants = (ctx: PlanContext): AuthVariant[] => {
  const auth = ctx.profile.authentication!;
  return [
    { name: 'no credentials', headers: { Authorization: null } },
    { name: 'malformed: Basic without credentials', headers: { Authorization: 'Basic' } },
    { name: 'malformed: Basic with what is not base64', headers: { Authorization: 'Basic %%%not-base64%%%' } },
    { name: 'malformed: a bearer token instead of Basic', headers: { Authorization: `Bearer ${auth.clientSecret}x` } },
    { name: 'wrong client secret', headers: { Authorization: basicAuthorization(auth.clientId, `${auth.clientSecret}x`) } },
    { name: 'unknown client', headers: { Authorization: basicAuthorization(`${auth.clientId}-unknown`, auth.clientSecret ?? 'x') } },
  ];
};

/** Credentials a bearer operation must refuse; `scope` is the operation's (the profile's tokens of others are wrong). */
function bearerVariants(ctx: PlanContext, scope: string | undefined): AuthVariant[] {
  const tokens = Object.entries(ctx.profile.accessTokens ?? {}) as [string, string][];
  return [
    { name: 'no credentials', headers: { Authorization: null } },
    { name: 'malformed: Bearer without a token', headers: { Authorization: 'Bearer' } },
    { name: 'malformed: two tokens', headers: { Authorization: 'Bearer fuzz-token fuzz-token' } },
    { name: 'malformed: Basic credentials instead of a bearer token', headers: { Authorization: basicAuthorization('fuzz', 'fuzz') } },
    { name: 'unknown token', headers: { Authorization: 'Bearer fuzz-unknown-token-0123456789' } },
    ...tokens.filter(([name]) => name === 'revoked_consent').map(([, token]) => ({ name: 'revoked consent', headers: { Authorization: `Bearer ${token}` } })),
    ...tokens.filter(([name]) => name !== 'revoked_consent' && name !== scope).map(([name, token]) => ({ name: `wrong scope: a token of ${name}`, headers: { Authorization: `Bearer ${token}` } })),
  ];
}

function userinfoPlan(operationId: OperationId): Plan {
  const scope = apiScope(operationId);
  return {
    requires: need(`accessTokens.${scope}`),
    credentials: (ctx) => ({ Authorization: `Bearer ${ctx.profile.accessTokens![scope as 'form_filling']}` }),
    auth: (ctx) => bearerVariants(ctx, scope),
  };
}

/** The OpenID Connect userinfo (GET and POST): any token of the code flow carries `openid`, the profile's Form ID
 *  one included; the other APIs' tokens carry it too, so no wrong-scope variant applies. */
const openIdUserinfoPlan: Plan = {
  requires: need('accessTokens.form_filling'),
  credentials: (ctx) => ({ Authorization: `Bearer ${ctx.profile.accessTokens!.form_filling}` }),
  auth: (ctx) => bearerVariants(ctx, undefined).filter((v) => !v.name.startsWith('wrong scope')),
};

/** Authorize, its parameters in the query (`query`) or form-encoded in the body (`body`). */
function authorizePlan(at: 'query' | 'body'): Plan {
  return {
    requires: need('authentication.session'),
    bound: (ctx) => ({ [`${at}/client_id`]: () => ctx.profile.authentication!.clientId, [`${at}/redirect_uri`]: () => ctx.profile.authentication!.redirectUri }),
    override: (_, stateful) => ({ [`${at}/scope`]: askedScopes(stateful) }),
    // RFC 7636 section 4.3: without a method the challenge is `plain`, which the contract does not offer. A
    // sequence replaces the challenge by that of a verifier it keeps, which the code exchange then sends.
    adjust: (v) => {
      const params = v[at] as Record<string, unknown> | undefined;
      if (params?.code_challenge === undefined) return v;
      return { ...v, [at]: { ...params, code_challenge_method: 'S256' } };
    },
    credentials: (ctx) => ({ Cookie: ctx.profile.authentication!.session!.cookie }),
  };
}

const dm = (ctx: PlanContext) => ctx.profile.directMatch!;
/** A verifier the auth phase sends with a code issued without any challenge: a PKCE downgrade (RFC 9700 section
 *  2.1.1), which the target must refuse. */
const DOWNGRADE_VERIFIER = 'fuzz-pkce-downgrade-verifier-0123456789abcdefgh';
/** The PKCE verifier a code exchange sends, if any, which its code is bound to (never the downgrade's). */
const verifierOf = (request: RequestValue): string | undefined => {
  const verifier = (request.body as Record<string, unknown> | undefined)?.code_verifier;
  return typeof verifier === 'string' && verifier !== DOWNGRADE_VERIFIER ? verifier : undefined;
};

export const PLANS: Record<OperationId, Plan> = {
  authorize: authorizePlan('query'),
  authorizeWithForm: authorizePlan('body'),
  exchangeAuthorizationCode: {
    requires: need('authentication.clientSecret', 'authentication.session'),
    // The code of a request that sends a code_verifier is issued for its challenge; the others without one.
    bound: (ctx) => ({
      'body/code': (request) => ctx.code(verifierOf(request)),
      'body/redirect_uri': () => ctx.profile.authentication!.redirectUri,
    }),
    credentials: (ctx) => ({ Authorization: basicAuthorization(ctx.profile.authentication!.clientId, ctx.profile.authentication!.clientSecret!) }),
    auth: (ctx) => [
      ...basicVariants(ctx),
      { name: 'a code_verifier for a code issued without code_challenge (a PKCE downgrade, RFC 9700 section 2.1.1)', members: { 'body/code_verifier': () => DOWNGRADE_VERIFIER } },
    ],
  },
  refreshAccessToken: {
    requires: need('authentication.clientSecret', 'authentication.session'),
    bound: (ctx) => ({ 'body/refresh_token': () => ctx.refreshToken(), 'body/redirect_uri': () => ctx.profile.authentication!.redirectUri }),
    // RFC 6749 section 6: the scopes asked are within those granted (the refresh token is granted all of them).
    override: (_, stateful) => ({ 'body/scope': askedScopes(stateful) }),
    credentials: (ctx) => ({ Authorization: basicAuthorization(ctx.profile.authentication!.clientId, ctx.profile.authentication!.clientSecret!) }),
    auth: basicVariants,
  },
  getOpenIdUserInfo: openIdUserinfoPlan,
  postOpenIdUserInfo: openIdUserinfoPlan,
  getOpenIdConfiguration: {},
  getFormFillingUserInfo: userinfoPlan('getFormFillingUserInfo'),
  getCheckIdUserInfo: userinfoPlan('getCheckIdUserInfo'),
  verifyPremiumInfo: userinfoPlan('verifyPremiumInfo'),
  getAuthorizationServerMetadata: {},
  requestJwtBearerToken: {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.known'),
    bound: (ctx) => ({
      'body/assertion/header/kid': () => dm(ctx).privateJwk!.kid,
      'body/assertion/payload/iss': () => dm(ctx).clientId,
      'body/assertion/payload/client_id': () => dm(ctx).clientId,
      'body/assertion/payload/sub': () => dm(ctx).subjects!.known.msisdn,
      'body/assertion/payload/scope': () => dm(ctx).scope,
      'body/assertion/payload/iat': () => ctx.now(),
      'body/assertion/payload/exp': () => ctx.now() + 3600,
    }),
    signing: 'key',
    auth: (): AuthVariant[] => [
      { name: 'no assertion', members: { 'body/assertion': () => undefined } },
      { name: 'assertion signed with another key', signing: 'other-key' },
      { name: 'unsigned assertion', signing: 'none' },
      { name: 'assertion signed with HS256 keyed with the public key', signing: 'hs256-public' },
      { name: 'expired assertion', members: { 'body/assertion/payload/exp': (ctx) => ctx.now() - 60, 'body/assertion/payload/iat': (ctx) => ctx.now() - 3660 } },
    ],
  },
  matchIdentity: {
    requires: need('directMatch.privateJwk', 'directMatch.subjects.known'),
    bound: (ctx) => ({ 'body/msisdn': () => dm(ctx).subjects!.known.msisdn }),
    credentials: async (ctx) => ({ Authorization: `Bearer ${await ctx.directMatchToken()}` }),
    auth: (ctx) => [
      ...bearerVariants(ctx, undefined),
      ...(dm(ctx).withoutUserToken ? [{ name: 'a token without end-user', headers: { Authorization: `Bearer ${dm(ctx).withoutUserToken}` } }] : []),
    ],
  },
};
