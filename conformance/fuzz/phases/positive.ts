/**
 * The positive phase: valid requests (the coverage values first: minimal, maximal, one very long string, each
 * enum member; then generated ones), with the members that name the target's state taken from the profile. Each
 * must be accepted (positive_data_acceptance). A value the request checks see as invalid is not sent.
 */
import type { OperationId } from '../../../src/contract/operations.js';
import { wireRequest } from '../../http.js';
import { checkRequest } from '../../operation-checks.js';
import type { Setup } from '../builder.js';
import { explore } from '../explore.js';
import type { RequestValue } from '../request.js';
import type { PhaseParts } from './parts.js';

export async function positivePhase({ session, build }: PhaseParts, op: OperationId, s: Setup, covered: RequestValue[]): Promise<void> {
  session.phase = 'positive';
  await explore(session, op, s.arbitrary, covered, async (value, label) => {
    const request = await build(s, value);
    if (checkRequest(wireRequest(session.options.baseUrl, request)).failures.length) return { found: [], discarded: true };
    return session.sendAndJudge(op, request, { kind: 'accept' }, label);
  });
}
