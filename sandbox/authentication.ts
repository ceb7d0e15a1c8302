/**
 * Authentication France in the sandbox: authorize (mandatory `state`, exact `redirect_uri`, scope check) with a
 * login and consent page, single-use authorization codes with a short lifetime, the code exchange with HTTP
 * Basic client authentication and an HS256 id_token, refresh tokens on /oauth/v2/token.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth 3.1 Authorization code flow
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1 Authorization code grant
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 Refreshing an access token
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import codeRequestSchema from '../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import refreshRequestSchema from '../generated/authentication-fr/schemas/RefreshTokenRequest.json' with { type: 'json' };
import { parseBasicAuthorization } from '../src/auth/basic.js';
import { validator } from '../src/contract/validators.js';
import type { Client } from './fixture.js';
import { bearerToken, escapeHtml, parseForm, readBodyWithinLimit, sendHtml, sendJson } from './http.js';
import type { SandboxParts, Session } from './state.js';

export const SESSION_COOKIE = 'sandbox_session';
const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#000}main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-top:6px solid #ff7900}' +
  'h1{margin-top:0}label{display:block;margin:1rem 0 .25rem;font-weight:600}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}' +
  'button{margin:1.5rem .5rem 0 0;padding:.6rem 1rem;font-size:1rem;border:0;cursor:pointer}button[value=grant]{background:#ff7900;color:#000}button[value=deny]{background:#ddd}' +
  '.hint{color:#555;font-size:.9rem}[role=alert]{color:#b00020;font-weight:600}';
const AUTHORIZE_PARAMS = ['response_type', 'client_id', 'scope', 'redirect_uri', 'state', 'nonce', 'charset', 'code_challenge', 'code_challenge_method'];

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

export interface AuthenticationOptions extends SandboxParts {
  issuer: string;
}

export function authentication(options: AuthenticationOptions) {
  const { state, docs, issuer, now } = options;
  /** A token endpoint's request: client authentication, then the grant type, then the request schema. */
  const tokenEndpoint = (operationId: 'exchangeAuthorizationCode' | 'refreshAccessToken', schema: { properties: { grant_type: { const: string } } }) => {
    const validate = validator(`authentication-fr/${operationId}/request/application/x-www-form-urlencoded`);
    const grantType = schema.properties.grant_type.const;
    const prefix = `authentication-fr/${operationId}`;
    return async (req: IncomingMessage, res: ServerResponse): Promise<{ client: Client; form: Record<string, string> } | undefined> => {
      const text = await readBodyWithinLimit(req);
      const form = text === undefined ? undefined : parseForm(req, text);
      const client = tokenClient(req);
      if (!client) docs.send(res, `${prefix}/401/InvalidClient`);
      else if (form?.grant_type !== undefined && form.grant_type !== grantType) docs.send(res, `${prefix}/400/UnsupportedGrantType`);
      else if (!form || !validate(form)) docs.send(res, `${prefix}/400/InvalidRequest`);
      else return { client, form };
      return undefined;
    };
  };
  const codeExchange = tokenEndpoint('exchangeAuthorizationCode', codeRequestSchema);
  const refreshRequest = tokenEndpoint('refreshAccessToken', refreshRequestSchema);

  /** The authorize request's checks: an error page (client or redirect URI at fault), an error redirect, or the checked request. */
  function checkAuthorize(params: URLSearchParams): { page: string } | { redirect: string } | { client: Client; scopes: string[]; query: Record<string, string> } {
    const client = state.clients.get(params.get('client_id') ?? '');
    if (!client?.clientSecret) return { page: 'unknown client_id' };
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!client.redirectUris?.includes(redirectUri)) return { page: 'redirect_uri is not the one registered for this client' };
    const stateParam = params.get('state');
    if (!stateParam) return { page: 'state is mandatory' };
    const error = (code: string) => {
      const url = new URL(redirectUri);
      url.searchParams.set('error', code);
      url.searchParams.set('state', stateParam);
      return { redirect: url.toString() };
    };
    if (params.get('response_type') !== 'code') return error('unsupported_response_type');
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid') || scopes.some((s) => !client.scopes?.includes(s))) return error('invalid_scope');
    const challenge = params.get('code_challenge');
    if (challenge !== null && (params.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) return error('invalid_request');
    const query = Object.fromEntries(AUTHORIZE_PARAMS.filter((p) => params.has(p)).map((p) => [p, params.get(p)!]));
    return { client, scopes, query };
  }

  /** Redirects with a new code (consent given) or access_denied (consent refused). */
  function finish(res: ServerResponse, query: Record<string, string>, scopes: string[], session: Session, extraHeaders: Record<string, string> = {}) {
    const url = new URL(query.redirect_uri!);
    if (session.consent === 'deny') {
      url.searchParams.set('error', 'access_denied');
    } else {
      const code = state.issueCode({
        clientId: query.client_id!, redirectUri: query.redirect_uri!, msisdn: session.msisdn, scopes, authTime: session.authTime,
        ...(query.nonce ? { nonce: query.nonce } : {}), ...(query.code_challenge ? { codeChallenge: query.code_challenge } : {}),
      });
      for (const scope of scopes) state.revokedConsents.delete(`${session.msisdn} ${scope}`);
      url.searchParams.set('code', code);
    }
    url.searchParams.set('state', query.state!);
    res.writeHead(302, { Location: url.toString(), 'Cache-Control': 'no-store', ...extraHeaders });
    res.end();
  }

  const errorPage = (res: ServerResponse, reason: string) =>
    sendHtml(res, 400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orange sandbox - Error</title></head><body><h1>invalid_request</h1><p>${escapeHtml(reason)}</p></body></html>`);

  function loginPage(res: ServerResponse, client: Client, scopes: string[], query: Record<string, string>, message = '', status = 200) {
    const hidden = Object.entries(query).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
    sendHtml(res, status, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Orange sandbox - Sign in and consent</title>
<style>${PAGE_STYLE}</style></head>
<body><main><h1>Orange sandbox</h1><p><strong>${escapeHtml(client.clientId)}</strong> asks for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</p>
<p class="hint">A local emulator, not Orange: sign in as a subscriber of the sandbox fixture.</p>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/_sandbox/authorize">${hidden}
<label>Mobile number (MSISDN) <input name="msisdn" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit" name="decision" value="grant">Sign in and accept</button>
<button type="submit" name="decision" value="deny">Sign in and refuse</button>
</form></main></body></html>`);
  }

  function tokenClient(req: IncomingMessage): Client | undefined {
    for (const { id, secret } of parseBasicAuthorization(req.headers.authorization) ?? []) {
      const client = state.clients.get(id);
      if (client?.clientSecret && sameSecret(client.clientSecret, secret)) return client;
    }
    return undefined;
  }

  return {
    authorize(req: IncomingMessage, res: ServerResponse, url: URL) {
      const checked = checkAuthorize(url.searchParams);
      if ('page' in checked) return errorPage(res, checked.page);
      if ('redirect' in checked) {
        res.writeHead(302, { Location: checked.redirect });
        return res.end();
      }
      const session = state.sessions.get(cookie(req, SESSION_COOKIE) ?? '');
      if (session?.consent) return finish(res, checked.query, checked.scopes, session);
      loginPage(res, checked.client, checked.scopes, checked.query);
    },

    /** The login and consent form of the page (sandbox-only path). */
    async submitLogin(req: IncomingMessage, res: ServerResponse) {
      const text = await readBodyWithinLimit(req);
      const form = (text === undefined ? undefined : parseForm(req, text)) ?? {};
      const checked = checkAuthorize(new URLSearchParams(form));
      if ('page' in checked) return errorPage(res, checked.page);
      if ('redirect' in checked) {
        res.writeHead(302, { Location: checked.redirect });
        return res.end();
      }
      const subscriber = state.subscribers.get(form.msisdn ?? '');
      if (!subscriber?.password || !sameSecret(subscriber.password, form.password ?? '')) {
        return loginPage(res, checked.client, checked.scopes, checked.query, 'Unknown mobile number or wrong password.', 401);
      }
      const session: Session = { msisdn: subscriber.msisdn, consent: form.decision === 'deny' ? 'deny' : 'grant', authTime: state.seconds() };
      const id = state.openSession(session);
      finish(res, checked.query, checked.scopes, session, { 'Set-Cookie': `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
    },

    async token(req: IncomingMessage, res: ServerResponse) {
      const checked = await codeExchange(req, res);
      if (!checked) return;
      const { client, form } = checked;
      const code = state.takeCode(form.code!);
      const verifierOk = !code?.codeChallenge || (form.code_verifier !== undefined && createHash('sha256').update(form.code_verifier).digest('base64url') === code.codeChallenge);
      if (!code || code.clientId !== client.clientId || code.redirectUri !== form.redirect_uri || !verifierOk) {
        return docs.send(res, 'authentication-fr/exchangeAuthorizationCode/400/InvalidGrant');
      }
      const subscriber = state.subscribers.get(code.msisdn)!;
      const seconds = state.seconds();
      const issued = state.issueAccessToken(client.clientId, code.msisdn, code.scopes);
      const refreshToken = state.issueRefreshToken({ clientId: client.clientId, msisdn: code.msisdn, scopes: code.scopes });
      const idToken = await new SignJWT({ auth_time: code.authTime, acr: '0', ...(code.nonce ? { nonce: code.nonce } : {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer).setSubject(subscriber.sub).setAudience(client.clientId)
        .setIssuedAt(seconds).setExpirationTime(seconds + state.accessTokenLifetime)
        .sign(new TextEncoder().encode(client.clientSecret));
      sendJson(res, 200, { token_type: 'Bearer', ...issued, refresh_token: refreshToken, id_token: idToken }, docs.headers('exchangeAuthorizationCode', 200));
    },

    async refresh(req: IncomingMessage, res: ServerResponse) {
      const checked = await refreshRequest(req, res);
      if (!checked) return;
      const { client, form } = checked;
      const grant = state.refreshTokens.get(form.refresh_token!);
      const requested = form.scope ? form.scope.split(' ').filter(Boolean) : grant?.scopes;
      if (!grant || grant.clientId !== client.clientId || !requested?.every((s) => grant.scopes.includes(s)) ||
          requested.some((s) => state.revokedConsents.has(`${grant.msisdn} ${s}`))) {
        return docs.send(res, 'authentication-fr/refreshAccessToken/400/InvalidGrant');
      }
      sendJson(res, 200, { token_type: 'Bearer', ...state.issueAccessToken(client.clientId, grant.msisdn, requested) }, docs.headers('refreshAccessToken', 200));
    },
  };
}
