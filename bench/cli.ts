/**
 * `npm run bench:cli`: how long the compiled `orange-identity` takes to answer `--help`, each command's `--help`,
 * and to start the sandbox, against a bare `node -e 0` measured in the same run (interleaved rounds, medians).
 * Target: `--help` in 0.2 s or less. Commands load their work only when they run (cli/run/), so `--help` and
 * `sandbox` never load the fuzzer, the proxy or Prism (test/cli/lazy.test.ts checks the import graph).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitForOutput } from './lib.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.join(ROOT, 'dist/cli/main.js');
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const TARGET_MS = 200;

if (!existsSync(MAIN)) throw new Error('dist/cli/main.js is missing: npm run build first (npm run bench:cli does)');
// What the installed bin/orange-identity.js does once it finds no cli/main.ts beside it (in a clone it runs the
// sources through tsx instead): dist/cli/main.js only exports main, so running it directly would do nothing.
const CLI = ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(pathToFileURL(MAIN).href)}); process.exitCode = await main(process.argv.slice(1));`];

/** One run to its exit; it must succeed and print something (a run that prints nothing measured nothing). */
const time = (args: string[]) => {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  if (args[0] !== '-e' && result.stdout.length === 0) throw new Error(`orange-identity ${args.slice(CLI.length).join(' ')} printed nothing`);
  return ms;
};

/** From spawn to the sandbox's banner, then stopped. */
async function sandboxStart(): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [...CLI, 'sandbox', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForOutput(child, 'stdout', /listening on http:/);
  const ms = performance.now() - start;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return ms;
}

const COMMANDS = ['conformance', 'fuzz', 'mock', 'sandbox', 'proxy', 'validate', 'keys'];
const variants: Record<string, () => number | Promise<number>> = {
  'node -e 0 (baseline)': () => time(['-e', '0']),
  'orange-identity --help': () => time([...CLI, '--help']),
  ...Object.fromEntries(COMMANDS.map((c) => [`orange-identity ${c} --help`, () => time([...CLI, c, '--help'])])),
  'orange-identity sandbox (to its banner)': sandboxStart,
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const run of Object.values(variants)) await run(); // warm the file cache
for (let round = 0; round < ROUNDS; round++) for (const [name, run] of Object.entries(variants)) times[name]!.push(await run());
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const baseline = median(times['node -e 0 (baseline)']!);
console.log(`compiled CLI start, median of ${ROUNDS} interleaved rounds (node ${process.version})`);
for (const [name, list] of Object.entries(times)) {
  const m = median(list);
  console.log(`  ${name.padEnd(42)} ${m.toFixed(0).padStart(5)} ms  ${(m / baseline).toFixed(2)}x node -e 0`);
}
const help = median(times['orange-identity --help']!);
console.log(`--help: ${help.toFixed(0)} ms (target ${TARGET_MS} ms or less: ${help <= TARGET_MS ? 'met' : 'NOT met'}); above a bare node: ${(help - baseline).toFixed(0)} ms`);
