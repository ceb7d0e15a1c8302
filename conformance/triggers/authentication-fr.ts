/**
 * Triggers of Authentication France: what provokes each documented response of the code flow, of the authorize
 * endpoint by GET (parameters in the query) and by POST (the same parameters in a form), of the userinfo endpoint
 * by GET and POST, and of the discovery document.
 *
 * Two preconditions come first: the client credentials (`#client-credentials`: a code the target never issued,
 * sent with them, gets invalid_grant, not invalid_client) and the end-user (`#end-user-session`: a code from the
 * profile's session or the run's login, exchanged). When one breaks, the cases that need it are blocked by it.
 */
import { decodeJwt } from 'jose';
import { AUTHORIZATION_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from 'orange-identity-client/auth/oidc';
import { pathOf, type OperationId } from '../../src/contract/operations.js';
import { need, needEndUser, type TriggerContext } from '../context.js';
import type { HttpRequest, Trigger, TriggerTable } from '../types.js';

/** The preconditions (trigger keys of this table). */
const CLIENT_CREDENTIALS = 'exchangeAuthorizationCode/400/InvalidGrant#client-credentials';
const END_USER = 'exchangeAuthorizationCode/200/Tokens#end-user-session';
const WITH_CLIENT = [CLIENT_CREDENTIALS] as const;
const WITH_END_USER = [END_USER] as const;

const TOKEN = pathOf('exchangeAuthorizationCode');
const REFRESH = pathOf('refreshAccessToken');
/** A path beside `path` that no operation has. */
const unknownBeside = (path: string) => path.replace(/[^/]+$/, 'conformance-no-such-resource');

type Authorize = (ctx: TriggerContext, query: Record<string, string>, cookie?: string) => HttpRequest;
const cookieHeader = (cookie?: string): Record<string, string> => (cookie ? { Cookie: cookie } : {});
const byQuery: Authorize = (_ctx, query, cookie) => ({ method: 'GET', path: pathOf('authorize'), query, headers: cookieHeader(cookie) });
const byForm: Authorize = (_ctx, form, cookie) => ({ method: 'POST', path: pathOf('authorizeWithForm'), form, headers: cookieHeader(cookie) });

/** The `state` a request sent, in its query or its form. */
const sentState = (sent: HttpRequest) => (sent.query ?? sent.form)!.state!;

const redirectWith = (query: (sent: HttpRequest) => Record<string, string | true>): Pick<Trigger, 'expect'> => ({
  expect: (_ctx, sent) => ({ location: query(sent) }),
});

const tokenPost = (path: string, form: Record<string, string>, authorization: string): HttpRequest =>
  ({ method: 'POST', path, headers: { Authorization: authorization }, form });

/** The standard token errors, on both token endpoints. */
function tokenErrors(operationId: string, path: string, validForm: (ctx: TriggerContext) => Record<string, string>): TriggerTable {
  return {
    [`${operationId}/400/InvalidRequest`]: {
      requires: need('authentication.clientSecret'),
      after: WITH_CLIENT,
      request: async (ctx) => {
        const { grant_type } = validForm(ctx);
        return tokenPost(path, { grant_type: grant_type! }, ctx.basic());
      },
    },
    [`${operationId}/400/UnsupportedGrantType`]: {
      requires: need('authentication.clientSecret'),
      after: WITH_CLIENT,
      request: async (ctx) => tokenPost(path, { ...validForm(ctx), grant_type: 'password' }, ctx.basic()),
    },
    [`${operationId}/401/InvalidClient`]: {
      requires: need('authentication'),
      request: async (ctx) => tokenPost(path, validForm(ctx), ctx.basic('conformance-wrong-secret')),
    },
  };
}

const codeForm = (ctx: TriggerContext, code = 'OFR-conformance-never-issued') =>
  ({ grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code, redirect_uri: ctx.auth.redirectUri });
const refreshForm = (ctx: TriggerContext, refreshToken = 'OFR-conformance-never-issued') =>
  ({ grant_type: REFRESH_TOKEN_GRANT_TYPE, refresh_token: refreshToken, redirect_uri: ctx.auth.redirectUri });

/** A redirect URI on the registered one's origin that is not registered (only the registered value is accepted). */
const unregisteredRedirect = (ctx: TriggerContext) => new URL('conformance-not-registered', ctx.auth.redirectUri).toString();

/** What the cases that send the session cookie themselves need: a login gives codes, not a cookie. */
const SESSION_COOKIE: Trigger['requires'] = (profile) => (profile.authentication?.session
  ? undefined
  : 'the profile has no authentication.session: this case sends an end-user session cookie itself (ORANGE_SESSION_COOKIE); a --login gives codes, not a cookie');

/** What every case of the code flow needs: an end-user who consents, and the client secret to exchange the code. */
const CODE_FLOW = needEndUser('authentication.clientSecret');

const exchangeFreshCode: Trigger = {
  requires: CODE_FLOW,
  after: WITH_END_USER,
  request: async (ctx) => tokenPost(TOKEN, codeForm(ctx, await ctx.authorizationCode()), ctx.basic()),
};

const preconditions: TriggerTable = {
  [CLIENT_CREDENTIALS]: {
    requires: need('authentication.clientSecret'),
    precondition: "the token endpoint accepts the profile's client credentials (authentication.clientId, and authentication.clientSecret or ORANGE_CLIENT_SECRET): a code it never issued gets invalid_grant, not invalid_client",
    request: async (ctx) => tokenPost(TOKEN, codeForm(ctx), ctx.basic()),
  },
  [END_USER]: {
    requires: CODE_FLOW,
    after: WITH_CLIENT,
    precondition: "an authorization code for the profile's end-user (authentication.session or ORANGE_SESSION_COOKIE, or the run's --login), exchanged for tokens",
    request: exchangeFreshCode.request,
  },
};

/** The `sub` of the id_token issued with each userinfo request's access token, for the expected body. */
const subjects = new WeakMap<HttpRequest, string>();

/** The documented responses of the OpenID Connect userinfo endpoint, by GET or POST. */
const userInfoTriggers = (operationId: 'getOpenIdUserInfo' | 'postOpenIdUserInfo', method: HttpRequest['method']): TriggerTable => {
  const path = pathOf(operationId);
  const call = (token: string, at = path): HttpRequest => ({ method, path: at, headers: { Authorization: `Bearer ${token}` } });
  return {
    [`${operationId}/200/Subject`]: {
      requires: CODE_FLOW,
      after: WITH_END_USER,
      // A token of the code flow: userinfo gives the end-user of its id_token, `sub` only.
      request: async (ctx) => {
        const { access_token, id_token } = await ctx.codeTokens();
        const request = call(access_token);
        if (id_token) subjects.set(request, String(decodeJwt(id_token).sub));
        return request;
      },
      expect: (_ctx, sent) => ({ body: { sub: subjects.get(sent) } }),
    },
    [`${operationId}/401/InvalidToken`]: {
      request: async () => call('conformance-invalid-token'),
    },
    [`${operationId}/403/InsufficientScope`]: {
      requires: need('accessTokens.revoked_consent'),
      request: async (ctx) => call(ctx.profile.accessTokens!.revoked_consent!),
    },
    [`${operationId}/404/ResourceNotFound`]: {
      requires: CODE_FLOW,
      after: WITH_END_USER,
      request: async (ctx) => call((await ctx.codeTokens()).access_token, unknownBeside(path)),
    },
  };
};

/** The documented responses of an authorize endpoint, reached through `authorize` (by query or by form). */
const authorizeTriggers = (operationId: OperationId, authorize: Authorize): TriggerTable => ({
  [`${operationId}/200/LoginPage`]: {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery()),
  },
  [`${operationId}/302/AuthorizationCode`]: {
    requires: SESSION_COOKIE,
    after: WITH_END_USER,
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery(), ctx.auth.session!.cookie),
    ...redirectWith((sent) => ({ code: true, state: sentState(sent) })),
  },
  [`${operationId}/302/AccessDenied`]: {
    requires: need('authentication.refusingSession'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery(), ctx.auth.refusingSession!.cookie),
    ...redirectWith((sent) => ({ error: 'access_denied', state: sentState(sent) })),
  },
  [`${operationId}/302/InvalidScope`]: {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ scope: 'openid conformance_no_such_scope' })),
    ...redirectWith((sent) => ({ error: 'invalid_scope', state: sentState(sent) })),
  },
  [`${operationId}/400/InvalidRequestPage`]: {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ state: undefined })),
  },
  // The other conditions of the page's 400 (RFC 6749 section 4.1.2.1): never redirect to an unregistered URI.
  [`${operationId}/400/InvalidRequestPage#unregistered-redirect-uri`]: {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ redirect_uri: unregisteredRedirect(ctx) })),
  },
  [`${operationId}/400/InvalidRequestPage#unknown-client`]: {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ client_id: 'conformance-unknown-client' })),
  },
});

export const triggers: TriggerTable = {
  ...preconditions,
  ...authorizeTriggers('authorize', byQuery),
  ...authorizeTriggers('authorizeWithForm', byForm),

  'exchangeAuthorizationCode/200/Tokens': exchangeFreshCode,
  'exchangeAuthorizationCode/200/TokensWithRefreshToken': exchangeFreshCode,
  'exchangeAuthorizationCode/400/InvalidGrant': {
    requires: CODE_FLOW,
    after: WITH_END_USER,
    // A reused code: exchanged once, then again.
    request: async (ctx) => {
      const request = tokenPost(TOKEN, codeForm(ctx, await ctx.authorizationCode()), ctx.basic());
      await ctx.http(request);
      return request;
    },
  },
  // A fresh code, exchanged with another redirect_uri than the authorization request's (RFC 6749 section 4.1.3).
  'exchangeAuthorizationCode/400/InvalidGrant#other-redirect-uri': {
    requires: CODE_FLOW,
    after: WITH_END_USER,
    request: async (ctx) => tokenPost(TOKEN, { ...codeForm(ctx, await ctx.authorizationCode()), redirect_uri: unregisteredRedirect(ctx) }, ctx.basic()),
  },
  ...tokenErrors('exchangeAuthorizationCode', TOKEN, (ctx) => codeForm(ctx)),

  'refreshAccessToken/200/RefreshedAccessToken': {
    requires: CODE_FLOW,
    after: WITH_END_USER,
    request: async (ctx) => {
      const { refresh_token } = await ctx.codeTokens();
      if (!refresh_token) throw new Error('the code exchange returned no refresh_token');
      return tokenPost(REFRESH, refreshForm(ctx, refresh_token), ctx.basic());
    },
  },
  'refreshAccessToken/400/InvalidScope': {
    requires: CODE_FLOW,
    after: WITH_END_USER,
    // A scope wider than the one the refresh token was granted.
    request: async (ctx) => {
      const { refresh_token } = await ctx.codeTokens();
      if (!refresh_token) throw new Error('the code exchange returned no refresh_token');
      return tokenPost(REFRESH, { ...refreshForm(ctx, refresh_token), scope: 'openid conformance_no_such_scope' }, ctx.basic());
    },
  },
  'refreshAccessToken/400/InvalidGrant': {
    requires: need('authentication.clientSecret'),
    after: WITH_CLIENT,
    request: async (ctx) => tokenPost(REFRESH, refreshForm(ctx), ctx.basic()),
  },
  ...tokenErrors('refreshAccessToken', REFRESH, (ctx) => refreshForm(ctx)),

  ...userInfoTriggers('getOpenIdUserInfo', 'GET'),
  ...userInfoTriggers('postOpenIdUserInfo', 'POST'),

  'getOpenIdConfiguration/200/OpenIdConfiguration': {
    request: async () => ({ method: 'GET', path: pathOf('getOpenIdConfiguration') }),
    // The endpoints are the contract's, on the origin the target advertises.
    expect: () => ({ urlPaths: { authorization_endpoint: pathOf('authorize'), token_endpoint: pathOf('exchangeAuthorizationCode') } }),
  },
  'getOpenIdConfiguration/404/ResourceNotFound': {
    request: async () => ({ method: 'GET', path: unknownBeside(pathOf('getOpenIdConfiguration')) }),
  },
};
