/**
 * Ctrl-C and SIGTERM to `orange-identity conformance`: the run stops, the Prism mock it started is stopped, the
 * reports are written with what was done, and no process of its group is left.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { groupAlive, startChild, stopAll } from '../helpers/child.js';

let dir: string;
const groups: number[] = [];
beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'conformance-stop-')); });
afterEach(async () => {
  for (const pgid of groups.splice(0)) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  await stopAll();
});

/** `conformance` without a target (it starts the mock), slowed by --rate so that the signal finds it running. */
async function runningConformance(json: string, command: 'node' | 'npm' = 'node') {
  const args = ['conformance', '--rate', '4', '--json', json];
  const child = command === 'node'
    ? startChild(process.execPath, ['bin/orange-identity.js', ...args], { cwd: REPO_ROOT, detached: true })
    : startChild('npm', ['run', '--silent', 'conformance', '--', ...args.slice(1)], { cwd: REPO_ROOT, detached: true });
  groups.push(child.process.pid!);
  await child.waitFor(/started the Prism mock on http:\S+/);
  await child.waitFor(/^\s*\d+\/\d+ passed /m);
  return child;
}

describe('stopping orange-identity conformance', () => {
  it('on SIGTERM to its process group (a CI timeout): writes the reports with what was done, exits 143, and leaves no process of the group', async () => {
    const json = path.join(dir, 'group.json');
    const child = await runningConformance(json);
    process.kill(-child.process.pid!, 'SIGTERM');
    expect(await child.exited()).toBe(143);
    expect(child.stdout()).toMatch(/^conformance of http:\/\/127\.0\.0\.1:\d+ \(profile mock/);
    expect(child.stderr()).toMatch(/stopped \(SIGTERM\): \d+ of \d+ cases ran; the reports hold what was done/);
    const report = JSON.parse(await readFile(json, 'utf8')) as { entries: { outcome: string; reason?: string }[] };
    expect(report.entries.filter((e) => e.outcome === 'passed').length).toBeGreaterThan(0);
    expect(report.entries.some((e) => e.reason?.startsWith('not run: the run was stopped'))).toBe(true);
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 20_000 }).toBe(false);
  });

  it('on Ctrl-C to itself alone: stops the mock it started, exits 130, and leaves no process of its group', async () => {
    const json = path.join(dir, 'self.json');
    const child = await runningConformance(json);
    child.process.kill('SIGINT');
    expect(await child.exited()).toBe(130);
    expect(existsSync(json)).toBe(true);
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 20_000 }).toBe(false);
  });

  it('under npm run (exec: no npm in between), on SIGTERM to the group, leaves no process behind', async () => {
    const json = path.join(dir, 'npm.json');
    const child = await runningConformance(json, 'npm');
    process.kill(-child.process.pid!, 'SIGTERM');
    await child.exited();
    await expect.poll(() => groupAlive(child.process.pid!), { timeout: 20_000 }).toBe(false);
    expect(JSON.parse(await readFile(json, 'utf8')).entries.length).toBeGreaterThan(0);
  });
});

describe('stopping orange-identity mock', () => {
  it('on SIGTERM to itself, or to the group under npm run, stops Prism and leaves no process behind', async () => {
    for (const command of ['node', 'npm'] as const) {
      const child = command === 'node'
        ? startChild(process.execPath, ['bin/orange-identity.js', 'mock', '--port', '0'], { cwd: REPO_ROOT, detached: true })
        : startChild('npm', ['run', '--silent', 'mock', '--', '--port', '0'], { cwd: REPO_ROOT, detached: true });
      groups.push(child.process.pid!);
      await child.waitFor(/listening on http:\S+/);
      if (command === 'node') child.process.kill('SIGTERM');
      else process.kill(-child.process.pid!, 'SIGTERM');
      await child.exited();
      expect(child.stdout(), command).toContain('mock stopped');
      await expect.poll(() => groupAlive(child.process.pid!), { timeout: 20_000 }).toBe(false);
    }
  });
});
