import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadProfile, resolveProfilePath, shippedProfiles } from '../../conformance/profile.js';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { ForeignTargetError, runConformance } from '../../conformance/runner.js';
import { isMockOnly } from '../../conformance/types.js';
import { defaultFixture, fixtureKey, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { startServer } from '../helpers/server.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });
afterEach(() => target.sandbox.reset());

describe('the conformance suite against the sandbox, with the shipped sandbox profile', () => {
  it('runs and passes every case of the catalogue, the mock-only ones through faults, none skipped', async () => {
    const { entries: results } = await runConformance({ baseUrl: target.url, profile: loadProfile(resolveProfilePath('sandbox')).profile });
    expect(results.filter((r) => r.outcome === 'failed').map((r) => `${r.id}: ${JSON.stringify(r.failures)}`)).toEqual([]);
    expect(results.filter((r) => r.outcome === 'skipped').map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(results).toHaveLength(loadCatalogue().cases.length);
    // The run registered its own key for the Direct Match client, in place of the fixture's.
    expect(target.sandbox.state.clients.get('sandbox-direct-match')!.jwks!.keys.map((k) => k.kid)).not.toContain(defaultFixture().clients[1]!.jwks!.keys[0]!.kid);
    expect(target.sandbox.faults.list()).toEqual([]);
  });

  it('keeps the mock-only cases mock-only for a live target that is not the sandbox', async () => {
    const { sandboxAdmin: _admin, ...shipped } = loadProfile(resolveProfilePath('sandbox')).profile;
    const profile = { ...shipped, directMatch: { ...shipped.directMatch!, privateJwk: fixtureKey('direct-match') } };
    const { entries: results } = await runConformance({ baseUrl: target.url, profile, apis: ['direct-match-id-fr'] });
    expect(results.filter((r) => r.outcome === 'failed')).toEqual([]);
    const skipped = results.filter((r) => r.outcome === 'skipped');
    const { cases } = loadCatalogue(['direct-match-id-fr']);
    expect(skipped.map((r) => r.id)).toEqual(cases.filter((c) => c.trigger && isMockOnly(c.trigger)).map((c) => c.id));
    expect(skipped.every((r) => r.reason?.startsWith('mock-only'))).toBe(true);
  });

  it('ships profiles that point at no private key', () => {
    for (const name of shippedProfiles()) {
      expect(readFileSync(resolveProfilePath(name), 'utf8'), name).not.toMatch(/privateJwk|"d"\s*:/);
    }
  });

  it('says so when a profile declares the sandbox admin API on a target that has none', async () => {
    const other = await startServer((_request, response) => { response.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not found</h1>'); });
    try {
      await expect(runConformance({ baseUrl: other.url, profile: loadProfile(resolveProfilePath('sandbox')).profile })).rejects.toThrow(ForeignTargetError);
    } finally {
      await other.close();
    }
  });
});
