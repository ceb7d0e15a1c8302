/**
 * `npm run bench:memory` (node --expose-gc): the sandbox gives memory back. It mints 200,000 access tokens and
 * 200,000 authorization codes with short lifetimes (through the sandbox's state, as its endpoints do, without
 * HTTP so that nothing else holds memory), moves the sandbox's clock past their expiry, purges, and compares
 * the RSS after a full GC with the RSS at the start. The codes store holds at most STORE_CAPS.codes: beyond,
 * the oldest codes go first. Figures are printed; nothing is asserted.
 */
import { createSandbox } from '../sandbox/server.js';
import { loadFixture } from '../sandbox/fixture.js';
import { STORE_CAPS } from '../sandbox/state.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:memory)');
/** Tokens minted, and as many codes. */
const COUNT = 200_000;
const LIFETIME = 60;

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
const sandbox = createSandbox({ fixture });
await sandbox.listen(0);
const mint = (count: number) => {
  const { state } = sandbox;
  for (let i = 0; i < count; i++) {
    state.issueAccessToken('sandbox-direct-match', '33600000000', ['atp_kyc_plain']);
    state.issueCode({ clientId: 'sandbox-oidc-client', redirectUri: 'http://www.myserver.com', msisdn: '33600000000', scopes: ['openid', 'check_id'], authTime: state.seconds() });
  }
};
// Warm-up: the same work on a tenth of the scale, so that the start is measured with the code compiled and V8's
// young generation grown to its working size (it does not shrink back on a GC).
mint(COUNT / 10);
sandbox.clock.advance(LIFETIME + 1);
sandbox.purge();
const start = await settled();

const t0 = performance.now();
mint(COUNT);
const minted = performance.now() - t0;
const held = { tokens: sandbox.state.tokens.size, codes: sandbox.state.codes.size };
const peak = await settled();

sandbox.clock.advance(LIFETIME + 1);
const p0 = performance.now();
const removed = sandbox.purge();
const purged = performance.now() - p0;
const after = await settled();
await sandbox.close();

const mb = (x: { rss: number; heap: number }) => `RSS ${x.rss.toFixed(1)} MB, heap used ${x.heap.toFixed(1)} MB`;
console.log(`Sandbox memory: ${COUNT} access tokens and ${COUNT} codes of ${LIFETIME} s, then the clock moved ${LIFETIME + 1} s and a purge (after full GCs):`);
console.log(`  start           ${mb(start)}`);
console.log(`  all minted      ${mb(peak)}   (${held.tokens} tokens and ${held.codes} codes held: the codes store keeps at most ${STORE_CAPS.codes}; minted in ${minted.toFixed(0)} ms)`);
console.log(`  after expiry    ${mb(after)}   (${removed} entries purged in ${purged.toFixed(0)} ms; ${sandbox.state.tokens.size} tokens and ${sandbox.state.codes.size} codes left)`);
console.log(`  after / start   RSS ${(after.rss / start.rss).toFixed(2)}x (${after.rss <= start.rss * 1.2 ? 'within' : 'NOT within'} 20 % of the start), heap used ${(after.heap / start.heap).toFixed(2)}x`);
