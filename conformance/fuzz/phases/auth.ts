/**
 * The auth phase: valid requests with no, malformed, unknown, revoked or wrong-scope credentials (the plan's
 * variants; for the JWT bearer grant, assertions without a signature, signed with another key, expired...). Each
 * must be refused (ignored_auth).
 */
import fc from 'fast-check';
import type { OperationId } from '../../../src/contract/operations.js';
import type { Setup } from '../builder.js';
import { explore } from '../explore.js';
import type { RequestValue } from '../request.js';
import type { PhaseParts } from './parts.js';

export async function authPhase({ session, ctx, build }: PhaseParts, op: OperationId, s: Setup, covered: RequestValue[]): Promise<void> {
  session.phase = 'auth';
  const variants = s.plan.auth?.(ctx) ?? [];
  if (!variants.length) return session.skip(op, 'ignored_auth', 'the operation takes no credentials');
  const firsts = variants.map((_, i) => [covered[0]!, i] as [RequestValue, number]);
  await explore(session, op, fc.tuple(s.arbitrary, fc.integer({ min: 0, max: variants.length - 1 })), firsts, async ([value, i], label) => {
    const variant = variants[i]!;
    return session.sendAndJudge(op, await build(s, value, { variant }), { kind: 'refuse', check: 'ignored_auth', what: `a request with ${variant.name}` }, label);
  });
}
