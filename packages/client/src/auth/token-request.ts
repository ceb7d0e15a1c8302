/**
 * The one place where a token endpoint is called and its answer read: a request that gets no answer becomes
 * `ERR_REQUEST_FAILED`, a 2xx body must be an access token response, and an error body becomes an
 * `OrangeAuthError` carrying the server's OAuth error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 Successful response
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 Error response
 */
import { OrangeAuthError, type OAuthErrorBody } from './errors.js';

export interface FetchOptions {
  /** Origin (and optional path prefix) of the target; the contract's server (Orange production) by default. */
  baseUrl?: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: (input: Request) => Promise<Response>;
}

/** A base URL in one spelling (URL-normalised, no trailing slash), so that two spellings of one target compare equal. */
export function normalizeBaseUrl(baseUrl: string): string {
  try {
    return new URL(baseUrl).href.replace(/\/+$/, '');
  } catch {
    return baseUrl.replace(/\/+$/, '');
  }
}

/**
 * `baseUrl`, or `fallback` (the contract's server) when absent, normalised.
 * @throws OrangeAuthError `ERR_INVALID_OPTION` when `baseUrl` is not an absolute http(s) URL
 */
export function resolveBaseUrl(baseUrl: string | undefined, fallback: string): string {
  const value = baseUrl ?? fallback;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch { /* reported below */ }
  if (protocol !== 'http:' && protocol !== 'https:') throw new OrangeAuthError('ERR_INVALID_OPTION', `baseUrl must be an absolute http(s) URL, not ${JSON.stringify(value)}`);
  return normalizeBaseUrl(value);
}

/** Why a request failed, from undici's nested causes (`fetch failed` → `connect ECONNREFUSED 127.0.0.1:9`). */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  return inner ? `${message}: ${inner.message}` : message;
}

interface TokenBody { access_token: string; token_type: string; expires_in: number }

/**
 * Sends a token request and reads its answer. `send` posts with openapi-fetch's `parseAs: 'text'`, so that the
 * body is parsed here, where a body that is not JSON is told apart from a request that failed.
 * @param target `POST <url>`, for the messages
 */
export async function postTokenRequest<T extends TokenBody>(
  target: string,
  send: () => Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: Awaited<ReturnType<typeof send>>;
  try {
    answer = await send();
  } catch (cause) {
    throw new OrangeAuthError('ERR_REQUEST_FAILED', `the token request ${target} failed (${reason(cause)})`, { cause });
  }
  const { data, error, response } = answer;
  if (error !== undefined || !response.ok) {
    const body = error as Partial<OAuthErrorBody> | null | undefined;
    const oauthError = typeof body?.error === 'string'
      ? { error: body.error, ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}) }
      : undefined;
    const detail = oauthError ? `${oauthError.error}${oauthError.error_description ? `: ${oauthError.error_description}` : ''}` : 'no OAuth error body';
    throw new OrangeAuthError('ERR_TOKEN_REQUEST', `token request refused with HTTP ${response.status} (${detail})`, {
      status: response.status, ...(oauthError ? { oauthError } : {}),
    });
  }
  let tokens: Partial<T> | undefined;
  try {
    tokens = typeof data === 'string' && data ? (JSON.parse(data) as Partial<T>) : undefined;
  } catch (cause) {
    throw new OrangeAuthError('ERR_TOKEN_RESPONSE', `the token response to ${target} is not JSON`, { status: response.status, cause });
  }
  if (typeof tokens !== 'object' || tokens === null || typeof tokens.access_token !== 'string' || !tokens.access_token ||
      typeof tokens.expires_in !== 'number' || !(tokens.expires_in > 0) || typeof tokens.token_type !== 'string' || tokens.token_type.toLowerCase() !== 'bearer') {
    throw new OrangeAuthError('ERR_TOKEN_RESPONSE', 'the token response lacks a bearer access_token with a positive expires_in', { status: response.status });
  }
  return tokens as T;
}
