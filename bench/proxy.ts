/**
 * `npm run bench:proxy`: what the validating proxy costs per exchange, against the same upstream without it, in
 * the same run. The upstream is a bare node:http server answering the page's matchid scores (so that the
 * upstream's own cost is as small as it gets and the proxy's shows); the proxy is the shipped command
 * (`orange-identity proxy`), which forwards, records (HAR entry, redaction) and judges (request and response
 * checks) every exchange. autocannon drives both with the same request, one connection (the latency an
 * exchange gains) and 50 (the throughput left), in interleaved rounds; medians are reported, as figures and
 * ratios, with the proxy's memory and the size of its HAR. Nothing here is asserted.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { REPO_ROOT } from '../scripts/lib/contract.js';
import { pathOf } from '../src/contract/operations.js';
import { readBundle } from '../src/contract/load.js';
import { startChildServer, waitForOutput } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PATH = pathOf('matchIdentity');
const page = (readBundle('direct-match-id-fr') as any).paths[PATH].post;
const body = JSON.stringify(page.requestBody.content['application/json'].examples.AllAttributes.value);
const scores = JSON.stringify(page.responses['200'].content['application/json'].examples.Scores.value);

const bare = await startChildServer(`
import { createServer } from 'node:http';
const scores = ${JSON.stringify(scores)};
const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'X-OAPI-Request-Id': 'bench' }); res.end(scores); }); });
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`);

const recording = path.join(await mkdtemp(path.join(tmpdir(), 'bench-proxy-')), 'bench.har');
const proxy = spawn(process.execPath, ['bin/orange-identity.js', 'proxy', '--upstream', bare.url, '--port', '0', '--quiet', '--har', recording], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
const proxyUrl = (await waitForOutput(proxy, 'stderr', /listening on (http:\S+),/))[1]!;
let summary = '';
proxy.stdout!.on('data', (chunk: Buffer) => { summary += chunk.toString(); });
const rssMiB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proxy.pid}/status`, 'utf8'))![1]) / 1024;

async function load(url: string, connections: number, seconds: number) {
  const result = await autocannon({
    url: url + PATH, method: 'POST', connections, duration: seconds,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer bench-access-token-0123456789' }, body,
  });
  return { rps: result.requests.average, mean: result.latency.mean, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, total: result.requests.total };
}
type Figures = Awaited<ReturnType<typeof load>>;
const median = (runs: Figures[]) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;

try {
  const targets = { direct: bare.url, 'through the proxy': proxyUrl };
  const runs: Record<string, Figures[]> = {};
  for (const url of Object.values(targets)) await load(url, 10, 2); // warm-up
  const rssBefore = rssMiB();
  let exchanges = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const connections of [1, 50]) {
      for (const [name, url] of Object.entries(targets)) {
        const figures = await load(url, connections, SECONDS);
        if (url === proxyUrl) exchanges += figures.total;
        (runs[`${name}, ${connections} connection${connections > 1 ? 's' : ''}`] ??= []).push(figures);
      }
    }
  }
  const rssAfter = rssMiB();
  console.log(`matchid (${PATH}, the page's AllAttributes request and Scores response), median of ${ROUNDS} interleaved rounds of ${SECONDS} s:`);
  const med: Record<string, Figures> = {};
  for (const [name, r] of Object.entries(runs)) {
    const f = (med[name] = median(r));
    console.log(`  ${name.padEnd(32)} ${Math.round(f.rps).toString().padStart(6)} req/s   mean ${f.mean.toFixed(2)} ms   p50 ${f.p50} ms   p99 ${f.p99} ms   non-2xx ${f.non2xx}   errors ${f.errors}`);
  }
  // One connection: round trips one after the other, so 1/throughput is the time of one exchange.
  const [d1, p1] = [med['direct, 1 connection']!, med['through the proxy, 1 connection']!];
  console.log(`  one exchange at a time: ${(1000 / d1.rps).toFixed(3)} ms direct, ${(1000 / p1.rps).toFixed(3)} ms through the proxy: +${(1000 / p1.rps - 1000 / d1.rps).toFixed(3)} ms per exchange (${(d1.rps / p1.rps).toFixed(1)}x)`);
  const [d50, p50] = [med['direct, 50 connections']!, med['through the proxy, 50 connections']!];
  console.log(`  50 connections: throughput ${(p50.rps / d50.rps).toFixed(2)}x of direct (${Math.round(p50.rps)} against ${Math.round(d50.rps)} req/s); latency p50 ${d50.p50} -> ${p50.p50} ms, p99 ${d50.p99} -> ${p50.p99} ms`);
  console.log(`  the proxy's resident memory: ${rssBefore.toFixed(0)} MiB before the rounds, ${rssAfter.toFixed(0)} MiB after ${exchanges} exchanges (${(((rssAfter - rssBefore) * 1024 * 1024) / Math.max(1, exchanges)).toFixed(0)} bytes per exchange: the verdicts, kept for the reports until the proxy stops; the HAR goes to its file)`);
  proxy.kill('SIGTERM');
  await once(proxy, 'exit');
  console.log(`  the HAR: ${(statSync(recording).size / 1024 / 1024).toFixed(1)} MiB, ${(statSync(recording).size / Math.max(1, exchanges)).toFixed(0)} bytes per exchange`);
  const total = [...summary.matchAll(/^total\s.*$/gm)].at(-1)?.[0];
  console.log(`  the proxy's own summary: ${total ?? '(none)'} (operation  exchanges  ok  violations  skipped  noted)`);
} finally {
  if (proxy.exitCode === null) proxy.kill('SIGKILL');
  bare.child.kill();
  await rm(path.dirname(recording), { recursive: true, force: true });
}
