/** Every API's triggers, by slug. */
import type { ApiSlug } from '../../generated/apis.js';
import type { TriggerTable } from '../types.js';
import { triggers as authenticationFr } from './authentication-fr.js';
import { triggers as directMatchIdFr } from './direct-match-id-fr.js';
import { triggers as formIdFr } from './form-id-fr.js';
import { triggers as idMatchEs } from './id-match-es.js';
import { triggers as matchIdFr } from './match-id-fr.js';

export const TRIGGERS: Record<ApiSlug, TriggerTable> = {
  'authentication-fr': authenticationFr,
  'form-id-fr': formIdFr,
  'match-id-fr': matchIdFr,
  'id-match-es': idMatchEs,
  'direct-match-id-fr': directMatchIdFr,
};
