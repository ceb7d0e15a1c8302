/** Typed client of Authentication France: the generated openapi-fetch factory, with bearer authentication. */
import { createAuthenticationFrClient as createGenerated, DEFAULT_BASE_URL } from '../../generated/authentication-fr/client.js';
import { withBearer } from './bearer.js';

export { DEFAULT_BASE_URL, type AuthenticationFrClient, type components, type operations, type paths } from '../../generated/authentication-fr/client.js';
export { isOAuthError, isOrangeError, type OAuthError, type OrangeError } from './errors.js';
export type { AccessTokenSource, ApiClientOptions } from './bearer.js';

/**
 * Creates a typed client; `accessToken` (a token, a function, or a token provider) is sent as a bearer token.
 * A token provider must have this client's `baseUrl` (`OrangeAuthError` `ERR_INVALID_OPTION` otherwise).
 */
export const createAuthenticationFrClient = withBearer(createGenerated, DEFAULT_BASE_URL);
