/**
 * Authorize of Authentication France, by GET or POST, and the login form's target: a decision already known (a
 * session's standing decision, or a consent remembered for this client and every scope asked) redirects at once
 * with a code or `access_denied`; otherwise the login and consent page. Codes are single-use and bound to the
 * client, the redirect URI, the scopes, the nonce and the PKCE challenge.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest 3.1.2.1 Authentication request (GET and POST)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAuthorize, type AuthorizeRequest } from './authorize-request.js';
import { SESSION_COOKIE, cookie } from './cookies.js';
import { parseForm, type Form } from '../src/contract/form.js';
import { CLOSE, formBody, readBodyWithinLimit } from './http.js';
import { csrfValid, errorPage, sameSecret, showForm } from './login-page.js';
import type { SandboxParts, SandboxState, Session } from './state.js';
import { normaliseUri } from './uri.js';

const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}) =>
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', ...headers }).end();

/** Redirects with a new code (consent given, and remembered) or `access_denied` (consent refused). */
function finish(state: SandboxState, res: ServerResponse, { client, scopes, query }: AuthorizeRequest, session: Session, decision: 'grant' | 'deny', headers: Record<string, string> = {}) {
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

const currentSession = (state: SandboxState, req: IncomingMessage) => state.sessions.get(cookie(req, SESSION_COOKIE) ?? '');

/** The authorize endpoint, whatever the method: a decision already known redirects at once, otherwise a form. */
function authorize(state: SandboxState, req: IncomingMessage, res: ServerResponse, form: Form, headers: Record<string, string> = {}) {
  const checked = checkAuthorize(state, form);
  if ('page' in checked) return errorPage(res, checked.page, headers);
  if ('redirect' in checked) return redirect(res, checked.redirect, headers);
  const session = currentSession(state, req);
  if (!session) return showForm(state, req, res, checked, true);
  // A session from the admin API or the fixture carries a standing decision; a browser's consent is per client and scope.
  if (session.consent === 'deny') return finish(state, res, checked, session, 'deny');
  const consented = state.consentedScopes(session.msisdn, checked.client.clientId);
  if (session.consent === 'grant' || checked.scopes.every((s) => consented.has(s))) return finish(state, res, checked, session, 'grant');
  showForm(state, req, res, checked, false);
}

/** The form body of a POST, as parameters (none when it is not a form); `CLOSE` when it was over the limit. */
async function postedForm(req: IncomingMessage): Promise<{ form: Form; headers: Record<string, string> }> {
  const text = await readBodyWithinLimit(req);
  const form = formBody(req, text) ?? { params: {}, repeated: [] };
  return { form, headers: text === undefined ? CLOSE : {} };
}

/** The login and consent form of the page (sandbox-only path): a CSRF token of this browser, then the credentials
 *  (unless signed in), then the decision. A refused form gives no code and no session. */
async function submitLogin(state: SandboxState, req: IncomingMessage, res: ServerResponse) {
  const { form, headers } = await postedForm(req);
  const checked = checkAuthorize(state, form);
  if ('page' in checked) return errorPage(res, checked.page, headers);
  if ('redirect' in checked) return redirect(res, checked.redirect, headers);
  let session = currentSession(state, req);
  const { msisdn, password, decision, csrf_token: csrf } = form.params;
  if (!csrfValid(state, req, csrf, checked)) {
    return showForm(state, req, res, checked, !session, 'This form has expired or was not sent from this page: please try again.', 403);
  }
  let cookieHeader: Record<string, string> = {};
  if (msisdn !== undefined || !session) {
    const subscriber = state.subscribers.get(msisdn ?? '');
    if (!subscriber?.password || !sameSecret(subscriber.password, password ?? '')) {
      return showForm(state, req, res, checked, true, 'Unknown mobile number or wrong password.', 401);
    }
    session = { msisdn: subscriber.msisdn, authTime: state.seconds() };
    cookieHeader = { 'Set-Cookie': `${SESSION_COOKIE}=${state.openSession(session)}; Path=/; HttpOnly; SameSite=Lax` };
  }
  finish(state, res, checked, session, decision === 'deny' ? 'deny' : 'grant', cookieHeader);
}

/** The handlers of authorize (GET), authorize (POST, OpenID Connect Core 1.0 section 3.1.2.1) and the login form. */
export function authorizeHandlers({ state }: SandboxParts) {
  return {
    authorize: (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => authorize(state, req, res, parseForm(query)),
    async authorizeWithForm(req: IncomingMessage, res: ServerResponse) {
      const { form, headers } = await postedForm(req);
      authorize(state, req, res, form, headers);
    },
    submitLogin: (req: IncomingMessage, res: ServerResponse) => submitLogin(state, req, res),
  };
}
