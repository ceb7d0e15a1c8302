/**
 * The long-running commands under `npm run` (or `npm start`), stopped as a terminal stops them: the signal goes to
 * the whole process group. Each script execs node (no npm in between), the command stops what it started (the
 * sandbox its server, the fuzzer its in-process sandbox) and writes what it writes, and no process of the group is
 * left. The mock and the conformance suite: test/conformance/stop.test.ts; the proxy: test/proxy/cli.test.ts.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { groupAlive, startChild, stopAll } from '../helpers/child.js';

const groups: number[] = [];
afterEach(async () => {
  for (const pgid of groups.splice(0)) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  await stopAll();
});

/** `npm <args>` leading a process group of its own, as a terminal's foreground job. */
function npm(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = startChild('npm', args, { cwd: REPO_ROOT, detached: true, env: { ...process.env, ...env } });
  groups.push(child.process.pid!);
  return child;
}

describe('long-running commands stopped through npm, as a terminal stops them', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('npm start: on %s to the group, the sandbox stops, and no process is left', async (signal) => {
    const child = npm(['start', '--silent'], { PORT: '0' });
    const [, url] = await child.waitFor(/listening on (http:\S+)/);
    expect((await fetch(`${url}/_sandbox/health`)).status).toBe(200);
    process.kill(-child.process.pid!, signal);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toContain('sandbox stopped');
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 30_000 }).toBe(false);
  });

  it('npm start: on SIGTERM to npm alone (a supervisor stopping the process it started), nothing is left either', async () => {
    const child = npm(['start', '--silent'], { PORT: '0' });
    await child.waitFor(/listening on http:\S+/);
    child.process.kill('SIGTERM');
    expect(await child.exited()).toBe(0);
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 30_000 }).toBe(false);
  });

  it('npm run fuzz: on SIGINT to the group mid-run, writes the summary and the reports, and no process is left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fuzz-stop-'));
    const json = path.join(dir, 'fuzz.json');
    // A rate that keeps the run going while the signal is sent; the in-process sandbox stops with the command.
    const child = npm(['run', '--silent', 'fuzz', '--', '--seed', '3', '--rate', '20', '--json', json]);
    await child.waitFor(/started an in-process sandbox on http:\S+/);
    await child.waitFor(/requests/);
    process.kill(-child.process.pid!, 'SIGINT');
    expect(await child.exited()).toBe(130);
    expect(child.stdout()).toMatch(/stopped \(SIGINT\) before the end of the run/);
    expect(JSON.parse(await readFile(json, 'utf8')).entries.length).toBeGreaterThan(0);
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 30_000 }).toBe(false);
  });
});
