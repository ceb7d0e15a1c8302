/**
 * The OpenID Connect authorization code flow of Authentication France: the authorization URL (with a mandatory
 * `state`, a `nonce`, and PKCE S256 on request), the callback, the code exchange and the refresh with HTTP Basic
 * client authentication, and the verification of the HS256 id_token.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest 3.1.2.1 Authentication request
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation 3.1.3.7 ID token validation
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2 Authorization response (and 4.1.2.1 errors)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3 Access token request
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 Refreshing an access token
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 Client password (HTTP Basic)
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4 PKCE
 * @see https://www.rfc-editor.org/rfc/rfc6819#section-5.3.5 Why `state` is mandatory at Orange
 */
import { createHash, randomBytes } from 'node:crypto';
import { jwtVerify } from 'jose';
import { createAuthenticationFrClient, type components, type paths } from '../../generated/authentication-fr/client.js';
import { DEFAULT_BASE_URL, EXTENSIONS, SCHEMA_CONSTRAINTS } from '../../generated/authentication-fr/contract.js';
import { basicAuthorization } from './basic.js';
import { OrangeAuthError } from './errors.js';
import { postTokenRequest, resolveBaseUrl, type FetchOptions } from './token-request.js';

export type OidcTokenResponse = components['schemas']['OidcTokenResponse'];
type AccessTokenResponse = components['schemas']['AccessTokenResponse'];
export type IdTokenClaims = components['schemas']['IdTokenClaims'];

const AUTHORIZE_PATH = '/openidconnect/fr/v1/authorize' satisfies keyof paths;
const TOKEN_PATH = '/openidconnect/fr/v1/token' satisfies keyof paths;
const REFRESH_PATH = '/oauth/v2/token' satisfies keyof paths;

/** Issuer of Orange France's id_tokens, from the discovery document of the Orange Developer portal (the
 *  contract's `x-oidc-issuer`). */
export const ORANGE_OIDC_ISSUER: string = EXTENSIONS['x-oidc-issuer'];

/** The algorithm of Orange's id_tokens: HMAC SHA-256 keyed with the client secret, where a standard OpenID
 *  Connect client expects RS256 by default (declare it: `id_token_signed_response_alg: 'HS256'`). */
export const ID_TOKEN_ALG: 'HS256' = SCHEMA_CONSTRAINTS.IdTokenHeader.alg.const;

/** The grant types of the code exchange and of the refresh (RFC 6749 sections 4.1.3 and 6), from the contract. */
export const AUTHORIZATION_CODE_GRANT_TYPE = SCHEMA_CONSTRAINTS.AuthorizationCodeTokenRequest.grant_type.const;
export const REFRESH_TOKEN_GRANT_TYPE = SCHEMA_CONSTRAINTS.RefreshTokenRequest.grant_type.const;

export interface OidcClientConfig extends FetchOptions {
  clientId: string;
  /** The client secret: HTTP Basic password at the token endpoints, and HS256 key of the id_token. Never log it. */
  clientSecret: string;
  /** The redirect URI registered for the client, exactly. */
  redirectUri: string;
}

export interface AuthorizationRequestOptions {
  /** Scopes; `openid` is added when absent (for example `['form_filling']` asks `openid form_filling`). */
  scope: string | string[];
  /** Opaque anti-CSRF value; a random one is generated when absent. Orange requires it. */
  state?: string;
  /** Replay protection copied into the id_token; a random one is generated when absent. */
  nonce?: string;
  /** Adds a PKCE S256 challenge (RFC 7636); the verifier is returned for the code exchange. */
  pkce?: boolean;
  /** `utf8` asks for semi-implicit authentication on mobile. */
  charset?: 'utf8';
}

export interface AuthorizationRequest {
  /** The URL to open in the end-user's browser. */
  url: string;
  /** Keep it (in the session) to check the callback. */
  state: string;
  /** Keep it to check the id_token. */
  nonce: string;
  /** Keep it for the code exchange, when `pkce` was asked. */
  codeVerifier?: string;
}

const random = () => randomBytes(32).toString('base64url');

function required(value: string | undefined, name: string): string {
  if (!value) throw new OrangeAuthError('ERR_INVALID_OPTION', `${name} is required`);
  return value;
}

/**
 * Builds the authorization URL: `response_type=code`, the scopes with `openid`, and always a `state` and a `nonce`.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`
 */
export function buildAuthorizationRequest(config: Pick<OidcClientConfig, 'clientId' | 'redirectUri' | 'baseUrl'>, options: AuthorizationRequestOptions): AuthorizationRequest {
  if (typeof options.scope !== 'string' && !Array.isArray(options.scope)) throw new OrangeAuthError('ERR_INVALID_OPTION', 'scope must be a string or an array of scope names');
  const scopes = (Array.isArray(options.scope) ? options.scope : options.scope.split(' ')).filter(Boolean);
  const state = options.state ?? random();
  const nonce = options.nonce ?? random();
  const url = new URL(resolveBaseUrl(config.baseUrl, DEFAULT_BASE_URL) + AUTHORIZE_PATH);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: required(config.clientId, 'clientId'),
    scope: (scopes.includes('openid') ? scopes : ['openid', ...scopes]).join(' '),
    redirect_uri: required(config.redirectUri, 'redirectUri'),
    state,
    nonce,
    ...(options.charset ? { charset: options.charset } : {}),
  }).toString();
  if (!options.pkce) return { url: url.toString(), state, nonce };
  const codeVerifier = random();
  url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { url: url.toString(), state, nonce, codeVerifier };
}

/**
 * Reads the redirect back from Orange. The `state` is checked first, then `error`, then `code`.
 * @throws OrangeAuthError `ERR_INVALID_OPTION` (not an absolute URL), `ERR_STATE_MISMATCH`, `ERR_AUTHORIZATION_DENIED`
 *   (with `oauthError`), `ERR_MISSING_CODE`
 */
export function parseAuthorizationCallback(callbackUrl: string | URL, expectedState: string): { code: string } {
  let params: URLSearchParams;
  try {
    params = new URL(callbackUrl).searchParams;
  } catch (cause) {
    throw new OrangeAuthError('ERR_INVALID_OPTION', 'the callback URL is not an absolute URL', { cause });
  }
  if (!expectedState || params.get('state') !== expectedState) {
    throw new OrangeAuthError('ERR_STATE_MISMATCH', 'the callback state is missing or differs from the state sent');
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    throw new OrangeAuthError('ERR_AUTHORIZATION_DENIED', `authorization refused: ${error}${description ? `: ${description}` : ''}`, {
      oauthError: { error, ...(description ? { error_description: description } : {}) },
    });
  }
  const code = params.get('code');
  if (!code) throw new OrangeAuthError('ERR_MISSING_CODE', 'the callback has neither code nor error');
  return { code };
}


function tokenClient(config: OidcClientConfig) {
  const baseUrl = resolveBaseUrl(config.baseUrl, DEFAULT_BASE_URL);
  const client = createAuthenticationFrClient({ baseUrl, ...(config.fetch ? { fetch: config.fetch } : {}) });
  const headers = { Authorization: basicAuthorization(required(config.clientId, 'clientId'), required(config.clientSecret, 'clientSecret')) };
  return { client, headers, target: (path: string) => `POST ${baseUrl}${path}` };
}

/**
 * Exchanges an authorization code for tokens at `POST /openidconnect/fr/v1/token`. Each code works once.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`, `ERR_REQUEST_FAILED` (no answer, the network error as `cause`),
 *   `ERR_TOKEN_REQUEST` (with `oauthError`), `ERR_TOKEN_RESPONSE`
 */
export async function exchangeAuthorizationCode(config: OidcClientConfig, code: string, options: { codeVerifier?: string } = {}): Promise<OidcTokenResponse> {
  const { client, headers, target } = tokenClient(config);
  const tokens = await postTokenRequest<OidcTokenResponse>(target(TOKEN_PATH), () =>
    client.POST(TOKEN_PATH, {
      body: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: required(code, 'code'), redirect_uri: config.redirectUri, ...(options.codeVerifier ? { code_verifier: options.codeVerifier } : {}) },
      headers,
      parseAs: 'text',
    }),
  );
  if (typeof tokens.id_token !== 'string') throw new OrangeAuthError('ERR_TOKEN_RESPONSE', 'the token response has no id_token');
  return tokens;
}

/**
 * Gets a new access token on the same scopes at `POST /oauth/v2/token`.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`, `ERR_REQUEST_FAILED` (no answer, the network error as `cause`),
 *   `ERR_TOKEN_REQUEST` (with `oauthError`), `ERR_TOKEN_RESPONSE`
 */
export async function refreshAccessToken(config: OidcClientConfig, refreshToken: string, options: { scope?: string } = {}): Promise<AccessTokenResponse> {
  const { client, headers, target } = tokenClient(config);
  return postTokenRequest<AccessTokenResponse>(target(REFRESH_PATH), () =>
    client.POST(REFRESH_PATH, {
      body: { grant_type: REFRESH_TOKEN_GRANT_TYPE, refresh_token: required(refreshToken, 'refreshToken'), redirect_uri: config.redirectUri, ...(options.scope ? { scope: options.scope } : {}) },
      headers,
      parseAs: 'text',
    }),
  );
}

export interface VerifyIdTokenOptions {
  clientId: string;
  clientSecret: string;
  /** `ORANGE_OIDC_ISSUER` by default; the sandbox has its own. */
  issuer?: string;
  /** The nonce of the authorization request; checked when given. */
  nonce?: string;
  /** Accepted clock skew, in seconds (0 by default). */
  clockToleranceSeconds?: number;
  /** Clock, in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * Verifies the id_token: HS256 only (signed with the client secret), `iss`, `aud` = client id, `exp` (and `iat`,
 * `sub` present), and the nonce when given.
 * @throws OrangeAuthError `ERR_ID_TOKEN_INVALID`, with jose's error as `cause`
 */
export async function verifyIdToken(idToken: string, options: VerifyIdTokenOptions): Promise<IdTokenClaims> {
  const secret = new TextEncoder().encode(required(options.clientSecret, 'clientSecret'));
  let payload: IdTokenClaims;
  try {
    ({ payload } = (await jwtVerify(idToken, secret, {
      algorithms: [ID_TOKEN_ALG],
      issuer: options.issuer ?? ORANGE_OIDC_ISSUER,
      audience: required(options.clientId, 'clientId'),
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: options.clockToleranceSeconds ?? 0,
      currentDate: new Date((options.now ?? Date.now)()),
    })) as unknown as { payload: IdTokenClaims });
  } catch (cause) {
    throw new OrangeAuthError('ERR_ID_TOKEN_INVALID', `the id_token does not verify: ${(cause as Error).message}`, { cause });
  }
  if (options.nonce !== undefined && payload.nonce !== options.nonce) {
    throw new OrangeAuthError('ERR_ID_TOKEN_INVALID', 'the id_token nonce differs from the nonce sent');
  }
  return payload;
}
