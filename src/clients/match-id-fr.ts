/** `orange-identity-contracts/match-id-fr`: the typed client of the client package, `orange-identity-client/match-id-fr`, re-exported. */
export * from 'orange-identity-client/match-id-fr';
