/**
 * The report model any run fills (the conformance suite, the fuzzer, the validating proxy): entries grouped by
 * suite (an API slug), each named (a case id, an exchange), with its outcome, the reason of a skip, its failures,
 * the findings it notes without counting them, its time and its exchanges. A report carries its `Redactor`; writers call `redactReport` first,
 * so that every value is redacted before it is formatted, truncated or escaped.
 *
 * An entry may stand for many cases or exchanges alike (`count`): the tallies count them.
 *
 * Entry points: `Report`, `ReportEntry`, `Outcome`, `tallyBySuite(entries)`, `totals(entries)`,
 * `redactReport(report)` → `RedactedReport`, `show(value)`. A redacted response names the content coding its body
 * was decoded from (`contentCoding`); an entry lists the waits before retries (`retries`), never counted.
 */
import { CHECKS, type CheckName, type Failure } from '../failures.js';
import type { RetryWait } from '../pacing.js';
import type { RecordedExchange, RedactedExchange, Redactor } from './redact.js';

export type { RetryWait } from '../pacing.js';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface ReportEntry {
  /** The group the entry belongs to, usually an API slug. */
  suite: string;
  /** Unique within the report: a case id, an exchange (`#12 POST /path`). */
  name: string;
  /** A finer group within the suite (an operationId): the JUnit classname. */
  group?: string;
  outcome: Outcome;
  /** Why the entry was skipped. */
  reason?: string;
  /** The id of the failed precondition this entry was skipped for (its reason says `blocked by <id>`). */
  blockedBy?: string;
  failures: Failure[];
  /** Findings that do not count toward the outcome, shown apart (the validating proxy's request findings when
   *  only responses are judged). */
  notes?: Failure[];
  ms: number;
  /** What was sent and received, steps first, the entry's own request last. */
  exchanges: RecordedExchange[];
  /** Answers that said "later" (429, 503) and were waited out before a retry: noted, never a verdict. */
  retries?: RetryWait[];
  /** How many cases or exchanges the entry stands for (1 when absent): an aggregate report (the validating
   *  proxy's) has one entry for many exchanges alike, and the tallies count them. */
  count?: number;
}

export interface Report<E extends ReportEntry = ReportEntry> {
  /** What ran: `conformance`, `fuzz`, `proxy`. */
  title: string;
  /** The base URL checked. */
  target: string;
  /** What an entry is, in the text report's counts: `cases` by default, `exchanges`. */
  unit?: string;
  profile?: string;
  /** ISO 8601. */
  startedAt: string;
  ms: number;
  entries: E[];
  /** Knows the profile's secrets and every token the run saw. */
  redactor: Redactor;
}

export interface Tally { passed: number; failed: number; skipped: number; total: number }

const count = (t: Tally, e: ReportEntry) => {
  const n = e.count ?? 1;
  t[e.outcome] += n;
  t.total += n;
};

/** The tallies of the entries (each counted `count` times). */
export function totals(entries: readonly ReportEntry[]): Tally {
  const t: Tally = { passed: 0, failed: 0, skipped: 0, total: 0 };
  for (const e of entries) count(t, e);
  return t;
}

/** Tallies per suite, in the order suites first appear. */
export function tallyBySuite(entries: readonly ReportEntry[]): Map<string, Tally> {
  const suites = new Map<string, Tally>();
  for (const e of entries) count(suites.get(e.suite) ?? suites.set(e.suite, { passed: 0, failed: 0, skipped: 0, total: 0 }).get(e.suite)!, e);
  return suites;
}

/** A value as report text: strings as they are, anything else as compact JSON. */
export const show = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? 'nothing' : JSON.stringify(value));

export interface RedactedFailure {
  check: CheckName;
  /** What the check verifies (`CHECKS`). */
  description: string;
  expected: string;
  got: string;
  /** The redacted values, when they are JSON structures (for a diff). */
  expectedValue?: unknown;
  gotValue?: unknown;
  at?: string;
  step?: string;
}

/** A redacted exchange, its response naming the content coding its body was decoded from (`gzip`, `br`). */
export type ReportExchange = Omit<RedactedExchange, 'response'> & { response?: NonNullable<RedactedExchange['response']> & { contentCoding?: string } };

export interface RedactedEntry extends Omit<ReportEntry, 'failures' | 'notes' | 'exchanges'> {
  failures: RedactedFailure[];
  notes: RedactedFailure[];
  exchanges: ReportExchange[];
}

export interface RedactedReport extends Omit<Report, 'entries' | 'redactor'> {
  entries: RedactedEntry[];
}

const structured = (v: unknown) => v !== null && typeof v === 'object';

/** The redacted exchange, its response saying which content coding the body shown was decoded from. */
const withCoding = (redacted: RedactedExchange, e: RecordedExchange): ReportExchange =>
  (redacted.response && e.response?.contentCoding ? { ...redacted, response: { ...redacted.response, contentCoding: e.response.contentCoding } } : redacted);

/** The last redaction of each report, reused while neither its entries nor its redactor's secrets change: the
 *  writers of one run (text, JUnit, HTML, JSON) redact it once. */
const made = new WeakMap<Report, { entries: readonly ReportEntry[]; count: number; generation: number; redacted: RedactedReport }>();

/** The report with every value redacted (nothing formatted yet beyond JSON text): its entries' names, groups and
 *  reasons too, which may carry what a target sent (a path). */
export function redactReport(report: Report): RedactedReport {
  const last = made.get(report);
  if (last && last.entries === report.entries && last.count === report.entries.length && last.generation === report.redactor.generation) return last.redacted;
  const redacted = redactNow(report);
  made.set(report, { entries: report.entries, count: report.entries.length, generation: report.redactor.generation, redacted });
  return redacted;
}

function redactNow(report: Report): RedactedReport {
  const r = report.redactor;
  const { redactor: _redactor, entries, ...meta } = report;
  const redactFailure = (f: Failure): RedactedFailure => {
    const expected = r.value(f.expected);
    const got = r.value(f.got);
    return {
      check: f.check, description: CHECKS[f.check], expected: show(expected), got: show(got),
      ...(structured(expected) ? { expectedValue: expected } : {}), ...(structured(got) ? { gotValue: got } : {}),
      ...(f.at !== undefined ? { at: r.text(f.at) } : {}), ...(f.step !== undefined ? { step: r.text(f.step) } : {}),
    };
  };
  // Every text of the report and its entries (name, group, reason, and what a run adds: a proxy's path, the
  // fuzzer's notes), redacted.
  const texts = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k,
    k === 'outcome' ? v : typeof v === 'string' ? r.text(v) : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.map((x: string) => r.text(x)) : v])) as T;
  return {
    ...texts(meta),
    entries: entries.map(({ failures, notes, exchanges, ...entry }) => ({
      ...texts(entry),
      failures: failures.map(redactFailure),
      notes: (notes ?? []).map(redactFailure),
      exchanges: exchanges.map((e) => withCoding(r.exchange(e), e)),
      ...(entry.retries ? { retries: entry.retries.map((w) => ({ ...w, request: r.text(w.request) })) } : {}),
    })),
  };
}
