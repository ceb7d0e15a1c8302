/** `orange-identity-contracts/form-id-fr`: the typed client of the client package, `orange-identity-client/form-id-fr`, re-exported. */
export * from 'orange-identity-client/form-id-fr';
