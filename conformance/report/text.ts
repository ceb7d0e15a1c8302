/**
 * The text report: a table per suite, every failed entry with each failure (check, where, expected, got) and the
 * response it was seen on, the findings noted without counting, then the skipped entries with their reasons, then
 * the totals. Values are redacted
 * before formatting (redactReport) and each field is truncated on its own, so no entry can swallow another. What
 * a target sent is shown, never obeyed (terminal.ts): a newline in a value as `⏎`, so that it stays inside its
 * entry and cannot forge a line; its CR, ESC, NUL, BEL, DEL, C1 controls, bidi overrides and zero-width characters
 * as visible escapes (`\x1b[2J`), so that it cannot clear or rewrite the user's screen. Only the report's own
 * newlines reach the terminal.
 *
 * Entry point: `textReport(report, { maxField, reproducers })`; with `reproducers`, each failure is followed by
 * the exchange it was seen on (its `step`) as a curl command and the response it got.
 */
import { redactReport, tallyBySuite, totals, type Report, type ReportExchange, type Tally } from './model.js';
import { truncate } from './redact.js';
import { visible } from './terminal.js';

const row = (label: string, t: Tally, width: number, totalWidth: number) =>
  `${label.padEnd(width)}  ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}  ${String(t.skipped).padStart(7)}  ${String(t.total).padStart(totalWidth)}`;

/** One line: newlines shown as `⏎`, so that a multi-line value stays inside its entry; cut; then every character a
 *  terminal would obey as an escape. */
const line = (text: string, max: number) => visible(truncate(text.replace(/\r?\n\s*/g, '⏎ '), max));

const response = (e: ReportExchange, max: number) =>
  (e.response
    ? `response ${e.response.status}${e.response.contentCoding ? ` (decoded from ${e.response.contentCoding})` : ''}: ${line(e.response.body || '(no body)', max)}`
    : `no response: ${line(e.error ?? 'unknown', max)}`);

export function textReport(report: Report, options: { maxField?: number; reproducers?: boolean } = {}): string {
  const max = options.maxField ?? 300;
  const redacted = redactReport(report);
  // Names and headings whole (a case id is never cut), on one line and shown rather than obeyed.
  const one = (text: string) => line(text, Number.MAX_SAFE_INTEGER);
  const lines: string[] = [`${one(redacted.title)} of ${one(redacted.target)}${redacted.profile ? ` (profile ${one(redacted.profile)})` : ''}`, ''];
  const tallies = tallyBySuite(report.entries);
  const all = totals(report.entries);
  const width = Math.max('total'.length, 'API'.length, ...[...tallies.keys()].map((k) => k.length));
  const unit = redacted.unit ?? 'cases';
  lines.push(`${'API'.padEnd(width)}  passed  failed  skipped  ${unit}`);
  for (const [suite, t] of tallies) lines.push(row(one(suite), t, width, unit.length));
  lines.push(row('total', all, width, unit.length));

  const failed = redacted.entries.filter((e) => e.outcome === 'failed');
  if (failed.length) {
    lines.push('', 'failures:');
    for (const e of failed) {
      lines.push(`  ✗ ${one(e.name)}`);
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
      lines.push(`  · ${one(e.name)}`);
      for (const f of e.notes) lines.push(`      ${f.check}${f.at ? ` (${line(f.at, max)})` : ''}: expected ${line(f.expected, max)}; got ${line(f.got, max)}`);
    }
  }
  const waited = redacted.entries.filter((e) => e.retries?.length);
  if (waited.length) {
    lines.push('', 'waited out and retried (answers that said "later"; never a verdict):');
    for (const e of waited) {
      const waits = e.retries!.map((w) => `${w.request} ${w.status}${w.retryAfter !== undefined ? ` (Retry-After ${w.retryAfter})` : ''} ${(w.waitedMs / 1000).toFixed(1)} s`);
      lines.push(`  ~ ${one(e.name)}: ${line(waits.join('; '), max)}`);
    }
  }
  const skipped = redacted.entries.filter((e) => e.outcome === 'skipped');
  if (skipped.length) {
    lines.push('', 'skipped (never counted as passed):');
    for (const e of skipped) lines.push(`  - ${one(e.name)}: ${line(e.reason ?? '', max)}`);
  }
  lines.push('', `${all.total} ${one(unit)} in ${(redacted.ms / 1000).toFixed(1)} s: ${all.passed} passed, ${all.failed} failed, ${all.skipped} skipped`);
  // Whatever was formatted above, nothing but the report's own newlines reaches the terminal.
  return visible(lines.join('\n'), '\n');
}
