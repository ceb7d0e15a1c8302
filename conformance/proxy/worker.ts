/**
 * The validating proxy's recording thread (node:worker_threads): it takes the exchanges the forwarder captured,
 * in batches, and runs each through the `Recorder` (judge, HAR, aggregate), so that forwarding never waits for
 * judging or recording and gets a core of its own.
 *
 * Back-pressure without loss: the main thread counts the exchanges it posted and this thread those it took, in
 * shared memory (thread.ts). The judge skips (and counts, with why) the exchanges it is more than
 * `judgeBacklog` behind on, and those it meets once the proxy is stopping and its stop budget is spent; every
 * exchange is still recorded. When the main thread holds requests because the backlog is too long, this thread
 * tells it when to let them go (`resume`). A HAR whose writes fall behind makes this thread wait for them, which
 * the backlog then carries to the forwarder.
 *
 * Messages in: `{ type: 'exchanges', list }`, `{ type: 'finish' }`. Out: `ready` or `failed` (the HAR cannot be
 * opened), `verdicts`, `lines`, `progress`, `harFailure`, `resume`, `finished` (the result).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Capture } from './capture.js';
import { Recorder } from './recorder.js';
import { COUNTER, type FromWorker, type ToWorker, type WorkerData } from './thread.js';
import { terminalText } from '../report/terminal.js';
import { verdictLine, type ExchangeVerdict } from './verdict.js';

/** Bytes a HAR may have waiting before this thread waits for its writes. */
const HAR_BACKLOG = 8 * 1024 * 1024;
const PROGRESS_MS = 200;
const WORKER_NICE = 10;

/**
 * While it judges, this thread runs below the forwarding thread (on Linux a thread has its own nice value): it
 * takes the CPU the forwarding leaves, and under a saturating load it is the judge that falls behind (and says
 * so), not forwarding. Once behind (recording only) or stopping, it runs at the forwarder's priority: the
 * recording must keep up, or forwarding would wait for it. Where the system refuses a change, it stays as it is.
 */
let nice: number | undefined;
function priority(wanted: number): void {
  if (nice === wanted) return;
  nice = wanted;
  try {
    setPriority(0, wanted);
  } catch { /* not allowed here */ }
}
priority(WORKER_NICE);

const data = workerData as WorkerData;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const counters = new Int32Array(data.shared);

const recorder = await Recorder.create({ ...data.options, onHarFailure: (message) => post({ type: 'harFailure', message }) }).catch((error: Error & { code?: string }) => {
  post({ type: 'failed', message: error.message, ...(error.code ? { code: error.code } : {}) });
  return undefined;
});
if (recorder) post({ type: 'ready' });
else port.close();

let taken = 0;
let takenBytes = 0;
const deadline = new BigInt64Array(data.stopDeadline);
let lastProgress = 0;

/** Why this exchange is not judged, if it is not. */
function notJudged(): string | undefined {
  const until = Number(Atomics.load(deadline, 0));
  const behind = (Atomics.load(counters, COUNTER.posted) - taken) | 0;
  // Up once it records only, down once well within the judge's backlog again.
  if (until || behind > data.judgeBacklog) priority(0);
  else if (behind < data.judgeBacklog / 2) priority(WORKER_NICE);
  if (until && Date.now() > until) return 'the proxy was stopping';
  if (behind > data.judgeBacklog) return `the judge was more than ${data.judgeBacklog} exchanges behind`;
  // While the forwarder holds requests for the recording to catch up, the judge gives way to it.
  return Atomics.load(counters, COUNTER.waiting) ? 'the judge gave way to the recording, which held requests back' : undefined;
}

async function takeAll(list: Capture[]): Promise<void> {
  const verdicts: ExchangeVerdict[] = [];
  const lines: string[] = [];
  for (const capture of list) {
    const verdict = recorder!.take(capture, notJudged());
    taken++;
    takenBytes += capture.requestBody.length + (capture.responseBody?.length ?? 0);
    Atomics.store(counters, COUNTER.taken, taken);
    Atomics.store(counters, COUNTER.takenKiB, Math.ceil(takenBytes / 1024));
    if (data.verdicts) verdicts.push(verdict);
    // A line for a terminal: redacted with what the run has learned, a target's control characters made visible.
    if (data.lines) lines.push(terminalText(verdictLine(verdict), recorder!.redactor));
  }
  if (verdicts.length) post({ type: 'verdicts', list: verdicts });
  if (lines.length) post({ type: 'lines', list: lines });
  if (recorder!.backlog > HAR_BACKLOG) await recorder!.drained();
  const behind = (Atomics.load(counters, COUNTER.posted) - taken) | 0;
  if (Atomics.load(counters, COUNTER.waiting) && behind < data.resumeBelow) {
    Atomics.store(counters, COUNTER.waiting, 0);
    post({ type: 'resume' });
  }
  progress();
}

/** Says how far the run is, at most every PROGRESS_MS, and once more after the last batch of a burst. */
let trailing: NodeJS.Timeout | undefined;
function progress(): void {
  if (performance.now() - lastProgress >= PROGRESS_MS) {
    lastProgress = performance.now();
    post({ type: 'progress', progress: recorder!.progress() });
  } else {
    trailing ??= setTimeout(() => {
      trailing = undefined;
      progress();
    }, PROGRESS_MS);
  }
}

// One message at a time, in order, each awaited (a message handler alone would let them overlap).
const queue: ToWorker[] = [];
let running = false;
async function run(): Promise<void> {
  running = true;
  while (queue.length) {
    const message = queue.shift()!;
    if (message.type === 'exchanges') await takeAll(message.list);
    else if (message.type === 'tally') recorder!.tally(message.rows);
    else {
      clearTimeout(trailing);
      post({ type: 'finished', result: await recorder!.finish() });
      port.close();
      return;
    }
  }
  running = false;
}
if (recorder) port.on('message', (message: ToWorker) => {
  queue.push(message);
  if (!running) void run();
});
