/**
 * The requests of the Authentication France code flow, built one way for the conformance suite's cases and the
 * fuzzer's steps (each sends them its own way: the suite records them as case steps, the fuzzer judges them): the
 * authorization request with the end-user's session (and PKCE when asked, RFC 7636 section 4.2), the code read
 * from its redirect (state checked, an `error` said), and the code exchange with the client's Basic credentials.
 *
 * Entry points: `authorizeQuery(auth, parts)`, `authorizeRequest(auth, parts)`, `codeFromCallback(url, state,
 * what)`, `codeExchangeRequest(auth, code, verifier)`.
 */
import { createHash } from 'node:crypto';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { AUTHORIZATION_CODE_GRANT_TYPE } from 'orange-identity-client/auth/oidc';
import { pathOf } from '../src/contract/operations.js';
import type { HttpRequest } from './http.js';
import type { Profile } from './profile.js';

type Auth = NonNullable<Profile['authentication']>;

export interface AuthorizeParts {
  scope: string;
  state: string;
  nonce: string;
  /** The PKCE verifier the code exchange will send: its S256 challenge goes with the request. */
  verifier?: string;
  /** Parameters to add, or to leave out (undefined). */
  changes?: Record<string, string | undefined>;
}

/** The authorization request's parameters. */
export function authorizeQuery(auth: Auth, parts: AuthorizeParts): Record<string, string> {
  const pkce = parts.verifier === undefined ? {} : { code_challenge: createHash('sha256').update(parts.verifier).digest('base64url'), code_challenge_method: 'S256' };
  const query: Record<string, string | undefined> = {
    response_type: 'code', client_id: auth.clientId, scope: parts.scope, redirect_uri: auth.redirectUri, state: parts.state, nonce: parts.nonce, ...pkce, ...parts.changes,
  };
  return Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
}

/** GET authorize with the profile's end-user session cookie. */
export const authorizeRequest = (auth: Auth, parts: AuthorizeParts): HttpRequest =>
  ({ method: 'GET', path: pathOf('authorize'), query: authorizeQuery(auth, parts), headers: { Cookie: auth.session?.cookie ?? '' } });

/** The code of an authorization redirect, checked against the state sent; an Error saying what came otherwise. */
export function codeFromCallback(callback: string | null, state: string, what: string): string {
  let url: URL | undefined;
  try {
    url = callback ? new URL(callback) : undefined;
  } catch { /* not a URL */ }
  const params = url?.searchParams;
  if (params?.has('error')) throw new Error(`${what} ended with error=${params.get('error')}${params.has('error_description') ? ` (${params.get('error_description')})` : ''}`);
  const code = params?.get('code');
  if (!code) throw new Error(`${what} gave no code${callback ? '' : ' (no redirect)'}`);
  if (params!.get('state') !== state) throw new Error(`${what} came back with state ${JSON.stringify(params!.get('state'))}, not the one sent`);
  return code;
}

/** The code exchange, with the client's Basic credentials (and the PKCE verifier when there is one). */
export const codeExchangeRequest = (auth: Auth, code: string, verifier?: string): HttpRequest => ({
  method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: basicAuthorization(auth.clientId, auth.clientSecret ?? '') },
  form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code, redirect_uri: auth.redirectUri, ...(verifier === undefined ? {} : { code_verifier: verifier }) },
});
