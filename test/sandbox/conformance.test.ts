import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { isMockOnly } from '../../conformance/types.js';
import { runConformance } from '../../conformance/runner.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });

describe('the conformance suite against the sandbox, with the shipped sandbox profile', () => {
  it('passes every case that is not mock-only, and skips exactly the mock-only ones', async () => {
    const run = await runConformance({ baseUrl: target.url, profile: loadProfile(resolveProfilePath('sandbox')).profile });
    expect(run.entries.filter((r) => r.outcome === 'failed').map((r) => `${r.id}: ${JSON.stringify(r.failures)}`)).toEqual([]);
    const { cases } = loadCatalogue();
    const mockOnly = cases.filter((c) => c.trigger && isMockOnly(c.trigger)).map((c) => c.id);
    expect(run.entries.filter((r) => r.outcome === 'skipped').map((r) => r.id)).toEqual(mockOnly);
    expect(run.entries.filter((r) => r.outcome === 'skipped').every((r) => r.reason?.startsWith('mock-only'))).toBe(true);
    expect(run.entries.filter((r) => r.outcome === 'passed')).toHaveLength(cases.length - mockOnly.length);
  });
});
