/** Triggers shared by the two userinfo APIs (Form ID France and Match ID France). */
import { pathOf, type OperationId } from '../../src/contract/operations.js';
import { need } from '../context.js';
import type { Profile } from '../profile.js';
import type { TriggerTable } from '../types.js';

export function userInfoTriggers(options: {
  operationId: OperationId;
  scope: 'form_filling' | 'check_id';
  /** The name of the 200 example. */
  claimsExample: string;
  /** The claims the scope grants (the response schema's properties). */
  grantedClaims: string[];
}): TriggerTable {
  const { operationId, scope } = options;
  const path = pathOf(operationId);
  /** The other userinfo API's scope: its token does not grant this one. */
  const other = scope === 'form_filling' ? 'check_id' : 'form_filling';
  const token = (profile: Profile) => profile.accessTokens![scope]!;
  return {
    [`${operationId}/200/${options.claimsExample}`]: {
      requires: need(`accessTokens.${scope}`, 'userInfoSubject'),
      request: async (ctx) => ({ method: 'GET', path, headers: { Authorization: `Bearer ${token(ctx.profile)}` } }),
      // Exactly the subject's claims that the scope grants.
      expect: (ctx) => ({
        body: Object.fromEntries(Object.entries(ctx.profile.userInfoSubject!.claims).filter(([claim]) => options.grantedClaims.includes(claim))),
      }),
    },
    [`${operationId}/401/InvalidToken`]: {
      request: async () => ({ method: 'GET', path, headers: { Authorization: 'Bearer conformance-invalid-token' } }),
    },
    [`${operationId}/403/InsufficientScope`]: {
      requires: need('accessTokens.revoked_consent'),
      request: async (ctx) => ({ method: 'GET', path, headers: { Authorization: `Bearer ${ctx.profile.accessTokens!.revoked_consent}` } }),
    },
    // A valid token of the other userinfo API lacks this API's scope (RFC 6750 section 3.1).
    [`${operationId}/403/InsufficientScope#other-scope`]: {
      requires: need(`accessTokens.${other}`),
      request: async (ctx) => ({ method: 'GET', path, headers: { Authorization: `Bearer ${ctx.profile.accessTokens![other]}` } }),
    },
    [`${operationId}/404/ResourceNotFound`]: {
      requires: need(`accessTokens.${scope}`),
      request: async (ctx) => ({ method: 'GET', path: `${path}/conformance-no-such-resource`, headers: { Authorization: `Bearer ${token(ctx.profile)}` } }),
    },
  };
}
