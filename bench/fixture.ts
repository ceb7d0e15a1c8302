/**
 * `npm run bench:fixture`: the sandbox as a test fixture against oauth2-mock-server 8.1.0, its peer, in the same
 * run. Both are measured compiled, as a test suite imports them: our dist/ (`npm run bench:fixture` builds it
 * first) and the package's own dist.
 *
 * - Warm: in one process, after one start of each, the median of 25 starts to the first answered request:
 *   `createSandbox()` + `listen(0)` + GET of the Direct Match discovery document, against oauth2-mock-server's
 *   `start(0)` + GET of its OpenID configuration (its key generated beforehand, untimed, as its docs advise).
 * - Cold: a fresh Node process each time, the median of 9 runs from before the import to the first answered
 *   request; oauth2-mock-server's key generation is timed apart and left out of its figure.
 *
 * The same client (node:http, no keep-alive) asks both. Figures and ratios are printed; nothing is asserted.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../scripts/lib/contract.js';

const WARM_RUNS = 25;
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);
const SANDBOX = pathToFileURL(path.join(REPO_ROOT, 'dist/sandbox/index.js')).href;
const MOCK_SERVER = pathToFileURL(createRequire(import.meta.url).resolve('oauth2-mock-server')).href;
const DISCOVERY = '/oauth-jwt/fr/v1/.well-known/oauth-authorization-server';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** GET without keep-alive; resolves once the whole answer is in. The cold-start children run the same code. */
const GET_SOURCE = `(url) => new Promise((resolve, reject) => request(url, { agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end())`;
const get = (url: string) => new Promise<void>((resolve, reject) => {
  request(url, { agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end();
});

async function warm() {
  const { createSandbox } = (await import(SANDBOX)) as typeof import('../sandbox/index.js');
  const { OAuth2Server } = (await import(MOCK_SERVER)) as typeof import('oauth2-mock-server');
  const ours = async () => {
    const start = performance.now();
    const sandbox = createSandbox();
    const url = await sandbox.listen(0);
    await get(url + DISCOVERY);
    const elapsed = performance.now() - start;
    await sandbox.close();
    return elapsed;
  };
  const theirs = async () => {
    const server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    const start = performance.now();
    await server.start(0, '127.0.0.1');
    await get(`${server.issuer.url}/.well-known/openid-configuration`);
    const elapsed = performance.now() - start;
    await server.stop();
    return elapsed;
  };
  await ours();
  await theirs();
  const times = { ours: [] as number[], theirs: [] as number[] };
  for (let i = 0; i < WARM_RUNS; i++) {
    times.ours.push(await ours());
    times.theirs.push(await theirs());
  }
  return { ours: median(times.ours), theirs: median(times.theirs) };
}

const run = promisify(execFile);
/** Runs `source` in a fresh Node process; it prints one JSON line of timings. */
async function child(source: string): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source], { cwd: REPO_ROOT });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const coldOurs = `
const t0 = performance.now();
const { request } = await import('node:http');
const get = ${GET_SOURCE};
const { createSandbox } = await import(${JSON.stringify(SANDBOX)});
const imported = performance.now();
const sandbox = createSandbox();
const url = await sandbox.listen(0);
await get(url + ${JSON.stringify(DISCOVERY)});
const answered = performance.now();
await sandbox.close();
console.log(JSON.stringify({ total: answered - t0, import: imported - t0 }));`;

const coldTheirs = `
const t0 = performance.now();
const { request } = await import('node:http');
const get = ${GET_SOURCE};
const { OAuth2Server } = await import(${JSON.stringify(MOCK_SERVER)});
const imported = performance.now();
const server = new OAuth2Server();
const k0 = performance.now();
await server.issuer.keys.generate('RS256');
const keygen = performance.now() - k0;
await server.start(0, '127.0.0.1');
await get(server.issuer.url + '/.well-known/openid-configuration');
const answered = performance.now();
await server.stop();
console.log(JSON.stringify({ total: answered - t0 - keygen, import: imported - t0, keygen }));`;

async function cold() {
  const runs = { ours: [] as Record<string, number>[], theirs: [] as Record<string, number>[] };
  for (let i = 0; i < COLD_RUNS; i++) {
    runs.ours.push(await child(coldOurs));
    runs.theirs.push(await child(coldTheirs));
  }
  const of = (r: Record<string, number>[], key: string) => median(r.map((x) => x[key]!));
  return {
    ours: of(runs.ours, 'total'), oursImport: of(runs.ours, 'import'),
    theirs: of(runs.theirs, 'total'), theirsImport: of(runs.theirs, 'import'), keygen: of(runs.theirs, 'keygen'),
  };
}

const w = await warm();
const c = await cold();
console.log('Sandbox as a test fixture vs oauth2-mock-server 8.1.0, both compiled (our dist/sandbox/index.js), same run:');
console.log(`  warm, median of ${WARM_RUNS} starts to the first answered request (one process, after one start of each):`);
console.log(`    sandbox             ${ms(w.ours)}   (createSandbox + listen(0) + GET ${DISCOVERY})`);
console.log(`    oauth2-mock-server  ${ms(w.theirs)}   (start(0) + GET /.well-known/openid-configuration, key generated beforehand)`);
console.log(`    ratio               ${(w.ours / w.theirs).toFixed(2)}x   (target <= 1x)`);
console.log(`  cold, median of ${COLD_RUNS} fresh processes, import included:`);
console.log(`    sandbox             ${ms(c.ours)}   (of which import ${ms(c.oursImport)})`);
console.log(`    oauth2-mock-server  ${ms(c.theirs)}   (of which import ${ms(c.theirsImport)}; its key generation, ${ms(c.keygen)}, left out)`);
console.log(`    ratio               ${(c.ours / c.theirs).toFixed(2)}x   (target <= 2x)`);
