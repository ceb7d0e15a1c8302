import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { setJson, startBreakingProxy } from '../helpers/breaking-proxy.js';
import { startGateway, type GatewayOptions } from '../helpers/gateway.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
let sandbox: RunningSandbox;
beforeAll(async () => { sandbox = await startSandbox(); });
afterAll(async () => { await sandbox?.close(); });

/** Each legal way a correct deployment may differ from the sandbox, alone, then all at once. */
const VARIATIONS: [string, Omit<GatewayOptions, 'prefix'>][] = [
  ['nothing but the path prefix', {}],
  ['gzip', { coding: 'gzip' }],
  ['br', { coding: 'br' }],
  ['deflate', { coding: 'deflate' }],
  ['chunked framing and Connection: close', { chunked: true, close: true }],
  ['lower-case header names and headers of its own', { headerCase: 'lower', extraHeaders: true }],
  ['upper-case header names', { headerCase: 'upper' }],
  ['Cache-Control on two lines', { splitCacheControl: true }],
  ['JSON re-serialised: whitespace, member order, \\u escapes', { reformatJson: true }],
  ['application/json;charset=UTF-8', { jsonCharsetSpelling: true }],
  ['token_type in lower case (bearer)', { lowerTokenType: true }],
  ['cache directives in another case, beside directives of its own', { cacheDirectives: true }],
  ['authentication schemes in lower case, after a challenge of its own', { challenges: true }],
  ['opaque tokens of another length', { tokens: 'opaque' }],
  ['JWT access tokens', { tokens: 'jwt' }],
  ['its own public origin and prefix in discovery documents', { advertise: 'https://api.gw.example' }],
  ['slow but in-time answers', { delayMs: 150 }],
  ['all at once', { coding: 'br', chunked: true, close: true, headerCase: 'lower', extraHeaders: true, splitCacheControl: true, reformatJson: true, jsonCharsetSpelling: true, lowerTokenType: true, cacheDirectives: true, challenges: true, tokens: 'jwt', advertise: 'https://api.gw.example', delayMs: 20 }],
];

describe('a correct target behind a stand-in production gateway', () => {
  it.each(VARIATIONS)('passes every case with %s, under a path prefix', async (_name, variation) => {
    const gateway = await startGateway(sandbox.url, { prefix: '/some/prefix', ...variation });
    try {
      const run = await runConformance({ baseUrl: gateway.url, profile: sandboxProfile.profile, secrets: sandboxProfile.secrets });
      expect(run.entries.filter((e) => e.outcome !== 'passed').map((e) => `${e.id}: ${e.reason ?? JSON.stringify(e.failures)}`)).toEqual([]);
      expect(gateway.received.every((r) => r.url.startsWith('/some/prefix/'))).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});

describe('a wrong target behind the same gateway', () => {
  it('still fails exactly the cases it breaks, whatever the gateway does legally', async () => {
    // matchid repeats a documented header, and its scores grow a member the contract does not have.
    const broken = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (ctx.operationId !== 'matchIdentity') return;
      r.headers.push(['X-OAPI-Request-Id', 'again']);
      if (r.status === 200) setJson(r, { ...ctx.json(), trace: 'node 3' });
    });
    const gateway = await startGateway(broken.url, { prefix: '/some/prefix', ...VARIATIONS.at(-1)![1] });
    try {
      const run = await runConformance({ baseUrl: gateway.url, profile: sandboxProfile.profile, apis: ['direct-match-id-fr'] });
      const matchid = loadCatalogue(['direct-match-id-fr']).cases.filter((c) => c.operation.operationId === 'matchIdentity' && ['200', '400'].includes(c.status));
      const failed = run.entries.filter((e) => e.outcome === 'failed');
      expect(failed.map((e) => e.id).sort()).toEqual(matchid.map((c) => c.id).sort());
      for (const e of failed) {
        expect(e.failures.some((f) => f.check === 'header-once'), e.id).toBe(true);
        if (e.status === '200') expect(e.failures.some((f) => f.check === 'undocumented-member' && f.at === 'body/trace'), e.id).toBe(true);
      }
    } finally {
      await gateway.close();
      await broken.close();
    }
  });
});
