/** Triggers of Match ID France. */
import schema from '../../generated/match-id-fr/schemas/CheckIdUserInfo.json' with { type: 'json' };
import { userInfoTriggers } from './userinfo.js';

export const triggers = userInfoTriggers({
  operationId: 'getCheckIdUserInfo', path: '/checkid/fr/v1/userinfo', scope: 'check_id',
  claimsExample: 'CheckIdClaims', grantedClaims: Object.keys(schema.properties),
});
