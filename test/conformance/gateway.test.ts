import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
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
  ['JSON re-serialised: whitespace, member order, \\u escapes', { reformatJson: true }],
  ['application/json;charset=UTF-8', { jsonCharsetSpelling: true }],
  ['opaque tokens of another length', { tokens: 'opaque' }],
  ['JWT access tokens', { tokens: 'jwt' }],
  ['its own public origin and prefix in discovery documents', { advertise: 'https://api.gw.example' }],
  ['slow but in-time answers', { delayMs: 150 }],
  ['all at once', { coding: 'br', chunked: true, close: true, headerCase: 'lower', extraHeaders: true, reformatJson: true, jsonCharsetSpelling: true, tokens: 'jwt', advertise: 'https://api.gw.example', delayMs: 20 }],
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
