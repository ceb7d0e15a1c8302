/** What every phase of the fuzzer works with: the run's session and its request builder. */
import type { createBuilder } from '../builder.js';
import type { FuzzSession } from '../session.js';

export interface PhaseParts extends ReturnType<typeof createBuilder> {
  session: FuzzSession;
}
