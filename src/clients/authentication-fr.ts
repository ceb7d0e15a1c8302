/** `orange-identity-contracts/authentication-fr`: the typed client of the client package, `orange-identity-client/authentication-fr`, re-exported. */
export * from 'orange-identity-client/authentication-fr';
