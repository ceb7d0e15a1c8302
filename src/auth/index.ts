/**
 * `orange-identity-contracts/auth`: the auth helpers of the client package, `orange-identity-client/auth`,
 * re-exported (one copy of each at run time, so that `OrangeAuthError` is one class for both packages).
 */
export * from 'orange-identity-client/auth';
