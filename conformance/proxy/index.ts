/**
 * The validating proxy and the offline check of its recordings, as the command line and the tests use them.
 *
 * - `startValidatingProxy(options)`: forwards to `upstream` (server.ts) on the main thread; each exchange, once
 *   over, goes to the recording thread (worker.ts), which judges it on its raw values (verdict.ts), records it as
 *   a redacted HAR entry (../har.ts) and counts its verdict in the run's bounded aggregate (aggregate.ts).
 *   Forwarding never waits for judging: a judge that falls behind skips exchanges and counts them (they are still
 *   recorded); only a recording that cannot keep up holds new requests, so that no HAR entry is ever lost and
 *   nothing grows without bound. `onVerdict` and `onLine` get each verdict (or its line) as it is judged;
 *   `progress()` says how far the run is; `stop()` stops within about two seconds whatever the run length
 *   (exchanges in flight get `STOP_GRACE_MS`), completes the HAR and resolves to the run: the aggregate report,
 *   the summary table, the counts, what the HAR holds.
 * - `validateHar(file, options)`: the same verdicts, aggregate and report for the entries of a HAR file, read as
 *   it streams; a file cut short (a crash, SIGKILL) is judged up to the cut, and says where the cut is.
 *
 * Limits (`PROXY_LIMITS`, each an option): the forwarder's (header and request timeouts, body size, upstream
 * idle and answer times), how far behind the judge may be (`judgeBacklog`, 500 exchanges) and the recording
 * (`backlog`, 2,000 exchanges or 32 MiB of bodies: draining that at stop stays well within the stop budget), and what the run keeps (aggregate.ts, redaction.ts, the flow
 * memory).
 */
import { Worker } from 'node:worker_threads';
import { HarWriter, readHarFile, type HarCut, type HarWriteError } from '../har.js';
import { Redactor, type Report, type ReportEntry } from '../report/index.js';
import { matchOperation } from '../../src/contract/operations.js';
import { Aggregate, exchangeOf, type AggregateLimits, type RunCounts, type UnjudgedTally } from './aggregate.js';
import type { Capture } from './capture.js';
import type { HarOutcome, Progress, RecorderResult } from './recorder.js';
import { PROXY_LIMITS, type ProxyLimits } from './limits.js';
import { startForwarder, type ForwarderOptions } from './server.js';
import { Judge, recorded, type ExchangeVerdict, type JudgeOptions } from './verdict.js';
import { COUNTER, COUNTERS, type FromWorker, type ToWorker, type WorkerData } from './thread.js';

export { AGGREGATE_LIMITS, type RunCounts } from './aggregate.js';
export { FAIL_ON, FORWARDER_LIMITS, PROXY_LIMITS, type FailOn, type ForwarderLimits, type ProxyLimits } from './limits.js';
export { REDACTION_LIMITS } from './redaction.js';
export { verdictLine, type ExchangeVerdict } from './verdict.js';
export type { HarOutcome } from './recorder.js';


/** How long exchanges wait to go to the recording thread together. */
const BATCH_MS = 5;

/** How long `stop()` lets the exchanges in flight finish, and how long from the stop request the judge goes on
 *  judging what is left (then it records only, and says so): within the 2 s a stop may take. */
export const STOP_GRACE_MS = 1000;
const STOP_JUDGE_MS = 1200;

export interface ValidatingProxyOptions extends JudgeOptions, Omit<ForwarderOptions, 'onExchange' | 'hold' | 'limits'> {
  /** A HAR file to write as the exchanges end (complete once `stop()` resolves). */
  har?: string;
  limits?: Partial<ProxyLimits>;
  /** Each verdict as it is judged (in the order the exchanges ended), or its line (`verdictLine`). */
  onVerdict?: (verdict: ExchangeVerdict) => void;
  onLine?: (line: string) => void;
  /** Called once, when writing the HAR fails. */
  onHarFailure?: (message: string) => void;
}

export interface ProxyProgress extends Progress {
  /** Exchanges over (forwarded, or answered by the proxy), judged or not yet. */
  exchanges: number;
  inFlight: number;
  /** Connections closed because their request did not come in time. */
  timedOut: number;
}

export interface ProxyRun {
  report: Report;
  /** The table per operation and per check (`Aggregate.summary`). */
  summary: string;
  counts: RunCounts;
  har?: HarOutcome;
  retained: Progress['retained'];
  timedOut: number;
}

export interface ValidatingProxy {
  url: string;
  readonly inFlight: number;
  progress(): ProxyProgress;
  stop(): Promise<ProxyRun>;
}

/** A HAR file the proxy cannot open. */
export class HarOpenError extends Error {
  override readonly name = 'HarOpenError';
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

const HAR_COMMENT = (upstream: string) => `Recorded by the orange-identity validating proxy in front of ${upstream}, in the order the exchanges ended, one entry per line. Secrets are redacted: REDACTED-n stands for one value, the same wherever it appears.`;

/** The recording thread: from dist's worker.js, or from the TypeScript sources through tsx in a clone. */
function recordingThread(data: WorkerData): Worker {
  if (import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker-tsx.mjs', import.meta.url), { workerData: { ...data, entry: new URL('./worker.ts', import.meta.url).href } });
  return new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
}

/** The suite, group and verdict name of an exchange the forwarding thread counts without judging it. */
function unjudgedName(capture: Capture, origin: string): { suite: string; group: string; name: string } {
  const rest = capture.url.slice(origin.length);
  const query = rest.indexOf('?');
  const path = query < 0 ? rest : rest.slice(0, query);
  const match = matchOperation(capture.method, path);
  return {
    suite: match.kind === 'operation' ? match.operation.slug : match.kind === 'unmatched' ? 'unmatched' : match.slug,
    group: match.kind === 'operation' ? match.operation.operationId : 'unmatched',
    name: `#${capture.seq} ${capture.method} ${path}`,
  };
}

const kept = (result: RecorderResult): ReportEntry[] => result.entries.map((e) => ({ ...e, exchanges: e.exchanges.map(exchangeOf) }));

export async function startValidatingProxy(options: ValidatingProxyOptions): Promise<ValidatingProxy> {
  // A HAR that cannot be opened fails here, before any thread or socket (the recording thread opens it again).
  if (options.har) await HarWriter.create(options.har).then((w) => w.close(), (error: HarWriteError) => { throw new HarOpenError(error.message, error.code); });
  const startedAt = new Date();
  const start = performance.now();
  const limits = { ...PROXY_LIMITS, ...options.limits };
  const upstreamOrigin = new URL(options.upstream).origin;
  const shared = new SharedArrayBuffer(COUNTERS * 4);
  const counters = new Int32Array(shared);
  const stopDeadline = new SharedArrayBuffer(8);
  const worker = recordingThread({
    options: {
      ...(options.failOn ? { failOn: options.failOn } : {}), ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.har ? { har: { path: options.har, comment: HAR_COMMENT(options.upstream) } } : {}),
      limits: { bodyBytes: limits.bodyBytes, ...(limits.aggregate ? { aggregate: limits.aggregate } : {}), ...(limits.redaction ? { redaction: limits.redaction } : {}), ...(limits.flowMemory !== undefined ? { flowMemory: limits.flowMemory } : {}) },
    },
    shared, stopDeadline, verdicts: Boolean(options.onVerdict), lines: Boolean(options.onLine),
    judgeBacklog: limits.judgeBacklog, resumeBelow: Math.max(1, Math.floor(limits.backlog / 2)),
  });
  let latest: Progress = { counts: { exchanges: 0, ok: 0, violations: 0, skipped: 0, noted: 0, unjudged: 0, kept: 0, dropped: 0 }, retained: { kept: 0, flow: 0, secrets: 0, placeholders: 0, jwts: 0 } };
  let resume: (() => void) | undefined;
  let held: Promise<void> | undefined;
  let finished!: (result: RecorderResult) => void;
  let broken!: (error: Error) => void;
  const result = new Promise<RecorderResult>((resolve, reject) => { finished = resolve; broken = reject; });
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'failed') reject(new HarOpenError(message.message, message.code));
      else if (message.type === 'verdicts') for (const v of message.list) options.onVerdict?.(v);
      else if (message.type === 'lines') for (const line of message.list) options.onLine?.(line);
      else if (message.type === 'progress') latest = message.progress;
      else if (message.type === 'harFailure') options.onHarFailure?.(message.message);
      else if (message.type === 'resume') { held = undefined; resume?.(); }
      else if (message.type === 'finished') finished(message.result);
    });
    worker.once('error', (error) => { reject(error); broken(error); });
    worker.once('exit', () => broken(new Error('the recording thread ended before the run')));
  });
  void result.catch(() => undefined);

  let over = 0;
  let posted = 0;
  let postedBytes = 0;
  let batch: Capture[] = [];
  let tallies = new Map<string, UnjudgedTally>();
  let flushing: NodeJS.Timeout | undefined;
  /** Batches go to the recording thread every BATCH_MS at most: one wake-up of it per batch, not per exchange. */
  const later = () => { flushing ??= setTimeout(flush, BATCH_MS); };
  const flush = () => {
    clearTimeout(flushing);
    flushing = undefined;
    if (batch.length) worker.postMessage({ type: 'exchanges', list: batch } satisfies ToWorker);
    if (tallies.size) worker.postMessage({ type: 'tally', rows: [...tallies.values()] } satisfies ToWorker);
    batch = [];
    tallies = new Map();
  };
  const why = `the judge was more than ${limits.judgeBacklog} exchanges behind`;
  const tally = (capture: Capture) => {
    const { suite, group, name } = unjudgedName(capture, upstreamOrigin);
    const ms = Math.round(capture.timings.send + capture.timings.wait + capture.timings.receive);
    const row = tallies.get(group) ?? tallies.set(group, { suite, group, why, count: 0, ms: 0, first: name }).get(group)!;
    row.count++;
    row.ms += ms;
    later();
  };
  const backlog = () => ({ count: (posted - Atomics.load(counters, COUNTER.taken)) | 0, kib: (Math.ceil(postedBytes / 1024) - Atomics.load(counters, COUNTER.takenKiB)) | 0 });
  const forwarderStarting = startForwarder({
    ...options,
    limits,
    onExchange(capture) {
      over++;
      // Without a HAR to record it in, an exchange the judge is too far behind to judge is only counted, here.
      // (The backlog counts this exchange, as the judge's does: a judgeBacklog of 0 judges nothing.)
      if (!options.har && backlog().count + 1 > limits.judgeBacklog) return tally(capture);
      posted++;
      postedBytes += capture.requestBody.length + (capture.responseBody?.length ?? 0);
      Atomics.store(counters, COUNTER.posted, posted);
      later();
      batch.push(capture);
    },
    hold() {
      const b = backlog();
      if (b.count < limits.backlog && b.kib < limits.backlogKiB) return undefined;
      Atomics.store(counters, COUNTER.waiting, 1);
      return (held ??= new Promise<void>((resolve) => { resume = resolve; }));
    },
  });
  const [started, forwarder] = await Promise.allSettled([ready, forwarderStarting]);
  if (started.status === 'rejected' || forwarder.status === 'rejected') {
    if (forwarder.status === 'fulfilled') await forwarder.value.stop(0);
    await worker.terminate();
    throw started.status === 'rejected' ? started.reason : (forwarder as PromiseRejectedResult).reason;
  }
  const running = forwarder.value;

  return {
    url: running.url,
    get inFlight() {
      return running.inFlight;
    },
    progress: () => ({ ...latest, exchanges: over, inFlight: running.inFlight, timedOut: running.timedOut }),
    async stop() {
      Atomics.store(new BigInt64Array(stopDeadline), 0, BigInt(Date.now() + STOP_JUDGE_MS));
      await running.stop(STOP_GRACE_MS);
      flush();
      worker.postMessage({ type: 'finish' } satisfies ToWorker);
      const run = await result;
      await worker.terminate();
      return {
        report: { title: 'proxy', unit: 'exchanges', target: options.upstream, startedAt: startedAt.toISOString(), ms: Math.round(performance.now() - start), entries: kept(run), redactor: new Redactor([], { correlate: true }) },
        summary: run.summary, counts: run.counts, ...(run.har ? { har: run.har } : {}), retained: run.retained, timedOut: running.timedOut,
      };
    },
  };
}

export interface HarValidation {
  report: Report;
  summary: string;
  counts: RunCounts;
  /** Where the file was cut, when it was. */
  cut?: HarCut;
}

/** The verdicts, aggregate and report of the entries of a HAR file (see `readHarFile`); HarError when it is none. */
export async function validateHar(file: string, options: JudgeOptions & { aggregate?: Partial<AggregateLimits>; onVerdict?: (v: ExchangeVerdict) => void } = {}): Promise<HarValidation> {
  const startedAt = new Date();
  const start = performance.now();
  const judge = new Judge(options);
  const aggregate = new Aggregate(options.aggregate);
  const read = await readHarFile(file, (entry, i) => {
    const verdict = judge.judge(recorded(entry), i + 1);
    options.onVerdict?.(verdict);
    aggregate.add(verdict, () => entry.exchange);
  });
  const target = read.cut ? `${file} (cut after ${read.cut.entries} entries, at byte ${read.cut.endsAt})` : file;
  return {
    report: { title: 'validate', unit: 'exchanges', target, startedAt: startedAt.toISOString(), ms: Math.round(performance.now() - start), entries: aggregate.entries(), redactor: new Redactor([], { correlate: true }) },
    summary: aggregate.summary(), counts: aggregate.counts, ...(read.cut ? { cut: read.cut } : {}),
  };
}
