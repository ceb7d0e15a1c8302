/**
 * The sandbox's login and consent page, and its error page: a form posting to `/_sandbox/authorize` (LOGIN_FORM_PATH) with a
 * single-use CSRF token bound to the browser (cookie `sandbox_csrf`, SameSite=Strict) and to the authorization
 * request it carries.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12 Cross-site request forgery
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fingerprint, type AuthorizeRequest } from './authorize-request.js';
import { CSRF_COOKIE, cookie } from './cookies.js';
import { escapeHtml, sendHtml } from './http.js';
import type { SandboxState } from './state.js';

const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#000}main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-top:6px solid #ff7900}' +
  'h1{margin-top:0}label{display:block;margin:1rem 0 .25rem;font-weight:600}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem;font-size:1rem}' +
  'button{margin:1.5rem .5rem 0 0;padding:.6rem 1rem;font-size:1rem;border:0;cursor:pointer}button[value=grant]{background:#ff7900;color:#000}button[value=deny]{background:#ddd}' +
  '.hint{color:#555;font-size:.9rem}[role=alert]{color:#b00020;font-weight:600}';
const BROWSER_ID = /^[A-Za-z0-9_-]{32}$/;

/** Constant-time comparison of two secrets. */
export const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export const errorPage = (res: ServerResponse, reason: string, headers: Record<string, string> = {}) =>
  sendHtml(res, 400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orange sandbox - Error</title></head><body><h1>invalid_request</h1><p>${escapeHtml(reason)}</p></body></html>`, headers);

/**
 * The login and consent page (`signIn`), or the consent page of a signed-in end-user, with a fresh CSRF token
 * bound to this browser (cookie `sandbox_csrf`, SameSite=Strict) and to the request.
 */
/** Where the login form posts: the sandbox's own route, outside the contract's paths and the admin API. */
export const LOGIN_FORM_PATH = '/_sandbox/authorize';

/** The form's action, relative to the page that shows it, so that behind a gateway the browser stays under its
 *  path prefix (`/prefix/openidconnect/fr/v1/authorize` posts to `/prefix/_sandbox/authorize`). */
function formAction(req: IncomingMessage): string {
  const shown = new URL(req.url ?? '/', 'http://sandbox').pathname;
  return path.posix.relative(path.posix.dirname(shown), LOGIN_FORM_PATH);
}

export function showForm(state: SandboxState, req: IncomingMessage, res: ServerResponse, request: AuthorizeRequest, signIn: boolean, message = '', status = 200) {
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
<form method="post" action="${escapeHtml(formAction(req))}">${hidden}
${signIn ? `<label>Mobile number (MSISDN) <input name="msisdn" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
` : ''}<button type="submit" name="decision" value="grant">${verb ? `${verb}accept` : 'Accept'}</button>
<button type="submit" name="decision" value="deny">${verb ? `${verb}refuse` : 'Refuse'}</button>
</form></main></body></html>`, { 'Set-Cookie': `${CSRF_COOKIE}=${browser}; Path=/; HttpOnly; SameSite=Strict` });
}

/** True when the form carries a CSRF token issued to this browser for this request (the token is used up). */
export function csrfValid(state: SandboxState, req: IncomingMessage, token: string | undefined, request: AuthorizeRequest): boolean {
  const binding = token ? state.csrfTokens.take(token) : undefined;
  const browser = cookie(req, CSRF_COOKIE);
  return binding !== undefined && browser !== undefined && sameSecret(binding.browser, browser) && binding.request === fingerprint(request.query);
}
