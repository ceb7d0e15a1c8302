/**
 * A supervisor (npm, a CI runner, systemd) may send its stop signal the moment it reads a long-running command's
 * first line. A signal that finds no listener kills node outright: no close, no reports, no exit code of ours. So
 * each command listens for a stop before it prints anything, and a stop signalled right then ends it cleanly.
 * Run in-process: what is asserted is the order (listener, then line), which no machine's speed changes.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.js';
import { createSandbox, type Sandbox } from '../../sandbox/server.js';

const upstreams: Sandbox[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const upstream of upstreams.splice(0)) await upstream.close();
});

const stopListeners = () => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');

/** Runs `argv`; at its first line, records whether a stop listener is there, then signals SIGTERM as a supervisor would. */
async function signalledAtFirstLine(argv: string[]): Promise<{ code: number; first: string; listening: boolean }> {
  const before = stopListeners();
  let first: { line: string; listening: boolean } | undefined;
  const onLine = (...args: unknown[]) => {
    if (first) return;
    first = { line: args.map(String).join(' '), listening: stopListeners() > before };
    // After the write, as the reader of the line would: the command's own code goes on first.
    setImmediate(() => process.emit('SIGTERM', 'SIGTERM'));
  };
  vi.spyOn(console, 'log').mockImplementation(onLine);
  vi.spyOn(console, 'error').mockImplementation(onLine);
  const code = await main(argv);
  expect(first, 'the command printed a line').toBeDefined();
  expect(stopListeners(), 'no stop listener is left behind').toBe(before);
  return { code, first: first!.line, listening: first!.listening };
}

describe('long-running commands listen for a stop before their first line', () => {
  it('sandbox: stopped at its ready line, closes and exits 0', async () => {
    const run = await signalledAtFirstLine(['sandbox', '--port', '0']);
    expect(run.first).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(run.listening).toBe(true);
    expect(run.code).toBe(0);
  });

  it('proxy: stopped at its ready line, writes its summary and exits', async () => {
    const upstream = createSandbox();
    upstreams.push(upstream);
    const run = await signalledAtFirstLine(['proxy', '--upstream', await upstream.listen(0), '--port', '0']);
    expect(run.first).toMatch(/proxy listening on http:/);
    expect(run.listening).toBe(true);
    expect(run.code).toBe(0);
  });

  it('fuzz: stopped at its first line, writes its report', async () => {
    const json = path.join(await mkdtemp(path.join(tmpdir(), 'ready-fuzz-')), 'fuzz.json');
    const run = await signalledAtFirstLine(['fuzz', '--seed', '3', '--rate', '20', '--json', json]);
    expect(run.first).toMatch(/in-process sandbox on http:/);
    expect(run.listening).toBe(true);
    expect(run.code).toBeGreaterThan(128);
  });
});
