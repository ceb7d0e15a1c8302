/**
 * The verdicts of a run of any length, in bounded memory: tallies per operation and per check, a bounded list
 * of the exchanges that failed or noted a finding (with their redacted exchanges, for the reports), and counts of
 * everything else. The JUnit, HTML, JSON and text reports and the summary table come from it; the HAR file is the
 * full record.
 *
 * What is kept: an exchange that failed or noted a finding, while fewer than `perCheck` (5) exchanges of its
 * operation were kept for one of its checks, and fewer than `kept` (200) in all; each kept body is cut to
 * `bodyChars` (64 KiB) once redacted. The rest is counted: per operation, one report entry for the exchanges that
 * passed, one for the failed ones not kept (with their count per check), one per reason of a skip (unmatched
 * traffic, an exchange that did not end, one the judge did not judge). A report entry says how many exchanges it
 * stands for (`count`), so that the reports' totals are exchanges.
 *
 * Entry points: `new Aggregate(limits)`, `add(verdict, exchange, redact)`, `counts`, `entries()`, `summary()`,
 * `AGGREGATE_LIMITS`; `plainExchange(e)` / `exchangeOf(plain)` (an exchange across threads).
 */
import { operation as operationEntry, type OperationId } from '../../src/contract/operations.js';
import { CHECKS, failure, type CheckName, type Failure } from '../failures.js';
import { HeaderList } from '../http.js';
import { truncate, type RecordedExchange, type ReportEntry } from '../report/index.js';
import type { ExchangeVerdict } from './verdict.js';
import { AGGREGATE_LIMITS, type AggregateLimits } from './limits.js';

export { AGGREGATE_LIMITS, type AggregateLimits } from './limits.js';


export interface RunCounts {
  exchanges: number;
  ok: number;
  violations: number;
  skipped: number;
  noted: number;
  /** Recorded, not judged. */
  unjudged: number;
  /** Exchanges kept with their details, and failed or noted ones that were not. */
  kept: number;
  dropped: number;
}

interface OperationTally extends Omit<RunCounts, 'kept' | 'dropped'> {
  suite: string;
  /** Per check: exchanges that failed it, that noted it, and those of each not kept. */
  checks: Map<CheckName, { failed: number; noted: number; failedDropped: number; notedDropped: number }>;
  passedRow: { count: number; ms: number };
  droppedRow: { count: number; ms: number };
}

/** Exchanges of one operation not judged, for one reason: how many, their time, the first's name. */
export interface UnjudgedTally { suite: string; group: string; why: string; count: number; ms: number; first: string }

interface SkipRow { suite: string; group: string; reason: string; count: number; ms: number; first: string }

const zero = (suite: string): OperationTally => ({
  suite, exchanges: 0, ok: 0, violations: 0, skipped: 0, noted: 0, unjudged: 0, checks: new Map(),
  passedRow: { count: 0, ms: 0 }, droppedRow: { count: 0, ms: 0 },
});
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class Aggregate {
  private readonly limits: AggregateLimits;
  private readonly tallies = new Map<string, OperationTally>();
  private readonly kept: ExchangeVerdict[] = [];
  private readonly perCheck = new Map<string, number>();
  private readonly skips = new Map<string, SkipRow>();
  private dropped = 0;

  constructor(limits: Partial<AggregateLimits> = {}) {
    this.limits = { ...AGGREGATE_LIMITS, ...limits };
  }

  /** Counts one verdict; `exchange` gives its (redacted) exchange, asked only when the verdict is kept, and
   *  `redact` its failures' values. */
  add(v: ExchangeVerdict, exchange: () => RecordedExchange, redact: (f: Failure) => Failure = (f) => f): void {
    const t = this.tallies.get(v.group) ?? this.tallies.set(v.group, zero(v.suite)).get(v.group)!;
    t.exchanges++;
    if (v.unjudged) t.unjudged++;
    if (v.outcome === 'failed') t.violations++;
    else if (v.outcome === 'skipped') t.skipped++;
    else t.ok++;
    if (v.notes?.length) t.noted++;
    const checks = (list: readonly Failure[] | undefined) => [...new Set((list ?? []).map((f) => f.check))];
    const failed = checks(v.failures);
    const noted = checks(v.notes);
    const tally = (check: CheckName) => t.checks.get(check) ?? t.checks.set(check, { failed: 0, noted: 0, failedDropped: 0, notedDropped: 0 }).get(check)!;
    for (const check of failed) tally(check).failed++;
    for (const check of noted) tally(check).noted++;
    if (v.outcome === 'skipped' && !failed.length) return this.skip(v);

    const interesting = [...failed, ...noted];
    const room = interesting.length > 0 && this.kept.length < this.limits.kept && interesting.some((c) => (this.perCheck.get(`${v.group} ${c}`) ?? 0) < this.limits.perCheck);
    if (room) {
      for (const c of interesting) this.perCheck.set(`${v.group} ${c}`, (this.perCheck.get(`${v.group} ${c}`) ?? 0) + 1);
      this.kept.push({ ...v, failures: v.failures.map(redact), ...(v.notes ? { notes: v.notes.map(redact) } : {}), exchanges: [this.cut(exchange())] });
      return;
    }
    if (interesting.length) this.dropped++;
    if (v.outcome === 'failed') {
      t.droppedRow.count++;
      t.droppedRow.ms += v.ms;
      for (const check of failed) tally(check).failedDropped++;
    } else {
      t.passedRow.count++;
      t.passedRow.ms += v.ms;
    }
    for (const check of noted) tally(check).notedDropped++;
  }

  private skip(v: Pick<ExchangeVerdict, 'suite' | 'group' | 'reason' | 'name' | 'ms'>, count = 1): void {
    const reason = v.reason ?? 'skipped';
    const key = `${v.suite}\u0000${v.group}\u0000${reason}`;
    const row = this.skips.get(key) ?? this.skips.set(key, { suite: v.suite, group: v.group, reason, count: 0, ms: 0, first: v.name }).get(key)!;
    row.count += count;
    row.ms += v.ms;
  }

  /** Counts exchanges alike that were not judged, all at once (the forwarding thread tallied them). */
  addUnjudged(rows: readonly UnjudgedTally[]): void {
    for (const r of rows) {
      const t = this.tallies.get(r.group) ?? this.tallies.set(r.group, zero(r.suite)).get(r.group)!;
      t.exchanges += r.count;
      t.skipped += r.count;
      t.unjudged += r.count;
      this.skip({ suite: r.suite, group: r.group, reason: `not judged: ${r.why}`, name: r.first, ms: r.ms }, r.count);
    }
  }

  /** The exchange with its bodies cut to the limit (they are redacted already). */
  private cut(e: RecordedExchange): RecordedExchange {
    const max = this.limits.bodyChars;
    const request = e.request.body.length > max ? { ...e.request, body: truncate(e.request.body, max) } : e.request;
    if (!e.response || e.response.text.length <= max) return { ...e, request };
    const text = truncate(e.response.text, max);
    return { ...e, request, response: { ...e.response, text, bytes: Buffer.from(text) } };
  }

  get counts(): RunCounts {
    const all: RunCounts = { exchanges: 0, ok: 0, violations: 0, skipped: 0, noted: 0, unjudged: 0, kept: this.kept.length, dropped: this.dropped };
    for (const t of this.tallies.values()) for (const k of ['exchanges', 'ok', 'violations', 'skipped', 'noted', 'unjudged'] as const) all[k] += t[k];
    return all;
  }

  /** The report's entries: the kept exchanges in their order, then per operation the counted rest. */
  entries(): ReportEntry[] {
    const rows: ReportEntry[] = [];
    const kept = this.limits.perCheck;
    for (const [group, t] of [...this.tallies].sort(([a], [b]) => a.localeCompare(b))) {
      const label = group === 'unmatched' ? group : `${operationEntry(group as OperationId).method} ${operationEntry(group as OperationId).path}`;
      const perCheck = (side: 'failed' | 'noted', what: string) => [...t.checks].filter(([, c]) => c[`${side}Dropped`] > 0)
        .map(([check, c]) => failure(check, CHECKS[check], `${plural(c[`${side}Dropped`], 'more exchange')} ${what} ${check}, not kept (the reports keep ${kept} per operation and check)`));
      if (t.passedRow.count) {
        const notes = perCheck('noted', 'noted');
        rows.push({ suite: t.suite, group, name: `${label}: ${plural(t.passedRow.count, 'exchange')} passed`, outcome: 'passed', count: t.passedRow.count, ms: t.passedRow.ms, failures: [], ...(notes.length ? { notes } : {}), exchanges: [] });
      }
      if (t.droppedRow.count) {
        rows.push({ suite: t.suite, group, name: `${label}: ${plural(t.droppedRow.count, 'more failed exchange')}, not kept`, outcome: 'failed', count: t.droppedRow.count, ms: t.droppedRow.ms, failures: perCheck('failed', 'failed'), exchanges: [] });
      }
    }
    for (const s of [...this.skips.values()].sort((a, b) => `${a.group} ${a.reason}`.localeCompare(`${b.group} ${b.reason}`))) {
      rows.push({ suite: s.suite, group: s.group, name: `${s.group}: ${plural(s.count, 'exchange')} (the first: ${s.first})`, outcome: 'skipped', count: s.count, ms: s.ms, reason: s.reason, failures: [], exchanges: [] });
    }
    return [...this.kept, ...rows];
  }

  /** A table per operation (unmatched traffic apart): exchanges, ok, violations, skipped, and exchanges with
   *  notes; then the failures and notes per check; then what was recorded and not judged. */
  summary(): string {
    const rows = new Map<string, Omit<RunCounts, 'kept' | 'dropped' | 'unjudged'>>([...this.tallies].map(([k, t]) => [k, t]));
    rows.set('total', this.counts);
    const columns = ['exchanges', 'ok', 'violations', 'skipped', 'noted'] as const;
    const width = Math.max('operation'.length, ...[...rows.keys()].map((k) => k.length));
    const line = (label: string, cells: (string | number)[], names: readonly string[] = columns) => `${label.padEnd(width)}  ${cells.map((c, i) => String(c).padStart(names[i]!.length)).join('  ')}`;
    const order = [...rows.keys()].filter((k) => k !== 'unmatched' && k !== 'total').sort();
    const out = [line('operation', [...columns]), ...[...order, 'unmatched', 'total'].filter((k) => rows.has(k)).map((k) => line(k, columns.map((c) => rows.get(k)![c])))];
    const checks = [...this.tallies].flatMap(([group, t]) => [...t.checks].map(([check, c]) => ({ group, check, ...c }))).filter((c) => c.failed || c.noted);
    if (checks.length) {
      const names = ['failed', 'noted'];
      const checkWidth = Math.max(...checks.map((c) => c.check.length), 'check'.length);
      out.push('', `${'operation'.padEnd(width)}  ${'check'.padEnd(checkWidth)}  ${names.join('  ')}`);
      for (const c of checks.sort((a, b) => `${a.group} ${a.check}`.localeCompare(`${b.group} ${b.check}`))) {
        out.push(`${c.group.padEnd(width)}  ${c.check.padEnd(checkWidth)}  ${String(c.failed).padStart(6)}  ${String(c.noted).padStart(5)}`);
      }
    }
    const { unjudged, dropped, kept } = this.counts;
    if (unjudged) out.push('', `${plural(unjudged, 'exchange')} recorded and not judged (the judge was behind, or the proxy was stopping): in the skipped column; validate the HAR to judge them`);
    if (dropped) out.push('', `${plural(kept, 'exchange')} kept with their details for the reports, ${dropped} more failed or noted ones counted only (at most ${this.limits.perCheck} per operation and check, ${this.limits.kept} in all)`);
    return out.join('\n');
  }
}

/** An exchange as plain data (header lists as arrays), to pass between threads. */
export interface PlainExchange {
  label?: string;
  request: { method: string; url: string; headers: [string, string][]; body: string };
  response?: { status: number; headers: [string, string][]; text: string; contentCoding?: string };
  error?: string;
  ms?: number;
}

export const plainExchange = (e: RecordedExchange): PlainExchange => ({
  ...(e.label ? { label: e.label } : {}),
  request: { method: e.request.method, url: e.request.url, headers: e.request.headers.entries.map(([k, v]) => [k, v]), body: e.request.body },
  ...(e.response ? { response: { status: e.response.status, headers: e.response.headers.entries.map(([k, v]) => [k, v]), text: e.response.text, ...(e.response.contentCoding ? { contentCoding: e.response.contentCoding } : {}) } } : {}),
  ...(e.error ? { error: e.error } : {}),
  ...(e.ms !== undefined ? { ms: e.ms } : {}),
});

export const exchangeOf = (p: PlainExchange): RecordedExchange => ({
  ...(p.label ? { label: p.label } : {}),
  request: { ...p.request, headers: new HeaderList(p.request.headers) },
  ...(p.response ? { response: { status: p.response.status, headers: new HeaderList(p.response.headers), text: p.response.text, bytes: Buffer.from(p.response.text), ...(p.response.contentCoding ? { contentCoding: p.response.contentCoding } : {}) } } : {}),
  ...(p.error ? { error: p.error } : {}),
  ...(p.ms !== undefined ? { ms: p.ms } : {}),
});
