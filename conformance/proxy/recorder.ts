/**
 * What the validating proxy does with each exchange once it is over, off the forwarding path (in the recording
 * thread, worker.ts): judge it on its raw values, record it in the HAR (redacted, entry by entry), and count its
 * verdict in the run's bounded `Aggregate`. Redaction runs only on what is written out: the HAR entry, and the
 * failures and exchange of a verdict the aggregate keeps.
 *
 * An exchange the judge is told not to judge (it is too far behind, or the proxy is stopping) is still recorded
 * and still feeds the flow memory; its verdict says why it was not judged.
 *
 * Entry points: `Recorder.create(options)`, `take(capture, unjudged?)` → `ExchangeVerdict`, `progress()`,
 * `finish()` → `RecorderResult`.
 */
import type { Entry } from 'har-format';
import type { Failure } from '../failures.js';
import { HarWriter, harEntryJson, recordedEntry, type HarWritten } from '../har.js';
import { Aggregate, plainExchange, type AggregateLimits, type PlainExchange, type RunCounts, type UnjudgedTally } from './aggregate.js';
import { observe, type Capture } from './capture.js';
import { ProxyRedaction, type RedactionLimits } from './redaction.js';
import { Judge, judged, unjudged, type ExchangeVerdict, type JudgeOptions } from './verdict.js';

export interface RecorderLimits {
  aggregate?: Partial<AggregateLimits>;
  redaction?: Partial<RedactionLimits>;
  /** Entries of each kind the flow memory keeps. */
  flowMemory?: number;
  /** Bytes a body may have once decoded. */
  bodyBytes: number;
}

export interface RecorderOptions extends JudgeOptions {
  /** The HAR file to write, and the comment of its log. */
  har?: { path: string; comment: string };
  limits: RecorderLimits;
  /** Called when writing the HAR fails (once). */
  onHarFailure?(message: string): void;
}

/** What the HAR file holds for sure, and what it does not. */
export interface HarOutcome {
  path: string;
  written: HarWritten;
  /** Exchanges not in the file: added after the first failed write, or in it. */
  lost: number;
  failure?: string;
}

export interface Progress {
  counts: RunCounts;
  har?: HarOutcome;
  /** What the run holds in memory: kept verdicts, flow memory entries, the redaction's secrets and numbers. */
  retained: { kept: number; flow: number; secrets: number; placeholders: number; jwts: number };
}

/** A kept verdict as plain data, to pass between threads. */
export type PlainEntry = Omit<ExchangeVerdict, 'exchanges'> & { exchanges: PlainExchange[] };

export interface RecorderResult extends Progress {
  entries: PlainEntry[];
  summary: string;
}

export class Recorder {
  private readonly judge: Judge;
  private readonly aggregate: Aggregate;
  private readonly redaction: ProxyRedaction;

  /** What the recording redacts with: the run's secrets as far as it has learned them (what is written out). */
  get redactor() {
    return this.redaction.redactor;
  }

  private constructor(private readonly options: RecorderOptions, private readonly har: HarWriter | undefined) {
    this.judge = new Judge({ ...options, ...(options.limits.flowMemory !== undefined ? { flowMemory: options.limits.flowMemory } : {}) });
    this.aggregate = new Aggregate(options.limits.aggregate);
    this.redaction = new ProxyRedaction(options.limits.redaction);
  }

  /** Opens the HAR file, when there is one; rejects with a HarWriteError when it cannot be opened. */
  static async create(options: RecorderOptions): Promise<Recorder> {
    const har = options.har ? await HarWriter.create(options.har.path, options.har.comment) : undefined;
    if (har && options.onHarFailure) har.onFailure = (error) => options.onHarFailure!(`${error.message}, after ${har.written.entries} entries (${har.written.bytes} bytes)`);
    return new Recorder(options, har);
  }

  /** Bytes waiting to be written to the HAR. */
  get backlog(): number {
    return this.har?.backlog ?? 0;
  }

  /** Resolves once the HAR has written what it was given. */
  drained(): Promise<void> {
    return this.har?.drained() ?? Promise.resolve();
  }

  /** Judges (unless told why not), records and counts one exchange. */
  take(capture: Capture, notJudged?: string): ExchangeVerdict {
    const observed = observe(capture, this.options.limits.bodyBytes);
    const input = judged(observed);
    let verdict: ExchangeVerdict;
    if (notJudged) {
      this.judge.learn(input);
      verdict = unjudged(input, capture.seq, notJudged);
    } else {
      try {
        verdict = this.judge.judge(input, capture.seq);
      } catch (error) {
        // A judge that throws is a bug of the proxy's: the exchange is still recorded, and says so.
        verdict = unjudged(input, capture.seq, `the judge failed on it (${(error as Error).message})`);
      }
    }
    // Learned from every exchange recorded or judged, so that a secret seen once is redacted wherever a later
    // record holds it.
    if (this.har || !notJudged) this.redaction.learn(observed);
    let entry: { entry: Entry; json: string } | undefined;
    const entryOf = () => (entry ??= harEntryJson(observed, this.redaction.redactor));
    if (this.har) this.har.add(entryOf().json);
    const redactor = this.redaction.redactor;
    const redact = (f: Failure): Failure => ({
      ...f, expected: redactor.value(f.expected), got: redactor.value(f.got),
      ...(f.at !== undefined ? { at: redactor.text(f.at) } : {}), ...(f.step !== undefined ? { step: redactor.text(f.step) } : {}),
    });
    this.aggregate.add(verdict, () => recordedEntry(entryOf().entry).exchange, redact);
    return verdict;
  }

  /** Counts exchanges the forwarding thread did not pass on (not judged, and no HAR to record them in). */
  tally(rows: readonly UnjudgedTally[]): void {
    this.aggregate.addUnjudged(rows);
  }

  progress(): Progress {
    const har = this.har;
    return {
      counts: this.aggregate.counts,
      ...(har ? { har: { path: har.path, written: { ...har.written }, lost: har.lost, ...(har.failure ? { failure: har.failure.message } : {}) } } : {}),
      retained: { kept: this.aggregate.counts.kept, flow: this.judge.retained, ...this.redaction.retained },
    };
  }

  /** Completes the HAR and gives the run's aggregate. */
  async finish(): Promise<RecorderResult> {
    await this.har?.close();
    const entries = this.aggregate.entries().map((e) => ({ ...(e as ExchangeVerdict), exchanges: e.exchanges.map(plainExchange) }));
    return { ...this.progress(), entries, summary: this.aggregate.summary() };
  }
}
