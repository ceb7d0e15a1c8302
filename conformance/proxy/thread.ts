/**
 * What the main thread (index.ts) and the recording thread (worker.ts) of the validating proxy share: the
 * slots of their shared counters, the thread's start data, and the messages each way.
 */
import type { UnjudgedTally } from './aggregate.js';
import type { Capture } from './capture.js';
import type { Progress, RecorderOptions, RecorderResult } from './recorder.js';
import type { ExchangeVerdict } from './verdict.js';

/** Slots of the shared counters. */
export const COUNTER = { posted: 0, taken: 1, postedKiB: 2, takenKiB: 3, waiting: 4 } as const;
export const COUNTERS = 5;

export interface WorkerData {
  options: Omit<RecorderOptions, 'onHarFailure'>;
  shared: SharedArrayBuffer;
  /** One BigInt64 slot: the time (epoch milliseconds) after which the judge judges no more, once the proxy is
   *  stopping (0 until then). */
  stopDeadline: SharedArrayBuffer;
  /** Send each verdict back, and/or its line. */
  verdicts: boolean;
  lines: boolean;
  /** The judge skips exchanges when this many are waiting. */
  judgeBacklog: number;
  /** Below this many waiting, held requests go on. */
  resumeBelow: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'verdicts'; list: ExchangeVerdict[] }
  | { type: 'lines'; list: string[] }
  | { type: 'progress'; progress: Progress }
  | { type: 'harFailure'; message: string }
  | { type: 'resume' }
  | { type: 'finished'; result: RecorderResult };

export type ToWorker = { type: 'exchanges'; list: Capture[] } | { type: 'tally'; rows: UnjudgedTally[] } | { type: 'finish' };

