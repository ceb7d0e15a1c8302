/**
 * `orange-identity-client/auth`: RS256 keys and the private key from the environment, the JWT bearer grant and its
 * token provider, the OpenID Connect code flow, and HTTP Basic client credentials. Exported by name: what is not
 * listed here is internal (test/exports.test.ts pins the list). Each concern is also its own entry
 * (`orange-identity-client/auth/keys`, `/auth/token-provider`, `/auth/oidc`...); the package has no side effects, so a
 * bundler keeps only what is used from either.
 */
export { OrangeAuthError, type OAuthErrorBody, type OrangeAuthErrorCode } from './errors.js';
export { basicAuthorization } from './basic.js';
export { generateSigningKey, isPrivateJwk, signingKeyFromJwk, toPublicJwk, type Jwks, type RsaPrivateJwk, type RsaPublicJwk, type SigningKey } from './keys.js';
export { PRIVATE_JWK_ENV, privateJwkFromEnv, readPrivateJwk, type PrivateJwkOptions } from './private-key.js';
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
