import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { junitReport, tallyBySuite } from '../../conformance/report/index.js';
import { runConformance } from '../../conformance/runner.js';
import { startMock, type RunningMock } from '../../conformance/mock.js';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { REPO_ROOT, listApis } from '../../scripts/lib/contract.js';
import { startChild, stopAll } from '../helpers/child.js';

let mock: RunningMock;
beforeAll(async () => { mock = await startMock(); });
afterAll(async () => { await mock?.stop(); });

describe('the conformance suite against the Prism mock', () => {
  it('passes every case of the five APIs, and reports the count per API', async () => {
    const run = await runConformance({ baseUrl: mock.url, profile: loadProfile(resolveProfilePath('mock')).profile });
    const { cases } = loadCatalogue();
    const examples = cases.filter((c) => !c.variant);
    expect(run.entries.filter((r) => r.outcome === 'failed').map((r) => `${r.id}: ${JSON.stringify(r.failures)}`)).toEqual([]);
    // Every named example passes; the value cases, computed from a live profile, are skipped against a mock.
    expect(run.entries.filter((r) => r.outcome === 'skipped').map((r) => r.id)).toEqual(cases.filter((c) => c.variant).map((c) => c.id));
    const perApi = (list: { slug: string }[]) => Object.fromEntries(listApis().map(({ slug }) => [slug, list.filter((c) => c.slug === slug).length]));
    expect(Object.fromEntries([...tallyBySuite(run.entries)].map(([slug, t]) => [slug, t.passed]))).toEqual(perApi(examples));
    const junit = junitReport(run);
    expect(junit).toMatch(new RegExp(`<testsuites name="conformance http://127\\.0\\.0\\.1:\\d+" tests="${cases.length}" failures="0" skipped="${cases.length - examples.length}">`));
    expect(junit.match(/<testcase /g)).toHaveLength(cases.length);
  });
});

describe('orange-identity mock', () => {
  afterEach(stopAll);

  it('prints its URL once ready and stops cleanly on Ctrl-C', async () => {
    const child = startChild(process.execPath, ['bin/orange-identity.js', 'mock', '--port', '0'], { cwd: REPO_ROOT });
    const url = (await child.waitFor(/listening on (http:\S+)/))[1]!;
    expect((await fetch(`${url}/oauth-jwt/fr/v1/.well-known/oauth-authorization-server`)).status).toBe(200);
    expect(await child.stop('SIGINT')).toBe(0);
    expect(child.output()).toContain('mock stopped');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('says clearly when the port is taken, and exits 2', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const child = startChild(process.execPath, ['bin/orange-identity.js', 'mock', '--port', String(port)], { cwd: REPO_ROOT });
    const code = await child.exited();
    blocker.close();
    expect(code).toBe(2);
    expect(child.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
  });
});
