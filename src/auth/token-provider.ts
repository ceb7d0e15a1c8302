/**
 * An access token source for Direct Match ID France: signs an assertion, requests a token, and reuses it until
 * shortly before `expires_in` ends. Concurrent callers share one in-flight request, so one token lifetime costs
 * one signature and one token request, whatever the load.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1 Using JWTs as authorization grants
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 `expires_in`
 */
import { createAssertionSigner, requestJwtBearerToken, type AssertionOptions } from './jwt-bearer.js';
import type { FetchOptions } from './token-request.js';

export interface TokenProviderOptions extends AssertionOptions, FetchOptions {
  /** Renew this many seconds before the token expires (60 by default, at most half the token's lifetime). */
  renewBeforeSeconds?: number;
}

export interface TokenProvider {
  /** A valid access token: the cached one, or a new one shared by every concurrent caller. */
  getToken(): Promise<string>;
  /** Forgets the cached token (for example after a 401), so that the next call requests a new one. */
  invalidate(): void;
}

export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const sign = createAssertionSigner(options);
  const now = options.now ?? Date.now;
  const renewBefore = options.renewBeforeSeconds ?? 60;
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const fetchToken = async () => {
    const response = await requestJwtBearerToken(await sign(), options);
    const margin = Math.min(renewBefore, response.expires_in / 2);
    cached = { token: response.access_token, renewAt: now() + (response.expires_in - margin) * 1000 };
    return response.access_token;
  };

  return {
    getToken() {
      if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
      return (inFlight ??= fetchToken().finally(() => { inFlight = undefined; }));
    },
    invalidate() {
      cached = undefined;
    },
  };
}
