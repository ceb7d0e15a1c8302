/**
 * An access token source for Direct Match ID France: signs an assertion, requests a token, and reuses it until
 * shortly before `expires_in` ends. Concurrent callers share one in-flight request, so one token lifetime costs
 * one signature and one token request, whatever the load.
 *
 * The provider exposes the `baseUrl` it requests its tokens from, and the typed clients refuse a provider whose
 * `baseUrl` differs from their own: build both from one options object (see `createTokenProvider`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1 Using JWTs as authorization grants
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 `expires_in`
 */
import { DEFAULT_BASE_URL } from '../../generated/direct-match-id-fr/contract.js';
import { OrangeAuthError } from './errors.js';
import { createAssertionSigner, requestJwtBearerToken, type AssertionOptions } from './jwt-bearer.js';
import { resolveBaseUrl, type FetchOptions } from './token-request.js';

export interface TokenProviderOptions extends AssertionOptions, FetchOptions {
  /** Renew this many seconds before the token expires (60 by default, at most half the token's lifetime). */
  renewBeforeSeconds?: number;
}

export interface TokenProvider {
  /**
   * Where the tokens are requested: `options.baseUrl` (normalised, without a trailing slash), or Orange
   * production. A client given this provider as `accessToken` must have the same `baseUrl`, or its factory
   * throws `ERR_INVALID_OPTION`.
   */
  readonly baseUrl: string;
  /** A valid access token: the cached one, or a new one shared by every concurrent caller. */
  getToken(): Promise<string>;
  /** Forgets the cached token (for example after a 401), so that the next call requests a new one. */
  invalidate(): void;
}

/**
 * Creates a token provider. Everything that can be checked without the network is checked here: the options,
 * the `baseUrl` and the key (RSA, 2048 bits or more).
 *
 * ```ts
 * const target = { baseUrl: 'http://127.0.0.1:8080' };
 * const tokens = createTokenProvider({ ...target, clientId, msisdn, scope, privateKey });
 * const client = createDirectMatchIdFrClient({ ...target, accessToken: tokens });
 * ```
 *
 * @throws OrangeAuthError at creation: `ERR_INVALID_OPTION`, `ERR_ASSERTION_LIFETIME`, `ERR_KEY_UNSUPPORTED`;
 *   from `getToken()`: `ERR_REQUEST_FAILED` (no answer, the network error as `cause`), `ERR_TOKEN_REQUEST`,
 *   `ERR_TOKEN_RESPONSE`
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const baseUrl = resolveBaseUrl(options.baseUrl, DEFAULT_BASE_URL);
  const sign = createAssertionSigner(options);
  const now = options.now ?? Date.now;
  const renewBefore = options.renewBeforeSeconds ?? 60;
  if (!(renewBefore >= 0)) throw new OrangeAuthError('ERR_INVALID_OPTION', 'renewBeforeSeconds must be a number of seconds, 0 or more');
  const fetchOptions = { baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) };
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async () => {
    const response = await requestJwtBearerToken(await sign(), fetchOptions);
    const margin = Math.min(renewBefore, response.expires_in / 2);
    cached = { token: response.access_token, renewAt: now() + (response.expires_in - margin) * 1000 };
    return response.access_token;
  };

  return {
    baseUrl,
    getToken() {
      if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
      return (inFlight ??= fetchToken().finally(() => { inFlight = undefined; }));
    },
    invalidate() {
      cached = undefined;
    },
  };
}
