/**
 * The one place where a token endpoint's answer is read: a 2xx body must be an access token response, and an
 * error body becomes an `OrangeAuthError` carrying the server's OAuth error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 Successful response
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 Error response
 */
import { OrangeAuthError, type OAuthErrorBody } from './errors.js';

export interface FetchOptions {
  /** Origin of the target; the contract's server (Orange production) by default. */
  baseUrl?: string;
  /** The `fetch` to use; the global one by default. */
  fetch?: (input: Request) => Promise<Response>;
}

interface TokenBody { access_token: string; token_type: string; expires_in: number }

export async function postTokenRequest<T extends TokenBody>(
  send: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await send();
  if (error !== undefined || !response.ok) {
    const body = error as Partial<OAuthErrorBody> | undefined;
    const oauthError = typeof body?.error === 'string'
      ? { error: body.error, ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}) }
      : undefined;
    const detail = oauthError ? `${oauthError.error}${oauthError.error_description ? `: ${oauthError.error_description}` : ''}` : 'no OAuth error body';
    throw new OrangeAuthError('ERR_TOKEN_REQUEST', `token request refused with HTTP ${response.status} (${detail})`, {
      status: response.status, ...(oauthError ? { oauthError } : {}),
    });
  }
  if (!data || typeof data.access_token !== 'string' || !data.access_token || typeof data.expires_in !== 'number' ||
      !(data.expires_in > 0) || typeof data.token_type !== 'string' || data.token_type.toLowerCase() !== 'bearer') {
    throw new OrangeAuthError('ERR_TOKEN_RESPONSE', 'the token response lacks a bearer access_token with a positive expires_in', { status: response.status });
  }
  return data;
}
