/** `orange-identity-contracts/id-match-es`: the typed client of the client package, `orange-identity-client/id-match-es`, re-exported. */
export * from 'orange-identity-client/id-match-es';
