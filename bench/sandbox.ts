/**
 * `npm run bench:sandbox`: matchid throughput of the sandbox, against the Prism mock on the same request and
 * against a bare node:http server that answers fixed scores (the ceiling of this machine). Each target runs in
 * its own process; autocannon drives them one after the other with the same load. Then 500 slow-header
 * connections at once (a header line every half second, never the end) against the shipped sandbox: when each is
 * closed, against its documented 10 s limit. Figures and ratios come from one run; nothing here is asserted.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startMock } from '../conformance/mock.js';
import { REPO_ROOT } from '../scripts/lib/contract.js';
import { readBundle } from '../src/contract/load.js';
import { startChildServer, waitForOutput } from './lib.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
/** Rounds, interleaved across targets so that the machine's drift hits all alike; medians are reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PATH = '/direct-matchid/fr/v1/matchid';
// The page's request, from the contract: its values equal the known subscriber's KYC record (all scores 100).
const page = (readBundle('direct-match-id-fr') as any).paths[PATH].post.requestBody.content['application/json'].examples.AllAttributes.value;
const body = JSON.stringify(page);
// The same subscriber, every value slightly off: each attribute goes through normalisation and Jaro-Winkler.
const nearMiss = JSON.stringify({
  msisdn: page.msisdn, given_name: 'Cristine', family_name: 'DUMONTEL ', birthdate: '1978-11-26', email: 'christ178.dumontel@orange.com',
  address: { street_address: '11, rue des lilas', locality: 'PARIS', postal_code: '75019', country: 'france' },
});

async function load(url: string, token: string, seconds: number, payload = body) {
  const result = await autocannon({
    url: url + PATH, method: 'POST', connections: CONNECTIONS, duration: seconds,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: payload,
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

/** The shipped command, compiled (`npm run bench:sandbox` builds it first), as integrators run it. */
async function startSandboxProcess() {
  const main = pathToFileURL(path.join(REPO_ROOT, 'dist/cli/main.js')).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `process.exitCode = await (await import(${JSON.stringify(main)})).main(['sandbox'])`], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return { url: (await waitForOutput(child, 'stdout', /listening on (http:\S+)/))[1]!, child };
}

/** `count` connections sending a header line every `everyMs`, never the blank line: when each was closed (ms after
 *  its own start), and how many got a 408 first. */
async function slowHeaders(url: string, count: number, everyMs: number) {
  const { hostname, port } = new URL(url);
  const closed = await Promise.all(Array.from({ length: count }, () => new Promise<{ ms: number; status408: boolean }>((resolve) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname, () => socket.write('GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\n'));
    const timer = setInterval(() => { if (socket.writable) socket.write('X-Slow: 1\r\n'); }, everyMs);
    let text = '';
    socket.on('data', (chunk) => { text += chunk.toString('latin1'); });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, status408: text.startsWith('HTTP/1.1 408 ') });
    });
  })));
  const ms = closed.map((c) => c.ms).sort((a, b) => a - b);
  return { first: ms[0]!, median: ms[Math.floor(ms.length / 2)]!, last: ms.at(-1)!, with408: closed.filter((c) => c.status408).length };
}

const sandbox = await startSandboxProcess();
const mock = await startMock();
const bare = await startChildServer(`
import { createServer } from 'node:http';
const scores = JSON.stringify({ given_name_score: 100, family_name_score: 100, birthdate_score: 100, address: { street_address_score: 100, locality_score: 100, postal_code_score: 100, country_score: 100 }, email_score: 100 });
const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'X-OAPI-Request-Id': 'bare' }); res.end(scores); }); });
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`);
try {
  const minted = await fetch(`${sandbox.url}/_sandbox/admin/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ msisdn: '33600000000', scope: 'atp_kyc_plain' }) });
  const { access_token: token } = (await minted.json()) as { access_token: string };
  const targets = { 'bare node:http (fixed scores)': bare.url, 'sandbox': sandbox.url, 'Prism 5.14.2 mock': mock.url };
  const runs: Record<string, Awaited<ReturnType<typeof load>>[]> = Object.fromEntries(Object.keys(targets).map((n) => [n, []]));
  for (const url of Object.values(targets)) await load(url, token, 2); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url] of Object.entries(targets)) runs[name]!.push(await load(url, token, SECONDS));
  }
  const figures = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, [...r].sort((a, b) => a.rps - b.rps)[Math.floor(r.length / 2)]!]));
  console.log(`matchid throughput, ${CONNECTIONS} connections, median of ${ROUNDS} interleaved rounds of ${SECONDS} s, same request (the page's AllAttributes example):`);
  for (const [name, r] of Object.entries(runs)) console.log(`  ${name.padEnd(30)} rounds: ${r.map((f) => Math.round(f.rps)).join(', ')} req/s`);
  for (const [name, f] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(30)} ${Math.round(f.rps).toString().padStart(7)} req/s   p50 ${f.p50} ms   p99 ${f.p99} ms   non-2xx ${f.non2xx}   errors ${f.errors}`);
  }
  const miss = await load(sandbox.url, token, SECONDS, nearMiss);
  console.log(`  ${'sandbox, near-miss values'.padEnd(30)} ${Math.round(miss.rps).toString().padStart(7)} req/s   p50 ${miss.p50} ms   p99 ${miss.p99} ms   non-2xx ${miss.non2xx}   errors ${miss.errors}`);
  const s = figures.sandbox!.rps;
  console.log(`  sandbox / Prism: ${(s / figures['Prism 5.14.2 mock']!.rps).toFixed(1)}x (near-miss: ${(miss.rps / figures['Prism 5.14.2 mock']!.rps).toFixed(1)}x)   sandbox / bare node:http: ${(s / figures['bare node:http (fixed scores)']!.rps).toFixed(2)}x`);
  const slow = await slowHeaders(sandbox.url, 500, 500);
  console.log(`500 slow-header connections at once (a header line every 0.5 s), documented limit 10 s: closed after ${(slow.first / 1000).toFixed(2)} s (first), ${(slow.median / 1000).toFixed(2)} s (median), ${(slow.last / 1000).toFixed(2)} s (last); ${slow.with408} of 500 got a 408 first`);
} finally {
  sandbox.child.kill();
  bare.child.kill();
  await mock.stop();
}
