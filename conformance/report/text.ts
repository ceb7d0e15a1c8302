/**
 * The text report: a table per suite, every failed entry with each failure (check, where, expected, got) and the
 * response it was seen on, the findings noted without counting, then the skipped entries with their reasons, then
 * the totals. Values are redacted
 * before formatting (redactReport) and each field is truncated on its own, so no entry can swallow another.
 *
 * Entry point: `textReport(report, { maxField, reproducers })`; with `reproducers`, each failure is followed by
 * the exchange it was seen on (its `step`) as a curl command and the response it got.
 */
import { redactReport, tallyBySuite, totals, type Report, type ReportExchange, type Tally } from './model.js';
import { truncate } from './redact.js';

const row = (label: string, t: Tally, width: number, totalWidth: number) =>
  `${label.padEnd(width)}  ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}  ${String(t.skipped).padStart(7)}  ${String(t.total).padStart(totalWidth)}`;

/** One line: newlines shown as `⏎`, so that a multi-line value stays inside its entry. */
const line = (text: string, max: number) => truncate(text.replace(/\r?\n\s*/g, '⏎ '), max);

const response = (e: ReportExchange, max: number) =>
  (e.response
    ? `response ${e.response.status}${e.response.contentCoding ? ` (decoded from ${e.response.contentCoding})` : ''}: ${line(e.response.body || '(no body)', max)}`
    : `no response: ${line(e.error ?? 'unknown', max)}`);

export function textReport(report: Report, options: { maxField?: number; reproducers?: boolean } = {}): string {
  const max = options.maxField ?? 300;
  const redacted = redactReport(report);
  const lines: string[] = [`${redacted.title} of ${redacted.target}${redacted.profile ? ` (profile ${redacted.profile})` : ''}`, ''];
  const tallies = tallyBySuite(report.entries);
  const all = totals(report.entries);
  const width = Math.max('total'.length, 'API'.length, ...[...tallies.keys()].map((k) => k.length));
  const unit = redacted.unit ?? 'cases';
  lines.push(`${'API'.padEnd(width)}  passed  failed  skipped  ${unit}`);
  for (const [suite, t] of tallies) lines.push(row(suite, t, width, unit.length));
  lines.push(row('total', all, width, unit.length));

  const failed = redacted.entries.filter((e) => e.outcome === 'failed');
  if (failed.length) {
    lines.push('', 'failures:');
    for (const e of failed) {
      lines.push(`  ✗ ${e.name}`);
      for (const f of e.failures) {
        const where = [f.step, f.at].filter(Boolean).join(', ');
        lines.push(`      ${f.check}${where ? ` (${line(where, max)})` : ''}: expected ${line(f.expected, max)}`, `      ${' '.repeat(f.check.length)}  got      ${line(f.got, max)}`);
        const seen = options.reproducers ? e.exchanges.find((x) => x.label !== undefined && x.label === f.step) : undefined;
        if (seen) lines.push(`      reproduce: ${line(seen.curl, max * 4)}`, `      ${response(seen, max)}`);
      }
      const own = e.exchanges.at(-1);
      if (own && !options.reproducers) lines.push(`      ${response(own, max)}`);
    }
  }
  const noted = redacted.entries.filter((e) => e.notes.length);
  if (noted.length) {
    lines.push('', 'noted, not counted:');
    for (const e of noted) {
      lines.push(`  · ${e.name}`);
      for (const f of e.notes) lines.push(`      ${f.check}${f.at ? ` (${line(f.at, max)})` : ''}: expected ${line(f.expected, max)}; got ${line(f.got, max)}`);
    }
  }
  const waited = redacted.entries.filter((e) => e.retries?.length);
  if (waited.length) {
    lines.push('', 'waited out and retried (answers that said "later"; never a verdict):');
    for (const e of waited) {
      const waits = e.retries!.map((w) => `${w.request} ${w.status}${w.retryAfter !== undefined ? ` (Retry-After ${w.retryAfter})` : ''} ${(w.waitedMs / 1000).toFixed(1)} s`);
      lines.push(`  ~ ${e.name}: ${line(waits.join('; '), max)}`);
    }
  }
  const skipped = redacted.entries.filter((e) => e.outcome === 'skipped');
  if (skipped.length) {
    lines.push('', 'skipped (never counted as passed):');
    for (const e of skipped) lines.push(`  - ${e.name}: ${line(e.reason ?? '', max)}`);
  }
  lines.push('', `${all.total} ${unit} in ${(redacted.ms / 1000).toFixed(1)} s: ${all.passed} passed, ${all.failed} failed, ${all.skipped} skipped`);
  return lines.join('\n');
}
