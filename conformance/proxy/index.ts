/**
 * The validating proxy and the offline check of its recordings, as the command line and the tests use them.
 *
 * - `startValidatingProxy(options)`: forwards to `upstream` (server.ts); records each exchange, once over, as a
 *   redacted HAR entry (../har.ts, one correlating `Redactor` for the HAR and the reports), and judges that entry
 *   (verdict.ts), calling `onVerdict` as each exchange ends. `stop()` finishes the exchanges in flight and
 *   resolves to the run: the HAR (entries in the order the exchanges started), the verdicts, and the report.
 * - `validateRecording(entries, options)`: the same verdicts and report for the entries of a HAR file.
 */
import type { Entry, Har } from 'har-format';
import { harEntry, harLog, recordedEntry, type RecordedEntry } from '../har.js';
import { Redactor, type Report } from '../report/index.js';
import { startForwarder, type ForwarderOptions } from './server.js';
import { Judge, type ExchangeVerdict, type JudgeOptions } from './verdict.js';

export { FAIL_ON, operationSummary, verdictLine, violations, type ExchangeVerdict, type FailOn } from './verdict.js';

export interface ValidatingProxyOptions extends JudgeOptions, Omit<ForwarderOptions, 'onExchange'> {
  /** Called as each exchange ends, with its verdict. */
  onVerdict?: (verdict: ExchangeVerdict) => void;
}

export interface ProxyRun {
  har: Har;
  verdicts: ExchangeVerdict[];
  report: Report<ExchangeVerdict>;
}

export interface ValidatingProxy {
  url: string;
  readonly inFlight: number;
  stop(): Promise<ProxyRun>;
}

const bySeq = <T extends { seq: number }>(a: T, b: T) => a.seq - b.seq;

export async function startValidatingProxy(options: ValidatingProxyOptions): Promise<ValidatingProxy> {
  const startedAt = new Date();
  const start = performance.now();
  const redactor = new Redactor([], { correlate: true });
  const judge = new Judge(options);
  const recorded: { seq: number; entry: Entry }[] = [];
  const verdicts: ExchangeVerdict[] = [];
  const forwarder = await startForwarder({
    ...options,
    onExchange(observed, seq) {
      redactor.learn(observed);
      const entry = harEntry(observed, redactor);
      recorded.push({ seq, entry });
      const verdict = judge.judge(recordedEntry(entry), seq);
      verdicts.push(verdict);
      options.onVerdict?.(verdict);
    },
  });
  return {
    url: forwarder.url,
    get inFlight() {
      return forwarder.inFlight;
    },
    async stop() {
      await forwarder.stop();
      const entries = recorded.sort(bySeq).map((r) => r.entry);
      const har = harLog(entries, `Recorded by the orange-identity validating proxy in front of ${options.upstream}. Secrets are redacted: REDACTED-n stands for one value, the same wherever it appears.`);
      return {
        har, verdicts: verdicts.sort(bySeq),
        report: { title: 'proxy', unit: 'exchanges', target: options.upstream, startedAt: startedAt.toISOString(), ms: Math.round(performance.now() - start), entries: verdicts, redactor },
      };
    },
  };
}

/** The verdicts and report on recorded exchanges (a HAR file's entries, in their order). */
export function validateRecording(entries: readonly RecordedEntry[], options: JudgeOptions & { target: string }): { verdicts: ExchangeVerdict[]; report: Report<ExchangeVerdict> } {
  const start = performance.now();
  const judge = new Judge(options);
  const verdicts = entries.map((entry, i) => judge.judge(entry, i + 1));
  return {
    verdicts,
    report: {
      title: 'validate', unit: 'exchanges', target: options.target, startedAt: new Date().toISOString(), ms: Math.round(performance.now() - start), entries: verdicts,
      redactor: new Redactor([], { correlate: true }),
    },
  };
}
