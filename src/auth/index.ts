/** Auth helpers: RS256 keys, the JWT bearer grant and its token provider, and the OpenID Connect code flow. */
export * from './errors.js';
export * from './keys.js';
export * from './jwt-bearer.js';
export * from './token-provider.js';
export * from './oidc.js';
export type { FetchOptions } from './token-request.js';
