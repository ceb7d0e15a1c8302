/**
 * Auth helpers: RS256 keys, the JWT bearer grant and its token provider, the OpenID Connect code flow, and
 * HTTP Basic client credentials. Exported by name: what is not listed here is internal (test/exports.test.ts
 * pins the list).
 */
export { OrangeAuthError, type OAuthErrorBody, type OrangeAuthErrorCode } from './errors.js';
export { basicAuthorization } from './basic.js';
export { generateSigningKey, isPrivateJwk, signingKeyFromJwk, toPublicJwk, type Jwks, type RsaPrivateJwk, type RsaPublicJwk, type SigningKey } from './keys.js';
export {
  DEFAULT_ASSERTION_LIFETIME_SECONDS, MAX_ASSERTION_LIFETIME_SECONDS, createJwtBearerAssertion, requestJwtBearerToken,
  type AccessTokenResponse, type AssertionOptions, type SigningKeyInput,
} from './jwt-bearer.js';
export { createTokenProvider, type TokenProvider, type TokenProviderOptions } from './token-provider.js';
export {
  ID_TOKEN_ALG, ORANGE_OIDC_ISSUER, buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationCallback, refreshAccessToken, verifyIdToken,
  type AuthorizationRequest, type AuthorizationRequestOptions, type IdTokenClaims, type OidcClientConfig, type OidcTokenResponse, type VerifyIdTokenOptions,
} from './oidc.js';
export type { FetchOptions } from './token-request.js';
