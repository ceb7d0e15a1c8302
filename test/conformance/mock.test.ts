import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { junitReport, tallyByApi } from '../../conformance/report.js';
import { runConformance } from '../../conformance/runner.js';
import { startMock, type RunningMock } from '../../conformance/mock.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { startChild, stopAll } from '../helpers/child.js';

let mock: RunningMock;
beforeAll(async () => { mock = await startMock(); }, 60_000);
afterAll(async () => { await mock?.stop(); });

describe('the conformance suite against the Prism mock', () => {
  it('passes every case of the five APIs, and reports the count per API', async () => {
    const results = await runConformance({ baseUrl: mock.url, profile: loadProfile(resolveProfilePath('mock')).profile });
    expect(results.filter((r) => r.outcome !== 'passed').map((r) => `${r.id}: ${JSON.stringify(r.failures)}`)).toEqual([]);
    expect(Object.fromEntries([...tallyByApi(results)].map(([slug, t]) => [slug, t.passed]))).toEqual({
      'authentication-fr': 32, 'form-id-fr': 4, 'match-id-fr': 4, 'id-match-es': 6, 'direct-match-id-fr': 42,
    });
    const junit = junitReport(results, { target: mock.url });
    expect(junit).toMatch(/<testsuites name="conformance http:\/\/127\.0\.0\.1:\d+" tests="88" failures="0" skipped="0">/);
    expect(junit.match(/<testcase /g)).toHaveLength(88);
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
