/**
 * `npm run bench:memory` (node --expose-gc): the sandbox gives memory back after a clock jump. It mints 200,000
 * access tokens and 200,000 authorization codes with short lifetimes (through the sandbox's state, as its
 * endpoints do, without HTTP so that nothing else holds memory), moves the sandbox's clock past their expiry, and
 * lets them go twice: once with the admin API's purge (`POST /_sandbox/admin/purge`), once with no call at all,
 * by the periodic purge of a listening sandbox (every PERIOD_MS here; every minute by default). Each time it
 * compares the RSS after a full GC with the RSS at the start. The codes store holds at most STORE_CAPS.codes:
 * beyond, the oldest codes go first. Figures are printed; nothing is asserted.
 */
import { adminPath } from '../conformance/sandbox-admin.js';
import { loadFixture } from '../sandbox/fixture.js';
import { STORE_CAPS } from '../sandbox/limits.js';
import { createSandbox } from '../sandbox/server.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:memory)');
/** Tokens minted, and as many codes. */
const COUNT = 200_000;
const LIFETIME = 60;
/** The periodic purge's interval in this run. */
const PERIOD_MS = 1000;

/** RSS and used heap, in MB, after full collections (V8 gives pages back over a few of them). */
async function settled(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 10; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / 2 ** 20, heap: heapUsed / 2 ** 20 };
}

const fixture = { ...structuredClone(loadFixture()), accessTokenLifetime: LIFETIME, codeLifetime: LIFETIME };
const sandbox = createSandbox({ fixture, purgeIntervalMs: PERIOD_MS });
const url = await sandbox.listen(0);
const { state } = sandbox;
const held = () => state.tokens.size + state.codes.size;
const mint = (count: number) => {
  for (let i = 0; i < count; i++) {
    state.issueAccessToken('sandbox-direct-match', '33600000000', ['atp_kyc_plain']);
    state.issueCode({ clientId: 'sandbox-oidc-client', redirectUri: 'http://www.myserver.com', msisdn: '33600000000', scopes: ['openid', 'check_id'], authTime: state.seconds() });
  }
};
const jump = () => fetch(`${url}${adminPath('moveClock')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: LIFETIME + 1 }) });

// Warm-up: the same work on a tenth of the scale, so that the start is measured with the code compiled and V8's
// young generation grown to its working size (it does not shrink back on a GC).
mint(COUNT / 10);
sandbox.clock.advance(LIFETIME + 1);
sandbox.purge();
const baseline = held();
const start = await settled();

const t0 = performance.now();
mint(COUNT);
const minted = performance.now() - t0;
const counts = { tokens: state.tokens.size, codes: state.codes.size };
const peak = await settled();

// 1. The admin API's purge, right after the clock moved.
await jump();
const p0 = performance.now();
const purged = (await (await fetch(`${url}${adminPath('purgeExpired')}`, { method: 'POST', headers: { 'X-Sandbox-Admin': '1' } })).json()) as { purged: number };
const purgeMs = performance.now() - p0;
const afterAdmin = await settled();

// 2. No call at all: the periodic purge of the listening sandbox.
mint(COUNT);
await jump();
const w0 = performance.now();
while (held() > baseline) await new Promise((resolve) => setTimeout(resolve, 50));
const waited = performance.now() - w0;
const afterPeriodic = await settled();
await sandbox.close();

const mb = (x: { rss: number; heap: number }) => `RSS ${x.rss.toFixed(1)} MB, heap used ${x.heap.toFixed(1)} MB`;
const ratio = (x: { rss: number; heap: number }) => `RSS ${(x.rss / start.rss).toFixed(2)}x (${x.rss <= start.rss * 1.2 ? 'within' : 'NOT within'} 20 % of the start), heap used ${(x.heap / start.heap).toFixed(2)}x`;
console.log(`Sandbox memory: ${COUNT} access tokens and ${COUNT} codes of ${LIFETIME} s, then the clock moved ${LIFETIME + 1} s (after full GCs):`);
console.log(`  start             ${mb(start)}`);
console.log(`  all minted        ${mb(peak)}   (${counts.tokens} tokens and ${counts.codes} codes held: the codes store keeps at most ${STORE_CAPS.codes}; minted in ${minted.toFixed(0)} ms)`);
console.log(`  admin purge       ${mb(afterAdmin)}   (POST /_sandbox/admin/purge: ${purged.purged} entries in ${purgeMs.toFixed(0)} ms)`);
console.log(`  periodic purge    ${mb(afterPeriodic)}   (no call: gone ${waited.toFixed(0)} ms after the jump, the purge running every ${PERIOD_MS} ms; every 60,000 ms by default)`);
console.log(`  admin / start     ${ratio(afterAdmin)}`);
console.log(`  periodic / start  ${ratio(afterPeriodic)}`);
