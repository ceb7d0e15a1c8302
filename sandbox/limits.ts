/**
 * The sandbox's bounds, in one module that imports nothing (the fixture's checks, the state's stores and the
 * faults all read them): docs/sandbox.md gives them.
 */

/** The most entries each store holds. Expiring stores drop their oldest entries beyond; `clients` and `faults`
 *  refuse more; `keysPerClient` bounds a registered JWKS. */
export const STORE_CAPS = {
  tokens: 200_000, refreshTokens: 100_000, codes: 100_000, sessions: 100_000, revokedConsents: 100_000,
  redeemedCodes: 100_000, consents: 100_000, csrfTokens: 100_000,
  clients: 10_000, keysPerClient: 100, remoteJwks: 10_000, importedKeys: 10_000, faults: 1_000,
} as const;
