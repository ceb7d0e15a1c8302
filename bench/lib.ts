/** Shared pieces of the benchmarks: a loopback server in a child process, and interleaved timed rounds. */
import { spawn, type ChildProcess } from 'node:child_process';

/** The first match of `pattern` in what `stream` of `child` prints; rejects (and kills nothing) when the child
 *  exits first, so that a benchmark whose server died says so instead of waiting for ever. */
export function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        child[stream]!.off('data', onData);
        child.off('exit', onExit);
        resolve(match);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`the child exited (${code}) before printing ${pattern}: ${out}`));
    child[stream]!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts `node -e <source>` whose server prints its port on stdout; resolves with its origin. */
export async function startChildServer(source: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, port] = await waitForOutput(child, 'stdout', /(\d+)\s/);
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Runs `calls` calls of `call`, `concurrency` at a time; returns the elapsed milliseconds. */
async function timeCalls(call: () => Promise<unknown>, calls: number, concurrency: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < calls) await call(); }));
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Interleaves the variants over `rounds` rounds (so drift hits all alike) and returns the median per variant. */
export async function compare(variants: Record<string, () => Promise<unknown>>, options: { rounds: number; calls: number; concurrency: number }) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const call of Object.values(variants)) await timeCalls(call, 2_000, options.concurrency); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, call] of Object.entries(variants)) times[name]!.push(await timeCalls(call, options.calls, options.concurrency));
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}
