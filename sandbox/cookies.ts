/** The sandbox's browser cookies: the end-user session and the login form's CSRF binding. */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'sandbox_session';
/** The browser cookie that the CSRF tokens of the login and consent forms are bound to. */
export const CSRF_COOKIE = 'sandbox_csrf';

/** The value of a request's cookie `name`, or undefined. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
