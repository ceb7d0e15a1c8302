/** `orange-identity-contracts/direct-match-id-fr`: the typed client of the client package, `orange-identity-client/direct-match-id-fr`, re-exported. */
export * from 'orange-identity-client/direct-match-id-fr';
