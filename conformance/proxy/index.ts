/**
 * The validating proxy and the offline check of its recordings, as the command line and the tests use them.
 *
 * - `startValidatingProxy(options)`: forwards to `upstream` (server.ts); records each exchange, once over, as a
 *   redacted HAR entry (../har.ts, one correlating `Redactor` for the HAR and the reports), and judges that entry
 *   (verdict.ts), calling `onVerdict` as each exchange ends. Exchanges are numbered, recorded and judged in the
 *   order they end, so that `validate` on the HAR meets them in the same order. With `har`, entries go to that
 *   file as they come; otherwise they are kept and returned. `stop()` finishes the exchanges in flight and
 *   resolves to the run: the verdicts, the report, and the HAR (when kept).
 * - `validateRecording(entries, options)`: the same verdicts and report for the entries of a HAR file.
 *
 * A verdict keeps its exchange when it failed, noted a finding or was skipped; a passed exchange is in the HAR,
 * not held twice, so that a long run's memory stays small.
 */
import type { Entry, Har } from 'har-format';
import { HarFile, harEntry, harLog, recordedEntry, type RecordedEntry } from '../har.js';
import { Redactor, type Report } from '../report/index.js';
import { startForwarder, type ForwarderOptions } from './server.js';
import { Judge, type ExchangeVerdict, type JudgeOptions } from './verdict.js';

export { FAIL_ON, operationSummary, verdictLine, violations, type ExchangeVerdict, type FailOn } from './verdict.js';

export interface ValidatingProxyOptions extends JudgeOptions, Omit<ForwarderOptions, 'onExchange'> {
  /** A HAR file to write as the exchanges end; without it, the HAR is kept and returned by `stop()`. */
  har?: string;
  /** Called as each exchange ends, with its verdict. */
  onVerdict?: (verdict: ExchangeVerdict) => void;
}

export interface ProxyRun {
  /** The HAR, when no file was asked for. */
  har?: Har;
  verdicts: ExchangeVerdict[];
  report: Report<ExchangeVerdict>;
}

export interface ValidatingProxy {
  url: string;
  readonly inFlight: number;
  stop(): Promise<ProxyRun>;
}

const HAR_COMMENT = (upstream: string) => `Recorded by the orange-identity validating proxy in front of ${upstream}, in the order the exchanges ended. Secrets are redacted: REDACTED-n stands for one value, the same wherever it appears.`;

/** A verdict as kept for the reports: a passed exchange without findings drops its exchange (the HAR has it). */
const kept = (v: ExchangeVerdict): ExchangeVerdict => (v.outcome === 'passed' && !v.notes?.length ? { ...v, exchanges: [] } : v);

export async function startValidatingProxy(options: ValidatingProxyOptions): Promise<ValidatingProxy> {
  const startedAt = new Date();
  const start = performance.now();
  let file: HarFile | undefined;
  const redactor = new Redactor([], { correlate: true });
  const judge = new Judge(options);
  const entries: Entry[] = [];
  const verdicts: ExchangeVerdict[] = [];
  const forwarder = await startForwarder({
    ...options,
    onExchange(observed) {
      redactor.learn(observed);
      const entry = harEntry(observed, redactor);
      if (file) file.add(entry);
      else entries.push(entry);
      const verdict = judge.judge(recordedEntry(entry), verdicts.length + 1);
      verdicts.push(kept(verdict));
      options.onVerdict?.(verdict);
    },
  });
  if (options.har) {
    file = new HarFile(options.har, HAR_COMMENT(options.upstream));
    await file.ready().catch(async (error: unknown) => {
      await forwarder.stop();
      throw error;
    });
  }
  return {
    url: forwarder.url,
    get inFlight() {
      return forwarder.inFlight;
    },
    async stop() {
      await forwarder.stop();
      await file?.close();
      return {
        ...(file ? {} : { har: harLog(entries, HAR_COMMENT(options.upstream)) }),
        verdicts,
        report: { title: 'proxy', unit: 'exchanges', target: options.upstream, startedAt: startedAt.toISOString(), ms: Math.round(performance.now() - start), entries: verdicts, redactor },
      };
    },
  };
}

/** The verdicts and report on recorded exchanges (a HAR file's entries, in their order). */
export function validateRecording(entries: readonly RecordedEntry[], options: JudgeOptions & { target: string }): { verdicts: ExchangeVerdict[]; report: Report<ExchangeVerdict> } {
  const start = performance.now();
  const judge = new Judge(options);
  const verdicts = entries.map((entry, i) => kept(judge.judge(entry, i + 1)));
  return {
    verdicts,
    report: {
      title: 'validate', unit: 'exchanges', target: options.target, startedAt: new Date().toISOString(), ms: Math.round(performance.now() - start), entries: verdicts,
      redactor: new Redactor([], { correlate: true }),
    },
  };
}
