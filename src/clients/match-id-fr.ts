/** Typed client of Match ID France: the generated openapi-fetch factory, with bearer authentication. */
import { createMatchIdFrClient as createGenerated } from '../../generated/match-id-fr/client.js';
import { withBearer } from './bearer.js';

export { DEFAULT_BASE_URL, type MatchIdFrClient, type components, type operations, type paths } from '../../generated/match-id-fr/client.js';
export { isOAuthError, isOrangeError, type OAuthError, type OrangeError } from './errors.js';
export type { AccessTokenSource, ApiClientOptions } from './bearer.js';

/** Creates a typed client; `accessToken` (a token, a function, or a token provider) is sent as a bearer token. */
export const createMatchIdFrClient = withBearer(createGenerated);
