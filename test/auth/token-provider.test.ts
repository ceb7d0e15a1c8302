import { decodeJwt } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { OrangeAuthError } from 'orange-identity-client/auth/errors';
import { createTokenProvider, type TokenProviderOptions } from 'orange-identity-client/auth/token-provider';
import { unsupportedKeys } from '../helpers/keys.js';
import { closedPortUrl, sendJson, startServer, type TestServer } from '../helpers/server.js';

let base: Omit<TokenProviderOptions, 'baseUrl'>;
let server: TestServer | undefined;
beforeAll(async () => {
  const key = await generateSigningKey();
  base = { clientId: 'client-1', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: key.privateJwk };
});
afterEach(async () => { await server?.close(); server = undefined; });

/** A token endpoint that issues `token-<n>` tokens valid `expiresIn` seconds, after `delayMs`. */
async function tokenServer(expiresIn = 3600, delayMs = 20, status = 200) {
  let issued = 0;
  server = await startServer(async (_req, res) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (status !== 200) return sendJson(res, status, { error: 'invalid_grant', error_description: 'jwt has expired' });
    sendJson(res, 200, { token_type: 'Bearer', access_token: `token-${++issued}`, expires_in: expiresIn });
  });
  return server;
}

const assertionsOf = (s: TestServer) => s.requests.map((r) => new URLSearchParams(r.body).get('assertion')!);

describe('createTokenProvider', () => {
  it('signs once per token lifetime under 200 concurrent calls, and every caller gets that token', async () => {
    const s = await tokenServer();
    const provider = createTokenProvider({ ...base, baseUrl: s.url });
    const tokens = await Promise.all(Array.from({ length: 200 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(s.requests).toHaveLength(1);
    // later calls within the lifetime are served from the cache
    await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));
    expect(s.requests).toHaveLength(1);
  });

  it('renews shortly before expires_in ends, with a new assertion and a fresh jti', async () => {
    const s = await tokenServer(3600);
    let now = 1_700_000_000_000;
    const provider = createTokenProvider({ ...base, baseUrl: s.url, now: () => now });
    expect(await provider.getToken()).toBe('token-1');
    now += (3600 - 61) * 1000; // still more than the 60 s margin left
    expect(await provider.getToken()).toBe('token-1');
    now += 2_000; // inside the margin
    const concurrent = await Promise.all([provider.getToken(), provider.getToken(), provider.getToken()]);
    expect(concurrent).toEqual(['token-2', 'token-2', 'token-2']);
    const [first, second] = assertionsOf(s).map((a) => decodeJwt(a));
    expect(s.requests).toHaveLength(2);
    expect(second!.jti).not.toBe(first!.jti);
    expect(second!.iat! - first!.iat!).toBe(3600 - 59);
  });

  it('never reuses a token past half its lifetime when expires_in is shorter than the margin', async () => {
    const s = await tokenServer(30);
    let now = 0;
    const provider = createTokenProvider({ ...base, baseUrl: s.url, now: () => now });
    await provider.getToken();
    now += 14_000;
    expect(await provider.getToken()).toBe('token-1');
    now += 2_000;
    expect(await provider.getToken()).toBe('token-2');
  });

  it('rejects every waiting caller when the token request fails, then tries again on the next call', async () => {
    const s = await tokenServer(3600, 20, 400);
    const provider = createTokenProvider({ ...base, baseUrl: s.url });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => provider.getToken()));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'ERR_TOKEN_REQUEST')).toBe(true);
    expect(s.requests).toHaveLength(1);
    await provider.getToken().catch(() => undefined);
    expect(s.requests).toHaveLength(2);
  });

  it('requests a new token after invalidate()', async () => {
    const s = await tokenServer();
    const provider = createTokenProvider({ ...base, baseUrl: s.url });
    expect(await provider.getToken()).toBe('token-1');
    provider.invalidate();
    expect(await provider.getToken()).toBe('token-2');
  });

  it('fails at creation, not at the first call, on an assertion lifetime over 24 h', () => {
    expect(() => createTokenProvider({ ...base, lifetimeSeconds: 90_000 })).toThrow(expect.objectContaining({ code: 'ERR_ASSERTION_LIFETIME' }));
  });

  it('refuses at creation every key that is not an RSA private key of 2048 bits or more', async () => {
    for (const [label, privateKey] of await unsupportedKeys()) {
      let error: unknown;
      try { createTokenProvider({ ...base, privateKey: privateKey as never, kid: 'k' }); } catch (e) { error = e; }
      expect(error, label).toBeInstanceOf(OrangeAuthError);
      expect(error, label).toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' });
    }
  });

  it('rejects every waiting caller with ERR_REQUEST_FAILED when the token endpoint refuses connections', async () => {
    const provider = createTokenProvider({ ...base, baseUrl: await closedPortUrl() });
    const results = await Promise.allSettled(Array.from({ length: 3 }, () => provider.getToken()));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as OrangeAuthError;
      expect(reason).toBeInstanceOf(OrangeAuthError);
      expect(reason.code).toBe('ERR_REQUEST_FAILED');
      expect(reason.cause).toBeInstanceOf(TypeError);
    }
  });

  it('says where it requests its tokens: the baseUrl given, normalised, or Orange production', () => {
    expect(createTokenProvider({ ...base, baseUrl: 'http://127.0.0.1:8080/' }).baseUrl).toBe('http://127.0.0.1:8080');
    expect(createTokenProvider(base).baseUrl).toBe('https://api.orange.com');
  });

  it.each([['a baseUrl that is not a URL', { baseUrl: 'localhost:8080' }], ['a negative renewal margin', { renewBeforeSeconds: -1 }]])(
    'refuses %s at creation with ERR_INVALID_OPTION', (_label, change) => {
      expect(() => createTokenProvider({ ...base, ...change })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    });
});
