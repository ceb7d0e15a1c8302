/** Triggers of Match ID France. */
import schema from '../../generated/match-id-fr/schemas/CheckIdUserInfo.json' with { type: 'json' };
import { userInfoTriggers } from './userinfo.js';

export const triggers = userInfoTriggers({
  operationId: 'getCheckIdUserInfo', scope: 'check_id',
  claimsExample: 'CheckIdClaims', grantedClaims: Object.keys(schema.properties),
});
