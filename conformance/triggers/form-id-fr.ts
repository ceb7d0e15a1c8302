/** Triggers of Form ID France. */
import schema from '../../generated/form-id-fr/schemas/FormFillingUserInfo.json' with { type: 'json' };
import { userInfoTriggers } from './userinfo.js';

export const triggers = userInfoTriggers({
  operationId: 'getFormFillingUserInfo', scope: 'form_filling',
  claimsExample: 'FormFillingClaims', grantedClaims: Object.keys(schema.properties),
});
