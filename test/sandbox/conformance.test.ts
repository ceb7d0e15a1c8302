import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });

describe('the conformance suite against the sandbox, with the shipped sandbox profile', () => {
  it('passes every case that is not mock-only, and skips exactly the mock-only ones', async () => {
    const results = await runConformance({ baseUrl: target.url, profile: loadProfile(resolveProfilePath('sandbox')).profile });
    expect(results.filter((r) => r.outcome === 'failed').map((r) => `${r.id}: ${JSON.stringify(r.failures)}`)).toEqual([]);
    const skipped = results.filter((r) => r.outcome === 'skipped');
    expect(skipped.every((r) => r.reason?.startsWith('mock-only'))).toBe(true);
    expect(skipped.map((r) => r.status).sort()).toEqual(['500', '500', '500', '503']);
    expect(results.filter((r) => r.outcome === 'passed')).toHaveLength(84);
  });
});
