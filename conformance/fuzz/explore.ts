/**
 * Runs one phase of one operation through fast-check: every example is sent and judged; the first failure not
 * seen before stops the run, fast-check shrinks it (each candidate sent, kept when it fails the same way, at most
 * `shrinkBudget` requests), and the run starts again after it, skipping (without sending) the examples already
 * judged. A failure first met on a coverage value (which has no generation context to shrink from) is kept as
 * found, and the first generated example that fails the same way is shrunk instead.
 *
 * Entry point: `explore(session, op, arbitrary, examples, attempt)`.
 */
import fc from 'fast-check';
import type { OperationId } from '../../src/contract/operations.js';
import type { RecordedExchange } from '../report/index.js';
import type { FuzzSession } from './session.js';
import { StepError, type Found, type Outcome } from './types.js';

/** Shrinking requests for a failure that is no response at all (each candidate may wait for the timeout). */
const NO_RESPONSE_SHRINKS = 5;

export type Attempt<T> = (value: T, label: string) => Promise<Outcome>;

/** The state of one pass of fast-check over the examples: what it met, what it shrinks. */
interface Pass {
  index: number;
  current?: string;
  failIndex: number;
  spent: number;
  best?: { found: Found; exchange: RecordedExchange };
  error?: unknown;
}

export async function explore<T>(session: FuzzSession, op: OperationId, arb: fc.Arbitrary<T>, examples: T[], attempt: Attempt<T>): Promise<void> {
  const { seed, maxExamples } = session.options;
  const shrinkBudget = session.options.shrinkBudget ?? 100;
  const judged = new Map<string, number>();
  const firsts = examples.slice(0, maxExamples);
  let resumeAfter = -1;

  /** The first time a value is met: sent and judged; false when it fails in a way not seen before (to shrink). */
  const first = async (pass: Pass, value: T): Promise<boolean> => {
    pass.index++;
    const id = JSON.stringify(value);
    const seen = judged.get(id);
    if (pass.index <= resumeAfter || (seen !== undefined && seen < pass.index)) return true;
    judged.set(id, pass.index);
    const outcome = await attempt(value, `${session.phase} example ${pass.index + 1}`);
    if (outcome.discarded) {
      session.discarded.set(op, (session.discarded.get(op) ?? 0) + 1);
      return true;
    }
    if (pass.index < firsts.length) return true;
    const fresh = outcome.found.find((f) => !session.known.has(f.key));
    if (!fresh) return true;
    pass.current = fresh.key;
    pass.failIndex = pass.index;
    pass.best = { found: fresh, exchange: outcome.exchange! };
    session.shrinking = true;
    return false;
  };

  /** A shrinking candidate: false (kept) when it fails the same way. */
  const candidate = async (pass: Pass, value: T): Promise<boolean> => {
    // A request that got no response may have waited for the whole timeout: a few candidates only.
    if (pass.spent >= (pass.current!.endsWith('|no response') ? Math.min(shrinkBudget, NO_RESPONSE_SHRINKS) : shrinkBudget)) return true;
    pass.spent++;
    const outcome = await attempt(value, `${session.phase} example ${pass.failIndex + 1}, shrunk`);
    const same = outcome.found.find((f) => f.key === pass.current);
    if (!same) return true;
    pass.best = { found: same, exchange: outcome.exchange! };
    return false;
  };

  for (;;) {
    const pass: Pass = { index: -1, failIndex: -1, spent: 0 };
    const details = await fc.check(fc.asyncProperty(arb, async (value) => {
      try {
        return pass.current === undefined ? await first(pass, value) : await candidate(pass, value);
      } catch (e) {
        if (e instanceof StepError) return true;
        pass.error ??= e;
        return true;
      }
    }), { seed, numRuns: maxExamples, examples: firsts.map((e) => [e] as [T]) });
    session.shrinking = false;
    if (pass.error) throw pass.error;
    if (!details.failed) return;
    if (pass.current === undefined) throw details.errorInstance ?? new Error(`fast-check failed on ${op}`);
    session.known.add(pass.current);
    const { found, exchange } = pass.best!;
    session.keep(found, { ...exchange, label: `${exchange.label}${pass.spent ? ` (${pass.spent} shrinking requests)` : ''}` }, true);
    resumeAfter = pass.failIndex - 1;
  }
}
