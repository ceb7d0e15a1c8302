/**
 * Authentication France in the sandbox: authorize, by GET or POST (mandatory `state`, the registered
 * `redirect_uri` after RFC 3986 normalisation, scope check, each parameter once), with a login and consent page
 * protected by a CSRF token, consent remembered per client and scope; single-use authorization codes with a short
 * lifetime, whose replay revokes what they issued; the code exchange with HTTP Basic client authentication and an
 * HS256 id_token; refresh tokens on /oauth/v2/token; the OpenID Provider's configuration.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth 3.1 Authorization code flow
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata 3 Provider metadata
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 Parameters sent once, empty ones omitted
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1 Authorization code grant (4.1.2: code replay)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 Refreshing an access token
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12 Cross-site request forgery
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import codeRequestSchema from '../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import refreshRequestSchema from '../generated/authentication-fr/schemas/RefreshTokenRequest.json' with { type: 'json' };
import idTokenHeaderSchema from '../generated/authentication-fr/schemas/IdTokenHeader.json' with { type: 'json' };
import { parseBasicAuthorization } from 'orange-identity-client/auth/basic';
import { ID_TOKEN_ALG } from 'orange-identity-client/auth/oidc';
import type { JsonObject } from '../src/contract/examples.js';
import { dereferencedBundle } from '../src/contract/load.js';
import { pathOf } from '../src/contract/operations.js';
import { hasValidator, validator } from '../src/contract/validators.js';
import type { Client } from './fixture.js';
import { CLOSE, escapeHtml, formParams, mediaType, readBodyWithinLimit, sendHtml, sendJson, type Form } from './http.js';
import type { SandboxParts, Session } from './state.js';
import { normaliseUri, sameUri } from './uri.js';

export const SESSION_COOKIE = 'sandbox_session';
/** The browser cookie that the CSRF tokens of the login and consent forms are bound to. */
export const CSRF_COOKIE = 'sandbox_csrf';
const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#000}main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-top:6px solid #ff7900}' +
  'h1{margin-top:0}label{display:block;margin:1rem 0 .25rem;font-weight:600}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}' +
  'button{margin:1.5rem .5rem 0 0;padding:.6rem 1rem;font-size:1rem;border:0;cursor:pointer}button[value=grant]{background:#ff7900;color:#000}button[value=deny]{background:#ddd}' +
  '.hint{color:#555;font-size:.9rem}[role=alert]{color:#b00020;font-weight:600}';
/** The validator keys of authorize's query parameters (the form of POST authorize has the same), less the name. */
const PARAMETER = 'authentication-fr/authorize/parameter/query/';
/** The parameters the contract documents for authorize (the same in the form of POST authorize). */
const AUTHORIZE_PARAMS = (((dereferencedBundle('authentication-fr').paths as JsonObject)[pathOf('authorize')] as JsonObject).get as { parameters: { name: string }[] })
  .parameters.map((p) => p.name);
const BROWSER_ID = /^[A-Za-z0-9_-]{32}$/;
const TOKEN = 'authentication-fr/exchangeAuthorizationCode';
const REFRESH = 'authentication-fr/refreshAccessToken';

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}) =>
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', ...headers }).end();

/** A checked authorization request: its client, its scopes, and its parameters as sent. */
interface AuthorizeRequest { client: Client; scopes: string[]; query: Record<string, string> }

export interface AuthenticationOptions extends SandboxParts {
  issuer: string;
}

export function authentication(options: AuthenticationOptions) {
  const { state, docs, issuer } = options;
  /** A token endpoint's request: client authentication, then each parameter once and one credential, then the
   *  grant type, then the request schema. */
  const tokenEndpoint = (prefix: typeof TOKEN | typeof REFRESH, schema: { properties: { grant_type: { const: string } } }) => {
    const validate = validator(`${prefix}/request/application/x-www-form-urlencoded`);
    const grantType = schema.properties.grant_type.const;
    return async (req: IncomingMessage, res: ServerResponse): Promise<{ client: Client; form: Record<string, string> } | undefined> => {
      const text = await readBodyWithinLimit(req);
      const body = text === undefined || mediaType(req) !== 'application/x-www-form-urlencoded' ? undefined : formParams(new URLSearchParams(text));
      const form = body?.params;
      const client = tokenClient(req);
      // RFC 6749 section 2.3: one authentication method per request; section 3.2.1: a client_id sent is the client's.
      const credentialsMixed = form?.client_secret !== undefined || (form?.client_id !== undefined && form.client_id !== client?.clientId);
      const close = text === undefined ? CLOSE : {};
      if (!client) docs.send(res, `${prefix}/401/InvalidClient`, close);
      else if (body?.repeated.length || credentialsMixed) docs.send(res, `${prefix}/400/InvalidRequest`);
      else if (form?.grant_type !== undefined && form.grant_type !== grantType) docs.send(res, `${prefix}/400/UnsupportedGrantType`);
      else if (!form || !validate(form)) docs.send(res, `${prefix}/400/InvalidRequest`, close);
      else return { client, form };
      return undefined;
    };
  };
  const codeExchange = tokenEndpoint(TOKEN, codeRequestSchema);
  const refreshRequest = tokenEndpoint(REFRESH, refreshRequestSchema);
  /** The provider's metadata as the contract documents it; the sandbox's issuer and endpoints replace its own. */
  const documentedConfiguration = JSON.parse(docs.get('authentication-fr/getOpenIdConfiguration/200/OpenIdConfiguration').body) as Record<string, unknown>;

  /** The authorize request's checks: an error page (client, redirect URI or `state` at fault), an error
   *  redirect, or the checked request. */
  function checkAuthorize({ params, repeated }: Form): { page: string } | { redirect: string } | AuthorizeRequest {
    if (repeated.includes('client_id')) return { page: 'client_id is repeated' };
    const client = state.clients.get(params.client_id ?? '');
    if (!client?.clientSecret) return { page: 'unknown client_id' };
    const redirectUri = params.redirect_uri ?? '';
    if (repeated.includes('redirect_uri') || !client.redirectUris?.some((registered) => sameUri(registered, redirectUri))) {
      return { page: 'redirect_uri is not the one registered for this client' };
    }
    if (repeated.includes('state')) return { page: 'state is repeated' };
    const stateParam = params.state;
    if (!stateParam) return { page: 'state is mandatory' };
    const error = (code: string) => {
      const url = new URL(redirectUri);
      url.searchParams.set('error', code);
      url.searchParams.set('state', stateParam);
      return { redirect: url.toString() };
    };
    if (repeated.length) return error('invalid_request');
    if (params.response_type !== 'code') return error('unsupported_response_type');
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid') || scopes.some((s) => !client.scopes?.includes(s))) return error('invalid_scope');
    const challenge = params.code_challenge;
    if (challenge !== undefined && (params.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) return error('invalid_request');
    // Every other documented parameter present is valid against its schema (RFC 6749 section 4.1.2.1: invalid_request).
    if (AUTHORIZE_PARAMS.some((p) => Object.hasOwn(params, p) && hasValidator(`${PARAMETER}${p}`) && !validator(`${PARAMETER}${p}`)(params[p]))) return error('invalid_request');
    const query = Object.fromEntries(AUTHORIZE_PARAMS.filter((p) => Object.hasOwn(params, p)).map((p) => [p, params[p]!]));
    return { client, scopes, query };
  }

  /** Redirects with a new code (consent given, and remembered) or `access_denied` (consent refused). */
  function finish(res: ServerResponse, { client, scopes, query }: AuthorizeRequest, session: Session, decision: 'grant' | 'deny', headers: Record<string, string> = {}) {
    const url = new URL(query.redirect_uri!);
    if (decision === 'deny') {
      url.searchParams.set('error', 'access_denied');
    } else {
      state.rememberConsent(session.msisdn, client.clientId, scopes);
      const code = state.issueCode({
        clientId: client.clientId, redirectUri: normaliseUri(query.redirect_uri!)!, msisdn: session.msisdn, scopes, authTime: session.authTime,
        ...(query.nonce ? { nonce: query.nonce } : {}), ...(query.code_challenge ? { codeChallenge: query.code_challenge } : {}),
      });
      url.searchParams.set('code', code);
    }
    url.searchParams.set('state', query.state!);
    redirect(res, url.toString(), headers);
  }

  const errorPage = (res: ServerResponse, reason: string, headers: Record<string, string> = {}) =>
    sendHtml(res, 400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orange sandbox - Error</title></head><body><h1>invalid_request</h1><p>${escapeHtml(reason)}</p></body></html>`, headers);

  /** What a form's CSRF token is bound to: the authorization request it carries. */
  const fingerprint = (query: Record<string, string>) => JSON.stringify(AUTHORIZE_PARAMS.map((p) => query[p] ?? null));

  /**
   * The login and consent page (`signIn`), or the consent page of a signed-in end-user, with a fresh CSRF token
   * bound to this browser (cookie `sandbox_csrf`, SameSite=Strict) and to the request.
   */
  function showForm(req: IncomingMessage, res: ServerResponse, request: AuthorizeRequest, signIn: boolean, message = '', status = 200) {
    const known = cookie(req, CSRF_COOKIE);
    const browser = known && BROWSER_ID.test(known) ? known : randomBytes(24).toString('base64url');
    const csrf = state.issueCsrfToken({ browser, request: fingerprint(request.query) });
    const hidden = Object.entries({ ...request.query, csrf_token: csrf })
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
    const title = signIn ? 'Sign in and consent' : 'Consent';
    const verb = signIn ? 'Sign in and ' : '';
    sendHtml(res, status, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Orange sandbox - ${title}</title>
<style>${PAGE_STYLE}</style></head>
<body><main><h1>Orange sandbox</h1><p><strong>${escapeHtml(request.client.clientId)}</strong> asks for: ${request.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>
<p class="hint">A local emulator, not Orange: ${signIn ? 'sign in as a subscriber of the sandbox fixture' : 'you are signed in; accept or refuse this request'}.</p>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/_sandbox/authorize">${hidden}
${signIn ? `<label>Mobile number (MSISDN) <input name="msisdn" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
` : ''}<button type="submit" name="decision" value="grant">${verb ? `${verb}accept` : 'Accept'}</button>
<button type="submit" name="decision" value="deny">${verb ? `${verb}refuse` : 'Refuse'}</button>
</form></main></body></html>`, { 'Set-Cookie': `${CSRF_COOKIE}=${browser}; Path=/; HttpOnly; SameSite=Strict` });
  }

  /** True when the form carries a CSRF token issued to this browser for this request (the token is used up). */
  function csrfValid(req: IncomingMessage, token: string | undefined, request: AuthorizeRequest): boolean {
    const binding = token ? state.csrfTokens.take(token) : undefined;
    const browser = cookie(req, CSRF_COOKIE);
    return binding !== undefined && browser !== undefined && sameSecret(binding.browser, browser) && binding.request === fingerprint(request.query);
  }

  const currentSession = (req: IncomingMessage) => state.sessions.get(cookie(req, SESSION_COOKIE) ?? '');

  /** The authorize endpoint, whatever the method: a decision already known redirects at once, otherwise a form. */
  function authorize(req: IncomingMessage, res: ServerResponse, form: Form, headers: Record<string, string> = {}) {
    const checked = checkAuthorize(form);
    if ('page' in checked) return errorPage(res, checked.page, headers);
    if ('redirect' in checked) return redirect(res, checked.redirect, headers);
    const session = currentSession(req);
    if (!session) return showForm(req, res, checked, true);
    // A session from the admin API or the fixture carries a standing decision; a browser's consent is per client and scope.
    if (session.consent === 'deny') return finish(res, checked, session, 'deny');
    const consented = state.consentedScopes(session.msisdn, checked.client.clientId);
    if (session.consent === 'grant' || checked.scopes.every((s) => consented.has(s))) return finish(res, checked, session, 'grant');
    showForm(req, res, checked, false);
  }

  function tokenClient(req: IncomingMessage): Client | undefined {
    for (const { id, secret } of parseBasicAuthorization(req.headers.authorization) ?? []) {
      const client = state.clients.get(id);
      if (client?.clientSecret && sameSecret(client.clientSecret, secret)) return client;
    }
    return undefined;
  }

  /** The form body of a POST, as parameters (none when it is not a form); `CLOSE` when it was over the limit. */
  async function postedForm(req: IncomingMessage): Promise<{ form: Form; headers: Record<string, string> }> {
    const text = await readBodyWithinLimit(req);
    const form = text !== undefined && mediaType(req) === 'application/x-www-form-urlencoded' ? formParams(new URLSearchParams(text)) : { params: {}, repeated: [] };
    return { form, headers: text === undefined ? CLOSE : {} };
  }

  return {
    authorize(req: IncomingMessage, res: ServerResponse, query: URLSearchParams) {
      authorize(req, res, formParams(query));
    },

    /** POST authorize: the same request, form-encoded in the body (OpenID Connect Core 1.0 section 3.1.2.1). */
    async authorizeWithForm(req: IncomingMessage, res: ServerResponse) {
      const { form, headers } = await postedForm(req);
      authorize(req, res, form, headers);
    },

    /** The login and consent form of the page (sandbox-only path): a CSRF token of this browser, then the
     *  credentials (unless signed in), then the decision. A refused form gives no code and no session. */
    async submitLogin(req: IncomingMessage, res: ServerResponse) {
      const { form, headers } = await postedForm(req);
      const checked = checkAuthorize(form);
      if ('page' in checked) return errorPage(res, checked.page, headers);
      if ('redirect' in checked) return redirect(res, checked.redirect, headers);
      let session = currentSession(req);
      const { msisdn, password, decision, csrf_token: csrf } = form.params;
      if (!csrfValid(req, csrf, checked)) {
        return showForm(req, res, checked, !session, 'This form has expired or was not sent from this page: please try again.', 403);
      }
      let cookieHeader: Record<string, string> = {};
      if (msisdn !== undefined || !session) {
        const subscriber = state.subscribers.get(msisdn ?? '');
        if (!subscriber?.password || !sameSecret(subscriber.password, password ?? '')) {
          return showForm(req, res, checked, true, 'Unknown mobile number or wrong password.', 401);
        }
        session = { msisdn: subscriber.msisdn, authTime: state.seconds() };
        cookieHeader = { 'Set-Cookie': `${SESSION_COOKIE}=${state.openSession(session)}; Path=/; HttpOnly; SameSite=Lax` };
      }
      finish(res, checked, session, decision === 'deny' ? 'deny' : 'grant', cookieHeader);
    },

    async token(req: IncomingMessage, res: ServerResponse) {
      const checked = await codeExchange(req, res);
      if (!checked) return;
      const { client, form } = checked;
      // RFC 6749 section 4.1.2: a code used twice is refused, and what it issued is revoked.
      const redeemed = state.redeemedCodes.get(form.code!);
      if (redeemed) {
        redeemed.revoked = true;
        return docs.send(res, `${TOKEN}/400/InvalidGrant`);
      }
      const code = state.takeCode(form.code!);
      const verifierOk = !code?.codeChallenge || (form.code_verifier !== undefined && createHash('sha256').update(form.code_verifier).digest('base64url') === code.codeChallenge);
      if (!code || code.clientId !== client.clientId || code.redirectUri !== normaliseUri(form.redirect_uri!) || !verifierOk) {
        return docs.send(res, `${TOKEN}/400/InvalidGrant`);
      }
      state.redeemCode(form.code!);
      const subscriber = state.subscribers.get(code.msisdn)!;
      const seconds = state.seconds();
      const issued = state.issueAccessToken(client.clientId, code.msisdn, code.scopes, form.code);
      const refreshToken = state.issueRefreshToken({ clientId: client.clientId, msisdn: code.msisdn, scopes: code.scopes, grant: form.code! });
      const idToken = await new SignJWT({ auth_time: code.authTime, acr: '0', ...(code.nonce ? { nonce: code.nonce } : {}) })
        .setProtectedHeader({ alg: ID_TOKEN_ALG, typ: idTokenHeaderSchema.properties.typ.const })
        .setIssuer(issuer).setSubject(subscriber.sub).setAudience(client.clientId)
        .setIssuedAt(seconds).setExpirationTime(seconds + state.accessTokenLifetime)
        .sign(new TextEncoder().encode(client.clientSecret));
      sendJson(res, 200, { ...issued, refresh_token: refreshToken, id_token: idToken }, docs.headers('exchangeAuthorizationCode', 200));
    },

    async refresh(req: IncomingMessage, res: ServerResponse) {
      const checked = await refreshRequest(req, res);
      if (!checked) return;
      const { client, form } = checked;
      const grant = state.refreshTokens.get(form.refresh_token!);
      if (!grant || grant.clientId !== client.clientId || state.grantRevoked(grant.grant)) return docs.send(res, `${REFRESH}/400/InvalidGrant`);
      // RFC 6749 section 6: the scope asked, when sent, is not empty and not wider than the one granted.
      const requested = form.scope === undefined ? grant.scopes : form.scope.split(' ').filter(Boolean);
      if (requested.length === 0 || requested.some((s) => !grant.scopes.includes(s))) return docs.send(res, `${REFRESH}/400/InvalidScope`);
      if (requested.some((s) => state.consentRevoked(grant, s))) return docs.send(res, `${REFRESH}/400/InvalidGrant`);
      sendJson(res, 200, { ...state.issueAccessToken(client.clientId, grant.msisdn, requested, grant.grant) }, docs.headers('refreshAccessToken', 200));
    },

    /** The OpenID Provider's configuration: the contract's document, with the sandbox's issuer and its own
     *  endpoints on the origin it advertises. */
    configuration(res: ServerResponse) {
      const origin = options.origin();
      sendJson(res, 200, {
        ...documentedConfiguration,
        issuer,
        authorization_endpoint: `${origin}${pathOf('authorize')}`,
        token_endpoint: `${origin}${pathOf('exchangeAuthorizationCode')}`,
        userinfo_endpoint: `${origin}${pathOf('getOpenIdUserInfo')}`,
      }, docs.headers('getOpenIdConfiguration', 200));
    },
  };
}
