/** Triggers of Authentication France: what provokes each documented response of the code flow. */
import { pathOf } from '../../src/contract/operations.js';
import { need, type TriggerContext } from '../context.js';
import type { HttpRequest, Trigger, TriggerTable } from '../types.js';

const AUTHORIZE = pathOf('authorize');
const TOKEN = pathOf('exchangeAuthorizationCode');
const REFRESH = pathOf('refreshAccessToken');

const authorize = (ctx: TriggerContext, query: Record<string, string>, cookie?: string): HttpRequest =>
  ({ method: 'GET', path: AUTHORIZE, query, ...(cookie ? { headers: { Cookie: cookie } } : {}) });

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
      request: async (ctx) => {
        const { grant_type } = validForm(ctx);
        return tokenPost(path, { grant_type: grant_type! }, ctx.basic());
      },
    },
    [`${operationId}/400/UnsupportedGrantType`]: {
      requires: need('authentication.clientSecret'),
      request: async (ctx) => tokenPost(path, { ...validForm(ctx), grant_type: 'password' }, ctx.basic()),
    },
    [`${operationId}/401/InvalidClient`]: {
      requires: need('authentication'),
      request: async (ctx) => tokenPost(path, validForm(ctx), ctx.basic('conformance-wrong-secret')),
    },
  };
}

const codeForm = (ctx: TriggerContext, code = 'OFR-conformance-never-issued') =>
  ({ grant_type: 'authorization_code', code, redirect_uri: ctx.auth.redirectUri });
const refreshForm = (ctx: TriggerContext, refreshToken = 'OFR-conformance-never-issued') =>
  ({ grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: ctx.auth.redirectUri });

/** A redirect URI on the registered one's origin that is not registered (only the registered value is accepted). */
const unregisteredRedirect = (ctx: TriggerContext) => new URL('conformance-not-registered', ctx.auth.redirectUri).toString();

const exchangeFreshCode: Trigger = {
  requires: need('authentication.session', 'authentication.clientSecret'),
  request: async (ctx) => tokenPost(TOKEN, codeForm(ctx, await ctx.authorizationCode()), ctx.basic()),
};

export const triggers: TriggerTable = {
  'authorize/200/LoginPage': {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery()),
  },
  'authorize/302/AuthorizationCode': {
    requires: need('authentication.session'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery(), ctx.auth.session!.cookie),
    ...redirectWith((sent) => ({ code: true, state: sent.query!.state! })),
  },
  'authorize/302/AccessDenied': {
    requires: need('authentication.refusingSession'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery(), ctx.auth.refusingSession!.cookie),
    ...redirectWith((sent) => ({ error: 'access_denied', state: sent.query!.state! })),
  },
  'authorize/302/InvalidScope': {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ scope: 'openid conformance_no_such_scope' })),
    ...redirectWith((sent) => ({ error: 'invalid_scope', state: sent.query!.state! })),
  },
  'authorize/400/InvalidRequestPage': {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ state: undefined })),
  },
  // The other conditions of the page's 400 (RFC 6749 section 4.1.2.1): never redirect to an unregistered URI.
  'authorize/400/InvalidRequestPage#unregistered-redirect-uri': {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ redirect_uri: unregisteredRedirect(ctx) })),
  },
  'authorize/400/InvalidRequestPage#unknown-client': {
    requires: need('authentication'),
    request: async (ctx) => authorize(ctx, ctx.authorizeQuery({ client_id: 'conformance-unknown-client' })),
  },

  'exchangeAuthorizationCode/200/Tokens': exchangeFreshCode,
  'exchangeAuthorizationCode/200/TokensWithRefreshToken': exchangeFreshCode,
  'exchangeAuthorizationCode/400/InvalidGrant': {
    requires: need('authentication.session', 'authentication.clientSecret'),
    // A reused code: exchanged once, then again.
    request: async (ctx) => {
      const request = tokenPost(TOKEN, codeForm(ctx, await ctx.authorizationCode()), ctx.basic());
      await ctx.http(request);
      return request;
    },
  },
  // A fresh code, exchanged with another redirect_uri than the authorization request's (RFC 6749 section 4.1.3).
  'exchangeAuthorizationCode/400/InvalidGrant#other-redirect-uri': {
    requires: need('authentication.session', 'authentication.clientSecret'),
    request: async (ctx) => tokenPost(TOKEN, { ...codeForm(ctx, await ctx.authorizationCode()), redirect_uri: unregisteredRedirect(ctx) }, ctx.basic()),
  },
  ...tokenErrors('exchangeAuthorizationCode', TOKEN, (ctx) => codeForm(ctx)),

  'refreshAccessToken/200/RefreshedAccessToken': {
    requires: need('authentication.session', 'authentication.clientSecret'),
    request: async (ctx) => {
      const { refresh_token } = await ctx.codeTokens();
      if (!refresh_token) throw new Error('the code exchange returned no refresh_token');
      return tokenPost(REFRESH, refreshForm(ctx, refresh_token), ctx.basic());
    },
  },
  'refreshAccessToken/400/InvalidGrant': {
    requires: need('authentication.clientSecret'),
    request: async (ctx) => tokenPost(REFRESH, refreshForm(ctx), ctx.basic()),
  },
  ...tokenErrors('refreshAccessToken', REFRESH, (ctx) => refreshForm(ctx)),
};
