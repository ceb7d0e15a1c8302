/**
 * Reports of a conformance run: a per-API table, each failure with expected and got, the skipped cases with
 * their reasons, and JUnit XML. Everything printed or written goes through `redactor`: the profile's secrets,
 * bearer and basic credentials, JWTs and token members never appear in a report.
 */
import type { CaseResult } from './runner.js';

export function redactor(secrets: string[]): (text: string) => string {
  const known = [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of known) out = out.split(secret).join('[REDACTED]');
    return out
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [REDACTED]')
      .replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]')
      .replace(/("(?:access_token|refresh_token|id_token|assertion|client_secret|code)"\s*:\s*")[^"]*"/g, '$1[REDACTED]"')
      .replace(/([?&](?:code|assertion|refresh_token)=)[^&\s"]+/g, '$1[REDACTED]');
  };
}

export interface Tally { passed: number; failed: number; skipped: number; total: number }

export function tallyByApi(results: CaseResult[]): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  for (const r of results) {
    const t = tallies.get(r.slug) ?? { passed: 0, failed: 0, skipped: 0, total: 0 };
    t[r.outcome]++;
    t.total++;
    tallies.set(r.slug, t);
  }
  return tallies;
}

export function textReport(results: CaseResult[], options: { target: string; profile: string; ms: number }): string {
  const lines: string[] = [`conformance of ${options.target} (profile ${options.profile})`, ''];
  const tallies = tallyByApi(results);
  const width = Math.max(...[...tallies.keys()].map((k) => k.length), 'total'.length);
  lines.push(`${'API'.padEnd(width)}  passed  failed  skipped  cases`);
  const all: Tally = { passed: 0, failed: 0, skipped: 0, total: 0 };
  for (const [slug, t] of tallies) {
    lines.push(`${slug.padEnd(width)}  ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}  ${String(t.skipped).padStart(7)}  ${String(t.total).padStart(5)}`);
    for (const k of ['passed', 'failed', 'skipped', 'total'] as const) all[k] += t[k];
  }
  lines.push(`${'total'.padEnd(width)}  ${String(all.passed).padStart(6)}  ${String(all.failed).padStart(6)}  ${String(all.skipped).padStart(7)}  ${String(all.total).padStart(5)}`);

  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length) {
    lines.push('', 'failures:');
    for (const r of failed) {
      lines.push(`  ✗ ${r.id}`);
      for (const f of r.failures) lines.push(`      ${f.check}: expected ${f.expected}`, `      ${' '.repeat(f.check.length)}  got      ${f.got}`);
    }
  }
  const skipped = results.filter((r) => r.outcome === 'skipped');
  if (skipped.length) {
    lines.push('', 'skipped (never counted as passed):');
    for (const r of skipped) lines.push(`  - ${r.id}: ${r.reason}`);
  }
  lines.push('', `${all.total} cases in ${(options.ms / 1000).toFixed(1)} s: ${all.passed} passed, ${all.failed} failed, ${all.skipped} skipped`);
  return lines.join('\n');
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
  // XML 1.0 forbids most control characters, even escaped.
  .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

export function junitReport(results: CaseResult[], options: { target: string }): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tallies = tallyByApi(results);
  const total = [...tallies.values()].reduce((a, t) => ({ failed: a.failed + t.failed, skipped: a.skipped + t.skipped, total: a.total + t.total }), { failed: 0, skipped: 0, total: 0 });
  out.push(`<testsuites name="conformance ${xml(options.target)}" tests="${total.total}" failures="${total.failed}" skipped="${total.skipped}">`);
  for (const [slug, t] of tallies) {
    const cases = results.filter((r) => r.slug === slug);
    const seconds = cases.reduce((s, r) => s + r.ms, 0) / 1000;
    out.push(`  <testsuite name="${xml(slug)}" tests="${t.total}" failures="${t.failed}" skipped="${t.skipped}" errors="0" time="${seconds.toFixed(3)}">`);
    for (const r of cases) {
      out.push(`    <testcase classname="${xml(`${slug}.${r.operationId}`)}" name="${xml(r.id)}" time="${(r.ms / 1000).toFixed(3)}">`);
      if (r.outcome === 'skipped') out.push(`      <skipped message="${xml(r.reason ?? '')}"/>`);
      for (const f of r.failures) out.push(`      <failure type="${f.check}" message="${xml(`${f.check}: expected ${f.expected}`)}">${xml(`expected ${f.expected}\ngot ${f.got}`)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
