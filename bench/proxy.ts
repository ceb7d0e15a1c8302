/**
 * `npm run bench:proxy`: what the validating proxy costs, against a bare node:http forwarder measured in the same
 * run, and whether it stays bounded and stops promptly after tens of thousands of exchanges.
 *
 * - Throughput and latency: the upstream is a bare node:http server answering the page's matchid scores (so
 *   that its own cost is as small as it gets); in front of it, interleaved in rounds: nothing (direct), a bare
 *   node:http forwarder (createServer, http.request, pipe both ways: the baseline), and the shipped command
 *   (`orange-identity proxy`), without and with `--har`. autocannon drives each with one connection (1/throughput
 *   is the time of one exchange: what the proxy adds) and 50 (the throughput left). Medians are printed, and the
 *   ratios to the bare forwarder: the targets are at least 0.8x at 50 connections and at most 0.3 ms added per
 *   exchange one at a time.
 * - A long run: 70,000 exchanges through `proxy --har --report`, each with its own bearer token (so that the
 *   redaction and the flow memory meet a new secret every time), the proxy's resident memory after 10,000 and
 *   after 70,000 (and their ratio: flat is 1.0), what it holds at the end (it says so on stop), then SIGTERM:
 *   the time until it has exited with its JUnit report written.
 *
 * Nothing here is asserted. BENCH_SECONDS (5), BENCH_ROUNDS (5) and BENCH_EXCHANGES (70000) change the sizes;
 * BENCH_PART=throughput or long runs one part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { REPO_ROOT } from '../scripts/lib/contract.js';
import { readBundle } from '../src/contract/load.js';
import { pathOf } from '../src/contract/operations.js';
import { startChildServer, waitForOutput } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 70_000);
const PATH = pathOf('matchIdentity');
const page = (readBundle('direct-match-id-fr') as any).paths[PATH].post;
const body = JSON.stringify(page.requestBody.content['application/json'].examples.AllAttributes.value);
const scores = JSON.stringify(page.responses['200'].content['application/json'].examples.Scores.value);
const HEADERS = { 'Content-Type': 'application/json', Authorization: 'Bearer bench-access-token-0123456789' };

const upstream = await startChildServer(`
import { createServer } from 'node:http';
const scores = ${JSON.stringify(scores)};
const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'X-OAPI-Request-Id': 'bench' }); res.end(scores); }); });
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`);

// The baseline: what any node:http reverse proxy does at the least.
const bare = await startChildServer(`
import { createServer, request, Agent } from 'node:http';
const upstream = new URL(${JSON.stringify(upstream.url)});
const agent = new Agent({ keepAlive: true });
const server = createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host };
  delete headers.connection;
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (incoming) => {
    res.writeHead(incoming.statusCode, incoming.headers);
    incoming.pipe(res);
  });
  out.on('error', () => res.writeHead(502).end());
  req.pipe(out);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`);

const dir = await mkdtemp(path.join(tmpdir(), 'bench-proxy-'));
const children: ChildProcess[] = [upstream.child, bare.child];

/** The shipped command in front of the upstream; resolves once it listens. */
async function startProxy(args: string[]) {
  const child = spawn(process.execPath, ['bin/orange-identity.js', 'proxy', '--upstream', upstream.url, '--port', '0', '--quiet', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = (await waitForOutput(child, 'stderr', /listening on (http:\S+),/))[1]!;
  return { child, url, output: () => output };
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function load(url: string, connections: number, options: { duration?: number; amount?: number; tokens?: boolean }) {
  let n = 0;
  const result = await autocannon({
    url: url + PATH, method: 'POST', connections, headers: HEADERS, body,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? SECONDS }),
    // A token of its own per request: a new secret to learn and a new bearer to remember each time.
    ...(options.tokens ? { requests: [{ setupRequest: (request: any) => ({ ...request, headers: { ...request.headers, Authorization: `Bearer bench-token-${++n}-${Math.random().toString(36).slice(2)}` } }) }] } : {}),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, total: result.requests.total };
}
type Figures = Awaited<ReturnType<typeof load>>;
const median = (runs: Figures[]) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
/** The best round: on a machine shared with other work, the round least disturbed by it. */
const best = (runs: Figures[]) => [...runs].sort((a, b) => b.rps - a.rps)[0]!;

async function throughput(): Promise<void> {
  const plain = await startProxy([]);
  const recording = await startProxy(['--har', path.join(dir, 'throughput.har')]);
  const targets = { direct: upstream.url, 'bare forwarder': bare.url, proxy: plain.url, 'proxy --har': recording.url };
  for (const url of Object.values(targets)) await load(url, 10, { duration: 2 }); // warm-up
  const runs: Record<string, Figures[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const connections of [1, 50]) {
      for (const [name, url] of Object.entries(targets)) (runs[`${name}, ${connections} connection${connections > 1 ? 's' : ''}`] ??= []).push(await load(url, connections, {}));
    }
  }
  console.log(`matchid (${PATH}: the page's AllAttributes request and Scores response), ${ROUNDS} interleaved rounds of ${SECONDS} s, median and best round:`);
  const med = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, median(r)]));
  const top = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, best(r)]));
  for (const [name, f] of Object.entries(med)) {
    console.log(`  ${name.padEnd(28)} ${Math.round(f.rps).toString().padStart(6)} req/s (best ${Math.round(top[name]!.rps).toString().padStart(6)})   p50 ${f.p50} ms   p99 ${f.p99} ms   non-2xx ${f.non2xx}   errors ${f.errors}`);
  }
  const ms = (f: Figures) => 1000 / f.rps;
  for (const name of ['proxy', 'proxy --har']) {
    for (const [which, of] of [['median', med], ['best', top]] as const) {
      const [b1, p1, b50, p50] = [of['bare forwarder, 1 connection']!, of[`${name}, 1 connection`]!, of['bare forwarder, 50 connections']!, of[`${name}, 50 connections`]!];
      console.log(`  ${name} (${which} rounds): one exchange at a time +${(ms(p1) - ms(b1)).toFixed(3)} ms over the bare forwarder (${ms(b1).toFixed(3)} -> ${ms(p1).toFixed(3)} ms; target at most +0.3); 50 connections ${(p50.rps / b50.rps).toFixed(2)}x its throughput (${Math.round(p50.rps)} against ${Math.round(b50.rps)} req/s; target at least 0.8x)`);
    }
  }
  for (const proxy of [plain, recording]) {
    proxy.child.kill('SIGTERM');
    await once(proxy.child, 'exit');
  }
  const judged = (text: string) => /(\d+) exchanges recorded and not judged/.exec(text)?.[1] ?? '0';
  console.log(`  not judged (the judge behind the load, recorded only): ${judged(plain.output())} without --har, ${judged(recording.output())} with --har`);
}

async function longRun(): Promise<void> {
  const har = path.join(dir, 'long.har');
  const junit = path.join(dir, 'long.xml');
  const proxy = await startProxy(['--har', har, '--report', junit]);
  await load(proxy.url, 10, { duration: 2, tokens: true }); // warm-up
  const first = 10_000;
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(proxy.child.pid!)); }, 250);
  const t0 = performance.now();
  await load(proxy.url, 50, { amount: first, tokens: true });
  const at10k = rssMiB(proxy.child.pid!);
  await load(proxy.url, 50, { amount: EXCHANGES - first, tokens: true });
  const atEnd = rssMiB(proxy.child.pid!);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const stopAt = performance.now();
  proxy.child.kill('SIGTERM');
  const [code] = await once(proxy.child, 'exit');
  const stopMs = performance.now() - stopAt;
  console.log(`a long run: ${EXCHANGES} exchanges at 50 connections in ${seconds.toFixed(0)} s, each with a bearer token of its own (--har --report):`);
  console.log(`  resident memory: ${at10k.toFixed(0)} MiB after ${first}, ${atEnd.toFixed(0)} MiB after ${EXCHANGES}: ${(atEnd / at10k).toFixed(2)}x (flat is 1.00); peak ${peak.toFixed(0)} MiB`);
  console.log(`  ${/held in memory[^\n]*/.exec(proxy.output())?.[0] ?? '(the proxy said nothing of what it held)'}`);
  console.log(`  SIGTERM after ${EXCHANGES} exchanges: exited ${code} in ${(stopMs / 1000).toFixed(2)} s (target 2 s), JUnit ${existsSync(junit) ? `written (${statSync(junit).size} bytes)` : 'NOT written'}, HAR ${(statSync(har).size / 1024 / 1024).toFixed(0)} MiB (${(statSync(har).size / EXCHANGES).toFixed(0)} bytes per exchange)`);
  const total = [...proxy.output().matchAll(/^total\s.*$/gm)].at(-1)?.[0];
  console.log(`  the proxy's own summary: ${total ?? '(none)'} (operation  exchanges  ok  violations  skipped  noted)`);
}

try {
  if (process.env.BENCH_PART !== 'long') await throughput();
  if (process.env.BENCH_PART !== 'throughput') await longRun();
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
