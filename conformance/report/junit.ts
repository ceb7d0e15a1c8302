/**
 * The JUnit XML report: one testsuite per suite, one testcase per entry, a failure element per failure, and the
 * findings noted without counting and the redacted exchanges of a failed or noted entry in its system-out. Values are redacted first (redactReport), truncated,
 * and escaped last, so escaping never hides a value from redaction. What a target sent is shown, never obeyed:
 * its controls, bidi overrides and zero-width characters as visible escapes (`\x1b[2J`, terminal.ts), newlines
 * and tabs kept; and nothing XML 1.0 cannot hold (most C0 controls, lone surrogates, U+FFFE, U+FFFF) is left.
 *
 * Entry point: `junitReport(report, { maxField })`.
 */
import { redactReport, tallyBySuite, totals, type RedactedEntry, type Report, type ReportExchange } from './model.js';
import { truncate } from './redact.js';
import { visible } from './terminal.js';

const xml = (s: string) => visible(s, '\n\t').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
  // XML 1.0 (section 2.2) cannot hold these, even escaped.
  .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '');

/** An exchange as plain HTTP-like text. */
export function exchangeText(e: ReportExchange, max: number): string {
  const out = [`${e.label ? `${e.label}: ` : ''}${e.request.method} ${e.request.url}`, ...e.request.headers.map(([k, v]) => `${k}: ${v}`)];
  out.unshift(`reproduce: ${truncate(e.curl, max)}`);
  if (e.request.body) out.push('', truncate(e.request.body, max));
  if (e.response) {
    out.push('', `HTTP ${e.response.status}${e.response.contentCoding ? ` (body decoded from ${e.response.contentCoding})` : ''}`, ...e.response.headers.map(([k, v]) => `${k}: ${v}`));
    if (e.response.body) out.push('', truncate(e.response.body, max));
  } else if (e.error) out.push('', `no response: ${e.error}`);
  return out.join('\n');
}

function testcase(e: RedactedEntry, max: number): string[] {
  const out = [`    <testcase classname="${xml(`${e.suite}.${e.group ?? e.suite}`)}" name="${xml(e.name)}" time="${(e.ms / 1000).toFixed(3)}">`];
  if (e.outcome === 'skipped') out.push(`      <skipped message="${xml(truncate(e.reason ?? '', max))}"/>`);
  for (const f of e.failures) {
    const where = [f.step, f.at].filter(Boolean).join(', ');
    const message = `${f.check}${where ? ` (${where})` : ''}: expected ${truncate(f.expected, max)}`;
    out.push(`      <failure type="${xml(f.check)}" message="${xml(message)}">${xml(`expected ${truncate(f.expected, max)}\ngot ${truncate(f.got, max)}`)}</failure>`);
  }
  const notes = [
    ...e.notes.map((f) => `not counted: ${f.check}${f.at ? ` (${f.at})` : ''}: expected ${truncate(f.expected, max)}; got ${truncate(f.got, max)}`),
    ...(e.retries ?? []).map((w) => `waited out and retried, not counted: ${w.request} ${w.status}${w.retryAfter !== undefined ? ` (Retry-After ${w.retryAfter})` : ''} ${(w.waitedMs / 1000).toFixed(1)} s`),
  ];
  const exchanges = e.outcome === 'failed' || notes.length ? e.exchanges.map((x) => exchangeText(x, max * 4)) : [];
  if (notes.length || exchanges.length) out.push(`      <system-out>${xml([...notes, ...exchanges].join('\n\n'))}</system-out>`);
  out.push('    </testcase>');
  return out;
}

export function junitReport(report: Report, options: { maxField?: number } = {}): string {
  const max = options.maxField ?? 1000;
  const redacted = redactReport(report);
  const all = totals(report.entries);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${xml(`${redacted.title} ${redacted.target}`)}" tests="${all.total}" failures="${all.failed}" skipped="${all.skipped}">`);
  for (const [suite, t] of tallyBySuite(report.entries)) {
    const entries = redacted.entries.filter((e) => e.suite === suite);
    const seconds = entries.reduce((s, e) => s + e.ms, 0) / 1000;
    out.push(`  <testsuite name="${xml(suite)}" tests="${t.total}" failures="${t.failed}" skipped="${t.skipped}" errors="0" time="${seconds.toFixed(3)}">`);
    for (const e of entries) out.push(...testcase(e, max));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
