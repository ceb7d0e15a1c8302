import { describe, expect, it } from 'vitest';
import { failure } from '../../conformance/failures.js';
import { HeaderList } from '../../conformance/http.js';
import { Aggregate } from '../../conformance/proxy/aggregate.js';
import type { ExchangeVerdict } from '../../conformance/proxy/index.js';
import { junitReport, textReport, totals, Redactor } from '../../conformance/report/index.js';

const verdict = (seq: number, group: string, outcome: ExchangeVerdict['outcome'], checks: string[] = [], extra: Partial<ExchangeVerdict> = {}): ExchangeVerdict => ({
  suite: group === 'unmatched' ? 'unmatched' : 'direct-match-id-fr', group, name: `#${seq} POST /x`, outcome, seq, method: 'POST', path: '/x', status: 200, ms: 2, exchanges: [],
  failures: checks.map((c) => failure(c as never, 'expected', 'got')), ...extra,
});
const exchange = () => ({ request: { method: 'POST', url: 'http://u/x', headers: new HeaderList([]), body: 'b'.repeat(100) }, response: { status: 200, headers: new HeaderList([]), text: 'r'.repeat(100), bytes: Buffer.from('r'.repeat(100)) } });

describe('the aggregate of a run', () => {
  it('keeps at most perCheck exchanges per operation and check and kept in all, counts the rest, and its report entries add up to every exchange', () => {
    const aggregate = new Aggregate({ kept: 5, perCheck: 2, bodyChars: 10 });
    let asked = 0;
    const ask = () => { asked++; return exchange(); };
    let seq = 0;
    for (let i = 0; i < 10; i++) aggregate.add(verdict(++seq, 'matchIdentity', 'failed', ['schema']), ask);
    for (let i = 0; i < 10; i++) aggregate.add(verdict(++seq, 'matchIdentity', 'failed', ['header']), ask);
    for (let i = 0; i < 10; i++) aggregate.add(verdict(++seq, 'requestJwtBearerToken', 'failed', ['jwt']), ask);
    for (let i = 0; i < 7; i++) aggregate.add(verdict(++seq, 'matchIdentity', 'passed'), ask);
    for (let i = 0; i < 4; i++) aggregate.add(verdict(++seq, 'unmatched', 'skipped', [], { reason: 'not an operation of the contract: no API of the contract has this path' }), ask);
    // Two per operation and check (schema, header), then one more in all: five, and only those asked for.
    expect(asked).toBe(5);
    expect(aggregate.counts).toEqual({ exchanges: 41, ok: 7, violations: 30, skipped: 4, noted: 0, unjudged: 0, kept: 5, dropped: 25 });
    const entries = aggregate.entries();
    expect(entries.filter((e) => !e.count).map((e) => e.name)).toEqual(['#1 POST /x', '#2 POST /x', '#11 POST /x', '#12 POST /x', '#21 POST /x']);
    expect(entries.filter((e) => !e.count)[0]!.exchanges[0]!.request.body).toBe('bbbbbbbbbb… (90 more characters)');
    expect(totals(entries)).toEqual({ passed: 7, failed: 30, skipped: 4, total: 41 });
    const dropped = entries.find((e) => e.name === 'POST /direct-matchid/fr/v1/matchid: 16 more failed exchanges, not kept')!;
    expect(dropped.failures.map((f) => [f.check, f.got])).toEqual([
      ['schema', '8 more exchanges failed schema, not kept (the reports keep 2 per operation and check)'],
      ['header', '8 more exchanges failed header, not kept (the reports keep 2 per operation and check)'],
    ]);
    const report = { title: 'proxy', unit: 'exchanges', target: 'http://u', startedAt: new Date(0).toISOString(), ms: 1, entries, redactor: new Redactor() };
    expect(junitReport(report)).toMatch(/<testsuites name="proxy http:\/\/u" tests="41" failures="30" skipped="4">/);
    expect(textReport(report)).toMatch(/41 exchanges in 0\.0 s: 7 passed, 30 failed, 4 skipped/);
    expect(aggregate.summary()).toMatch(/^matchIdentity\s+27\s+7\s+20\s+0\s+0$/m);
    expect(aggregate.summary()).toMatch(/^matchIdentity\s+schema\s+10\s+0$/m);
    expect(aggregate.summary()).toContain('5 exchanges kept with their details for the reports, 25 more failed or noted ones counted only');
  });
});
