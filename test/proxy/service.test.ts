/**
 * The validating proxy as a long-running service, against real loopback servers: the deviations it flags that
 * only live traffic shows (a tampered state, a code redeemed twice, an invalid request accepted), verdicts no odd
 * request can change, content codings live and offline, its limits (slow headers, bodies, slow or endless
 * answers), a judge that falls behind, a recording that applies back-pressure, and memory that stays within its
 * bounds whatever the number of exchanges (counted, not measured).
 */
import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExamples } from '../../src/contract/examples.js';
import { dereferencedBundle } from '../../src/contract/load.js';
import { pathOf, type OperationId } from '../../src/contract/operations.js';
import { RunState, TriggerContext } from '../../conformance/context.js';
import { createSender, wireRequest } from '../../conformance/http.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { withRunKey } from '../../conformance/sandbox-admin.js';
import type { ExchangeVerdict } from '../../conformance/proxy/index.js';
import { setJson, startBreakingProxy } from '../helpers/breaking-proxy.js';
import { collect, rawConnect } from '../helpers/raw.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { rawServer } from '../helpers/server.js';
import { compareVerdicts, proxied, validated, violations } from './proxied.js';

const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
const profile = sandboxProfile.profile;

/** The named example of an operation's response, from the contract. */
function documented(operationId: OperationId, status: string, slug: string): unknown {
  const example = collectExamples(slug, dereferencedBundle(slug as never)).find((e) => e.kind === 'response' && e.operationId === operationId && e.status === status && e.mediaType === 'application/json');
  if (!example) throw new Error(`no ${status} example for ${operationId}`);
  return example.value;
}


/** The checks a verdict failed and noted, for comparing runs. */
const shape = (v: ExchangeVerdict) => [v.group, v.outcome, v.failures.map((f) => f.check).sort(), (v.notes ?? []).map((f) => f.check).sort()];

/** A trigger context sending to `url`: the suite's own helpers for code flows and assertions (the run's key
 *  registered with the sandbox directly, as the suite does). */
async function flowsThrough(url: string) {
  const direct = createSender({ baseUrl: sandbox.url });
  const keyed = await withRunKey(profile, (r) => direct.send(r).then((e) => e.response)).finally(() => direct.close());
  const sender = createSender({ baseUrl: url });
  return { context: new TriggerContext(new RunState(keyed, { send: (r) => sender.send(r), url: (r) => wireRequest(url, r).url })), close: () => sender.close() };
}

/** Resolves once every exchange the proxy ended has had its verdict delivered. */
async function settled(proxy: Awaited<ReturnType<typeof proxied>>): Promise<void> {
  while (proxy.verdicts.length < proxy.proxy.progress().exchanges) await new Promise((resolve) => setTimeout(resolve, 5));
}

let sandbox: RunningSandbox;
beforeAll(async () => { sandbox = await startSandbox(); });
afterAll(async () => { await sandbox?.close(); });

describe('deviations only live traffic shows', () => {
  it('flags an authorize redirect whose state is not the one the request sent, and passes the one that echoes it', async () => {
    const breaker = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (ctx.operationId !== 'authorize' || r.status !== 302 || !new URL(ctx.request.url).searchParams.get('state')?.startsWith('tamper')) return;
      r.headers = r.headers.map(([k, v]) => {
        if (k.toLowerCase() !== 'location') return [k, v];
        const location = new URL(v);
        location.searchParams.set('state', 'forged-state');
        return [k, location.toString()];
      });
    });
    const proxy = await proxied(breaker);
    const flows = await flowsThrough(proxy.url);
    try {
      const cookie = profile.authentication!.session!.cookie;
      for (const state of ['honest-1', 'tamper-1']) {
        const query = new URLSearchParams(flows.context.authorizeQuery({ state }));
        const res = await fetch(`${proxy.url}${pathOf('authorize')}?${query}`, { headers: { Cookie: cookie }, redirect: 'manual' });
        expect(res.status).toBe(302);
      }
    } finally {
      flows.close();
      await breaker.close();
    }
    const { verdicts } = await proxy.stop();
    expect(verdicts.map((v) => [v.outcome, v.failures.map((f) => [f.check, f.at, f.got])])).toEqual([
      ['passed', []],
      ['failed', [['location', 'state', 'forged-state']]],
    ]);
  });

  it('flags a code exchanged with success a second time (use_after_free), and passes a second exchange refused', async () => {
    // Asked to (X-Replay), the target answers a code it has answered before with the same tokens again; the
    // sandbox behind it refuses a second use.
    const answered = new Map<string, { status: number; headers: [string, string][]; body: string }>();
    const breaker = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (ctx.operationId !== 'exchangeAuthorizationCode') return;
      const code = new URLSearchParams(ctx.request.body).get('code') ?? '';
      const first = answered.get(code);
      if (!first && r.status === 200) answered.set(code, structuredClone(r));
      else if (first && ctx.request.headers.get('x-replay') === 'yes') Object.assign(r, structuredClone(first));
    });
    const proxy = await proxied(breaker);
    const flows = await flowsThrough(proxy.url);
    const exchange = async (code: string, replay: boolean) => (await fetch(`${proxy.url}${pathOf('exchangeAuthorizationCode')}`, {
      method: 'POST', headers: { Authorization: flows.context.basic(), 'Content-Type': 'application/x-www-form-urlencoded', ...(replay ? { 'X-Replay': 'yes' } : {}) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: profile.authentication!.redirectUri }),
    })).status;
    try {
      const honest = await flows.context.authorizationCode();
      expect([await exchange(honest, false), await exchange(honest, false)]).toEqual([200, 400]);
      const replayed = await flows.context.authorizationCode();
      expect([await exchange(replayed, true), await exchange(replayed, true)]).toEqual([200, 200]);
    } finally {
      flows.close();
      await breaker.close();
    }
    const { verdicts } = await proxy.stop();
    const tokens = verdicts.filter((v) => v.group === 'exchangeAuthorizationCode');
    expect(tokens.map((v) => [v.status, v.outcome, v.failures.map((f) => f.check)])).toEqual([
      [200, 'passed', []],
      [400, 'passed', []],
      [200, 'passed', []],
      [200, 'failed', ['use_after_free']],
    ]);
    expect(tokens[3]!.failures[0]).toMatchObject({ at: 'code', got: 'accepted: HTTP 200' });
  });

  it('flags a request the contract refuses that the target accepts with a 2xx (negative_data_rejection), never one it refuses', async () => {
    const scores = documented('matchIdentity', '200', 'direct-match-id-fr');
    const premium = documented('verifyPremiumInfo', '200', 'id-match-es');
    const breaker = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (ctx.request.headers.get('x-accept-anything') !== 'yes') return;
      r.status = 200;
      r.headers = [['Content-Type', 'application/json'], ['X-OAPI-Request-Id', 'accepting-target']];
      setJson(r, ctx.operationId === 'matchIdentity' ? scores : premium);
    });
    const proxy = await proxied(breaker);
    const flows = await flowsThrough(proxy.url);
    try {
      const token = await flows.context.directMatchToken();
      const send = (path: string, body: unknown, accept: boolean) => fetch(`${proxy.url}${path}`, {
        method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(accept ? { 'X-Accept-Anything': 'yes' } : {}) }, body: JSON.stringify(body),
      }).then((r) => r.status);
      const invalid = { family_name: 42 };
      expect(await send(pathOf('matchIdentity'), invalid, false)).toBe(400);
      expect(await send(pathOf('matchIdentity'), invalid, true)).toBe(200);
      expect(await send(pathOf('verifyPremiumInfo'), { msisdn: true }, true)).toBe(200);
    } finally {
      flows.close();
      await breaker.close();
    }
    const { verdicts } = await proxy.stop();
    const judged = verdicts.filter((v) => v.group === 'matchIdentity' || v.group === 'verifyPremiumInfo');
    expect(judged.map((v) => [v.group, v.status, v.failures.map((f) => f.check)])).toEqual([
      ['matchIdentity', 400, []],
      ['matchIdentity', 200, ['negative_data_rejection']],
      ['verifyPremiumInfo', 200, ['negative_data_rejection']],
    ]);
    expect(judged[1]!.failures[0]!.expected).toMatch(/^a refusal of a request the contract says is invalid \(schema\)/);
    expect(judged[1]!.notes!.map((f) => f.check)).toContain('schema');
  });
});

describe('verdicts no odd request can change', () => {
  it('judges every exchange on its raw values: after a scheme with no credential, a credential equal to its scheme, a token equal to a common word, the same traffic gets the same verdicts', async () => {
    const proxy = await proxied(sandbox);
    const apis = ['authentication-fr', 'form-id-fr'] as const;
    await runConformance({ baseUrl: proxy.url, profile, secrets: sandboxProfile.secrets, apis: [...apis] });
    await settled(proxy);
    const before = proxy.verdicts.length;
    const odd: [string, RequestInit][] = [
      [pathOf('getCheckIdUserInfo'), { headers: { Authorization: 'Bearer' } }],
      [pathOf('getFormFillingUserInfo'), { headers: { Authorization: 'Bearer Bearer' } }],
      [pathOf('getFormFillingUserInfo'), { headers: { Authorization: 'Bearer openid' } }],
      [`${pathOf('getFormFillingUserInfo')}?access_token=Bearer`, {}],
      [pathOf('exchangeAuthorizationCode'), { method: 'POST', headers: { Authorization: 'Basic Basic', 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'session=Bearer' }, body: 'grant_type=authorization_code&code=Bearer&redirect_uri=openid' }],
      [pathOf('refreshAccessToken'), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=access_token' }],
    ];
    for (const [path, init] of odd) await fetch(`${proxy.url}${path}`, init).then((r) => r.arrayBuffer());
    await settled(proxy);
    const oddCount = proxy.verdicts.length - before;
    expect(oddCount).toBe(odd.length);
    await runConformance({ baseUrl: proxy.url, profile, secrets: sandboxProfile.secrets, apis: [...apis] });
    const { verdicts, har, harFile } = await proxy.stop();
    const first = verdicts.slice(0, before);
    const again = verdicts.slice(before + oddCount);
    const sorted = (list: ExchangeVerdict[]) => list.map((v) => JSON.stringify(shape(v))).sort();
    expect(sorted(again)).toEqual(sorted(first));
    expect(violations(again)).toEqual([]);
    // Token responses are among them, with their token_type "Bearer".
    expect(again.filter((v) => v.group === 'exchangeAuthorizationCode' && v.status === 200).length).toBeGreaterThan(0);
    // The record and its offline verdicts stay what redaction makes them; live verdicts never depend on it.
    expect(har.log.entries).toHaveLength(verdicts.length);
    expect((await validated(harFile)).verdicts).toHaveLength(verdicts.length);
  });
});

describe('content codings', () => {
  const userinfo = JSON.stringify(documented('getCheckIdUserInfo', '200', 'match-id-fr'));
  const CODINGS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;

  it('forwards gzip, deflate and br bodies as they came, judges them decoded, records them decoded (naming the coding), and validate agrees', async () => {
    const upstream = await rawServer((req, res) => {
      req.resume();
      const coding = new URL(req.url!, 'http://x').searchParams.get('coding') as keyof typeof CODINGS | 'broken';
      const body = coding === 'broken' ? Buffer.from('not gzip at all') : CODINGS[coding](Buffer.from(userinfo));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': coding === 'broken' ? 'gzip' : coding, 'Cache-Control': 'no-store', Pragma: 'no-cache', 'Content-Length': body.length }).end(body);
    });
    const proxy = await proxied(upstream);
    try {
      for (const coding of [...Object.keys(CODINGS), 'broken']) {
        const raw = await new Promise<Buffer>((resolve, reject) => {
          httpRequest(`${proxy.url}${pathOf('getCheckIdUserInfo')}?coding=${coding}`, { headers: { Authorization: 'Bearer some-access-token', 'Accept-Encoding': 'gzip, deflate, br' } }, async (res) => {
            const chunks: Buffer[] = [];
            for await (const c of res) chunks.push(c as Buffer);
            resolve(Buffer.concat(chunks));
          }).once('error', reject).end();
        });
        const sent = coding === 'broken' ? Buffer.from('not gzip at all') : CODINGS[coding as keyof typeof CODINGS](Buffer.from(userinfo));
        expect(raw.equals(sent), coding).toBe(true);
      }
    } finally {
      await upstream.close();
    }
    const { verdicts, har, harFile } = await proxy.stop();
    expect(verdicts.map((v) => [v.contentCoding, v.outcome, v.failures.map((f) => f.check)])).toEqual([
      ['gzip', 'passed', []], ['deflate', 'passed', []], ['br', 'passed', []], [undefined, 'failed', ['body']],
    ]);
    expect(verdicts[3]!.failures[0]!.got).toMatch(/could not be decoded \(Content-Encoding: gzip\)/);
    for (const [i, entry] of har.log.entries.slice(0, 3).entries()) {
      expect(entry.response.content.text).toBe(userinfo);
      expect(entry.response.content.size).toBe(Buffer.byteLength(userinfo));
      expect(entry.response.bodySize).toBe(Object.values(CODINGS)[i]!(Buffer.from(userinfo)).length);
    }
    const offline = await validated(harFile);
    expect(compareVerdicts(offline.verdicts, verdicts, har).mismatches).toEqual([]);
  });
});

describe('limits', () => {
  it('closes a connection whose headers never end, and one that sends nothing, after the header timeout', async () => {
    const proxy = await proxied(sandbox, { limits: { headersMs: 300 } });
    try {
      const trickling = rawConnect(proxy.url);
      const trickled = collect(trickling);
      trickling.write(`GET ${pathOf('getCheckIdUserInfo')} HTTP/1.1\r\nHost: localhost\r\n`);
      // One header line at a time, never the blank line that ends them (a slowloris client).
      const trickle = setInterval(() => { if (trickling.writable) trickling.write(`X-Slow-${Date.now()}: 1\r\n`); }, 50);
      const silent = collect(rawConnect(proxy.url));
      const [a, b] = await Promise.all([trickled.finally(() => clearInterval(trickle)), silent]);
      expect(a.status ?? 408).toBe(408);
      expect(b.text).toMatch(/^(HTTP\/1\.1 408 |)/);
      expect(trickling.destroyed).toBe(true);
      expect(proxy.proxy.progress().timedOut).toBeGreaterThanOrEqual(2);
    } finally {
      const { verdicts } = await proxy.stop();
      // Nothing was forwarded: no request ever came whole.
      expect(verdicts).toEqual([]);
    }
  });

  it('answers a request body past the limit with its own 413, declared or streamed, without forwarding it further', async () => {
    let reached = 0;
    const upstream = await rawServer((req, res) => { reached++; req.resume(); req.on('end', () => res.writeHead(200).end()); });
    const proxy = await proxied(upstream, { limits: { bodyBytes: 1024 } });
    try {
      const declared = await fetch(`${proxy.url}${pathOf('matchIdentity')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'x'.repeat(2000) });
      expect(declared.status).toBe(413);
      expect(await declared.text()).toBe('orange-identity proxy: the request body goes past 1024 bytes (the body limit): not forwarded\n');
      expect(reached).toBe(0);
      const streamed = rawConnect(proxy.url);
      const reply = collect(streamed);
      streamed.write(`POST ${pathOf('matchIdentity')} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < 3; i++) streamed.write(`${(800).toString(16)}\r\n${'y'.repeat(800)}\r\n`);
      const result = await reply;
      expect(result.status).toBe(413);
      expect(result.ended).toBe(true);
    } finally {
      const { verdicts } = await proxy.stop();
      await upstream.close();
      expect(verdicts.map((v) => [v.outcome, v.reason])).toEqual([
        ['skipped', 'not forwarded: the request body declared 2000 bytes, past 1024 (the body limit): the proxy answered 413'],
        ['skipped', 'not forwarded: the request body went past 1024 bytes (the body limit): the proxy answered 413'],
      ]);
    }
  });

  it('cuts an answer that trickles past the answer time limit, or whose body goes past the body limit, and fails its request check saying so', async () => {
    const upstream = await rawServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url!.endsWith('big')) res.write('x'.repeat(4096));
      // The trickle never ends; it stops with the server.
      const timer = setInterval(() => res.write(' '), 20);
      res.once('close', () => clearInterval(timer));
    });
    const proxy = await proxied(upstream, { limits: { answerMs: 400, idleMs: 10_000, bodyBytes: 2048 } });
    try {
      // Two slow ones at once: the one sweep that checks the time limits cuts both.
      await Promise.all(['?slow', '?slow', '?big'].map((suffix) => expect(fetch(`${proxy.url}${pathOf('getCheckIdUserInfo')}${suffix}`, { headers: { Authorization: 'Bearer t' } }).then((r) => r.text())).rejects.toThrow()));
    } finally {
      await upstream.close();
    }
    const { verdicts } = await proxy.stop();
    expect(verdicts.map((v) => [v.outcome, v.failures.map((f) => f.check)])).toEqual(Array.from({ length: 3 }, () => ['failed', ['request']]));
    const got = verdicts.map((v) => String(v.failures[0]!.got));
    expect(got.filter((g) => /^cut by the proxy: the answer of http:\/\/127\.0\.0\.1:\d+ was not over within 400 ms \(the answer time limit\)$/.test(g))).toHaveLength(2);
    expect(got).toContain("cut by the proxy: the answer's body went past 2048 bytes (the body limit)");
  });
});

describe('a judge that falls behind, a recording that cannot', () => {
  it('records every exchange it does not judge, and says why', async () => {
    const proxy = await proxied(sandbox, { limits: { judgeBacklog: 0 } });
    for (let i = 0; i < 5; i++) await fetch(`${proxy.url}${pathOf('getAuthorizationServerMetadata')}`).then((r) => r.arrayBuffer());
    const { verdicts, har, counts, summary } = await proxy.stop();
    expect(verdicts.map((v) => [v.outcome, v.reason])).toEqual(Array.from({ length: 5 }, () => ['skipped', 'not judged: the judge was more than 0 exchanges behind']));
    expect(har.log.entries).toHaveLength(5);
    expect(counts).toMatchObject({ exchanges: 5, unjudged: 5, violations: 0 });
    expect(summary).toContain('5 exchanges recorded and not judged');
  });

  it('without a HAR, counts what it does not judge, per operation, with why', async () => {
    const proxy = await proxied(sandbox, { har: undefined, limits: { judgeBacklog: 0 } });
    for (let i = 0; i < 4; i++) await fetch(`${proxy.url}${pathOf('getAuthorizationServerMetadata')}`).then((r) => r.arrayBuffer());
    await fetch(`${proxy.url}/no/such/path`).then((r) => r.arrayBuffer());
    const { counts, summary, report } = await proxy.proxy.stop();
    expect(counts).toMatchObject({ exchanges: 5, unjudged: 5, skipped: 5, violations: 0 });
    expect(summary).toMatch(/^getAuthorizationServerMetadata\s+4\s+0\s+0\s+4\s+0$/m);
    expect(report.entries.map((e) => [e.name, e.count, e.reason])).toEqual([
      ['getAuthorizationServerMetadata: 4 exchanges (the first: #1 GET /oauth-jwt/fr/v1/.well-known/oauth-authorization-server)', 4, 'not judged: the judge was more than 0 exchanges behind'],
      ['unmatched: 1 exchange (the first: #5 GET /no/such/path)', 1, 'not judged: the judge was more than 0 exchanges behind'],
    ]);
  });

  it('holds new requests while the recording is behind, and loses none of them', async () => {
    const proxy = await proxied(sandbox, { limits: { backlog: 1 } });
    const statuses = await Promise.all(Array.from({ length: 30 }, () => fetch(`${proxy.url}${pathOf('getAuthorizationServerMetadata')}`).then((r) => r.status)));
    expect(statuses).toEqual(Array.from({ length: 30 }, () => 200));
    const { verdicts, har } = await proxy.stop();
    expect(har.log.entries).toHaveLength(30);
    expect(verdicts.map((v) => v.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe('memory', () => {
  it('stays within its bounds whatever the number of exchanges: kept failures, flow memory, learned and numbered secrets, decoded JWTs, report entries', async () => {
    // Every exchange fails, and brings a new code, a new refresh token and new access tokens with an id_token.
    let n = 0;
    const upstream = await rawServer((req, res) => {
      req.resume();
      n++;
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      if (req.url!.startsWith(pathOf('authorize'))) {
        // The state is never the one sent: every authorize fails its location check.
        res.writeHead(302, { Location: `http://rp/cb?code=code-${n}-abcdefgh&state=other` }).end();
        return;
      }
      const idToken = `${b64({ alg: 'HS256' })}.${b64({ sub: `user-${n}`, n })}.c2lnbmF0dXJl${n}`;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: `access-${n}-abcdefgh`, refresh_token: `refresh-${n}-abcdefgh`, id_token: idToken, token_type: 'Bearer', expires_in: 1, debug: `token access-${n}-abcdefgh` }));
    });
    const limits = { aggregate: { kept: 3, perCheck: 2 }, redaction: { secrets: 8, placeholders: 40, jwts: 5 }, flowMemory: 12 };
    const proxy = await proxied(upstream, { limits });
    const flow = async (i: number) => {
      await fetch(`${proxy.url}${pathOf('authorize')}?response_type=code&client_id=c&scope=openid&redirect_uri=http://rp/cb&state=s&nonce=n${i}`, { redirect: 'manual' }).then((r) => r.arrayBuffer());
      await fetch(`${proxy.url}${pathOf('exchangeAuthorizationCode')}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic Yzpz' }, body: `grant_type=authorization_code&code=code-${i}&redirect_uri=http://rp/cb` }).then((r) => r.arrayBuffer());
    };
    const snapshots: { secrets: number }[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 150; i++) await flow(round * 150 + i);
        await until(() => proxy.proxy.progress().counts.exchanges === (round + 1) * 300);
        snapshots.push(proxy.proxy.progress().retained);
      }
    } finally {
      await upstream.close();
    }
    const { retained, counts, report, verdicts } = await proxy.stop();
    // The bounds are reached, and held: the same after 300 exchanges as after 600 (the learned secrets move
    // within their window as it turns).
    const { secrets: _a, ...first } = snapshots[0]!;
    const { secrets: _b, ...second } = snapshots[1]!;
    expect(first).toEqual(second);
    for (const s of snapshots) expect(s.secrets).toBeLessThanOrEqual(2 * 8);
    expect(retained).toMatchObject({ kept: 3, placeholders: 40, jwts: 5 });
    expect(retained.flow).toBeLessThanOrEqual(4 * 12);
    expect(retained.flow).toBeGreaterThan(12);
    expect(retained.secrets).toBeLessThanOrEqual(2 * 8);
    expect(counts).toMatchObject({ exchanges: 600, kept: 3 });
    expect(report.entries.filter((e) => !e.count).map((e) => e.name)).toEqual(['#1 GET /openidconnect/fr/v1/authorize', '#2 POST /openidconnect/fr/v1/token', '#3 GET /openidconnect/fr/v1/authorize']);
    const interesting = verdicts.filter((v) => v.outcome === 'failed' || v.notes?.length).length;
    expect(interesting).toBeGreaterThan(300);
    expect(counts.dropped).toBe(interesting - 3);
    // The report: the kept exchanges, and a few entries counting the rest, whose counts add up to every exchange.
    expect(report.entries.length).toBeLessThan(20);
    expect(report.entries.reduce((sum, e) => sum + (e.count ?? 1), 0)).toBe(600);
  });
});

/** Resolves once `condition()` holds, checking on every turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
