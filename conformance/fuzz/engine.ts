/**
 * The fuzzer: requests generated from the contract's schemas (schema.ts, request.ts), sent to a target, every
 * response checked with the operation-level checks of the conformance suite, grouped under the fuzz checks.
 * One module per phase (phases/), as Schemathesis has, each bounded by `maxExamples` per operation:
 * - positive: valid requests, which must not be refused (positive_data_acceptance);
 * - negative: the same with one constraint broken, which must be refused (negative_data_rejection);
 * - auth: valid requests with no, malformed, unknown, revoked or wrong-scope credentials (ignored_auth);
 * - stateful: sequences that follow the contract's OpenAPI links, and what is single use, expires or is revoked
 *   replayed (use_after_free).
 *
 * Generation is fast-check's, from one seed: a fixed seed gives the same requests on the same contract (requests
 * are sent one at a time, at most `rate` per second: session.ts). Each distinct failure (operation, check, and
 * what failed) is shrunk by fast-check (explore.ts), re-sending candidates (at most `shrinkBudget` requests per
 * failure), and kept with the smallest request that still fails the same way. A stop request (`signal`) ends the
 * run at the next request; what it reached is reported.
 *
 * Entry points: `runFuzz(options)` → `FuzzRun` (a Report with one entry per operation × fuzz check),
 * `FUZZ_CHECKS`, `PHASES`.
 */
import { OPERATIONS, type Operation } from '../../src/contract/operations.js';
import { createSender } from '../http.js';
import { ProfileError } from '../profile.js';
import { withRunKey } from '../sandbox-admin.js';
import { createBuilder } from './builder.js';
import { authPhase } from './phases/auth.js';
import { negativePhase } from './phases/negative.js';
import type { PhaseParts } from './phases/parts.js';
import { positivePhase } from './phases/positive.js';
import { statefulPhase } from './phases/stateful.js';
import { PLANS } from './plans.js';
import type { RequestValue } from './request.js';
import { coverage } from './schema.js';
import { FuzzSession } from './session.js';
import { StopRequested, type FuzzOptions, type FuzzRun } from './types.js';
import { verdicts } from './verdicts.js';

export { FUZZ_CHECKS, PHASES, type FuzzCheck, type FuzzEntry, type FuzzOptions, type FuzzRun, type Phase, type RequestCounts } from './types.js';

/** The positive, negative and auth phases of every selected operation whose plan the profile serves. */
async function perOperation(parts: PhaseParts, selected: readonly Operation[]): Promise<void> {
  const { session } = parts;
  for (const op of selected) {
    const missing = PLANS[op.operationId].requires?.(session.profile);
    if (missing) {
      for (const check of ['positive_data_acceptance', 'negative_data_rejection', 'ignored_auth', 'use_after_free'] as const) session.skip(op.operationId, check, missing);
      continue;
    }
    const id = op.operationId;
    const s = parts.setup(op);
    const covered = coverage(s.shape.schema, s.generate) as RequestValue[];
    const report = () => session.options.onProgress?.({ operationId: id, phase: session.phase, requests: session.requests.get(id)![session.phase] });
    for (const phase of [positivePhase, negativePhase, authPhase]) {
      await phase(parts, id, s, covered);
      report();
    }
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzRun> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const selected = OPERATIONS.filter((o) => !options.apis || options.apis.includes(o.slug));
  const sender = createSender({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 10_000, maxSockets: 1 });
  let session: FuzzSession;
  let stopped: string | undefined;
  try {
    // On the reference sandbox, a fresh Direct Match key registered for the run, as the conformance runner does.
    const profile = await withRunKey(options.profile, async (r) => (await sender.send(r)).response).catch((error: Error) => { throw new ProfileError(error.message); });
    session = new FuzzSession(options, profile, sender);
    const parts: PhaseParts = { session, ...createBuilder(session) };
    try {
      await perOperation(parts, selected);
      await statefulPhase(parts, selected);
    } catch (error) {
      if (!(error instanceof StopRequested)) throw error;
      // A signal's name (SIGINT, SIGTERM), or why the run could not go on (a quota that did not lift).
      stopped = options.signal?.aborted
        ? String(options.signal.reason instanceof Error ? options.signal.reason.message : options.signal.reason ?? 'a stop request')
        : error.message;
    }
  } finally {
    sender.close();
  }
  return {
    title: 'fuzz', target: options.targetLabel ?? options.baseUrl, profile: options.profileLabel ?? session.profile.name, startedAt, ms: Math.round(performance.now() - started),
    entries: verdicts(session, selected, stopped), redactor: session.redactor, seed: options.seed, maxExamples: options.maxExamples,
    ...(options.rate ? { rate: options.rate } : {}), shrinkBudget: options.shrinkBudget ?? 100,
    requests: session.requests, discarded: session.discarded, notes: session.notes, ...(stopped ? { stopped } : {}),
  };
}
