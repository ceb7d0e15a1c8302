import { request as httpRequest, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../../src/contract/operations.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import type { ExchangeVerdict } from '../../conformance/proxy/index.js';
import { htmlReport, junitReport, textReport } from '../../conformance/report/index.js';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { runConformance } from '../../conformance/runner.js';
import { resignHs256, setJson, startBreakingProxy, type Break } from '../helpers/breaking-proxy.js';
import { harSchemaErrors } from '../helpers/har-schema.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { leaked, secretsIn } from '../helpers/secrets.js';
import { closedPortUrl, rawServer, startServer, truncatedBody } from '../helpers/server.js';
import { compareVerdicts, proxied, validated, violations } from './proxied.js';

const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
const CLIENT_SECRET = sandboxProfile.profile.authentication!.clientSecret!;

let sandbox: RunningSandbox;
beforeAll(async () => { sandbox = await startSandbox(); });
afterAll(async () => { await sandbox?.close(); });

describe('the validating proxy in front of the sandbox', () => {
  it('lets the conformance suite pass through it, reports no violation, records every exchange in a valid HAR with no secret in clear, and validate agrees offline', async () => {
    let reached = 0;
    const count = () => { reached++; };
    sandbox.sandbox.server.on('request', count);
    const proxy = await proxied(sandbox);
    const run = await runConformance({ baseUrl: proxy.url, profile: sandboxProfile.profile, secrets: sandboxProfile.secrets });
    const { har, harFile, verdicts, report } = await proxy.stop();
    sandbox.sandbox.server.off('request', count);

    expect(run.entries.filter((e) => e.outcome === 'failed').map((e) => e.name)).toEqual([]);
    expect(violations(verdicts).map((v) => `${v.name}: ${JSON.stringify(v.failures)}`)).toEqual([]);
    expect(har.log.entries).toHaveLength(reached);
    expect(verdicts.map((v) => v.seq)).toEqual(Array.from({ length: reached }, (_, i) => i + 1));
    expect(harSchemaErrors(har)).toEqual([]);
    // Every operation of the suite's traffic was recognised, and its unmatched paths are findings of their own.
    // (the unmatched ones: the sandbox admin API, which the suite asks for the run's key and its faults).
    expect(new Set(verdicts.map((v) => v.group))).toEqual(new Set([...loadCatalogue().cases.map((c) => c.operation.operationId), 'unmatched']));
    expect(verdicts.filter((v) => v.group === 'unmatched').every((v) => v.outcome === 'skipped' && v.reason?.startsWith('not an operation of the contract'))).toBe(true);
    // The suite sends broken requests on purpose: they are noted, not counted.
    expect(verdicts.filter((v) => v.notes?.some((f) => f.step === 'request')).length).toBeGreaterThan(10);

    const secrets = [...new Set([...secretsIn(run.entries.flatMap((e) => e.exchanges)), ...sandboxProfile.secrets])];
    expect(secrets.length).toBeGreaterThan(40);
    for (const [name, output] of [['har', JSON.stringify(har)], ['text', textReport(report)], ['junit', junitReport(report)], ['html', htmlReport(report)]] as const) {
      expect(leaked(output, secrets), name).toEqual([]);
    }

    // The same verdicts offline, but for what the redaction hides: the shape of a redacted assertion.
    const offline = await validated(harFile);
    const compared = compareVerdicts(offline.verdicts, verdicts, har);
    expect(compared.mismatches).toEqual([]);
    expect(compared.hidden).toBeLessThan(5);
  });

  it('reports exactly the exchanges a broken target breaks, each with the check that catches it, and validate gives the same verdicts offline', async () => {
    const BREAKS: Record<string, { check: string; breaks: Break }> = {
      'numbers as strings': { check: 'schema', breaks: (r, ctx) => { if (ctx.operationId === 'requestJwtBearerToken' && r.status === 200) setJson(r, { ...ctx.json(), expires_in: '3600' }); } },
      'a required member dropped': { check: 'schema', breaks: (r, ctx) => { if (ctx.operationId === 'getFormFillingUserInfo' && r.status === 200) { const { sub: _dropped, ...rest } = ctx.json(); setJson(r, rest); } } },
      'a header repeated': { check: 'header-once', breaks: (r, ctx) => { if (ctx.operationId === 'matchIdentity' && [200, 400].includes(r.status)) r.headers.push(['X-OAPI-Request-Id', 'again']); } },
      'an id_token for another client': { check: 'jwt', breaks: (r, ctx) => { if (ctx.operationId === 'exchangeAuthorizationCode' && r.status === 200) { const body = ctx.json(); setJson(r, { ...body, id_token: resignHs256(body.id_token, (c) => ({ ...c, aud: 'another-client' }), CLIENT_SECRET) }); } } },
      'an undocumented member': { check: 'undocumented-member', breaks: (r, ctx) => { if (ctx.operationId === 'refreshAccessToken' && r.status === 200) setJson(r, { ...ctx.json(), debug: 'issued by node 3' }); } },
      'an error text reworded': { check: 'error-value', breaks: (r, ctx) => { if (ctx.operationId === 'verifyPremiumInfo' && r.status === 401) setJson(r, { ...ctx.json(), message: 'Credentials are invalid' }); } },
      'a wrong content type': { check: 'content-type', breaks: (r, ctx) => { if (ctx.operationId === 'getCheckIdUserInfo' && r.status === 200) r.headers = r.headers.map(([k, v]) => [k, k.toLowerCase() === 'content-type' ? 'text/plain' : v]); } },
    };
    // Each broken response says how, in a header the contract does not document (and the checks do not read).
    const breaker = await startBreakingProxy(sandbox.url, (r, ctx) => {
      for (const [name, { breaks }] of Object.entries(BREAKS)) {
        const before = JSON.stringify(r);
        breaks(r, ctx);
        if (JSON.stringify(r) !== before) r.headers.push(['X-Broken', name]);
      }
    });
    const proxy = await proxied(breaker);
    try {
      await runConformance({ baseUrl: proxy.url, profile: sandboxProfile.profile, secrets: sandboxProfile.secrets });
    } finally {
      await breaker.close().catch(() => undefined);
    }
    const { verdicts, har, harFile, summary } = await proxy.stop();
    const how = (v: ExchangeVerdict) => har!.log.entries[v.seq - 1]!.response.headers.filter((h) => h.name === 'X-Broken').map((h) => h.value);
    const broken = verdicts.filter((v) => how(v).length);
    expect(new Set(broken.flatMap(how))).toEqual(new Set(Object.keys(BREAKS)));
    expect(violations(verdicts).map((v) => v.name)).toEqual(broken.map((v) => v.name));
    for (const v of broken) {
      for (const name of how(v)) expect(v.failures.map((f) => f.check), `${v.name}: ${name}`).toContain(BREAKS[name]!.check);
    }
    expect(summary).toMatch(new RegExp(`total\\s+${verdicts.length}\\s+${verdicts.length - broken.length - verdicts.filter((v) => v.outcome === 'skipped').length}\\s+${broken.length}\\s`));
    const offline = await validated(harFile);
    expect(compareVerdicts(offline.verdicts, verdicts, har).mismatches).toEqual([]);
  });

  it('reports unmatched traffic as its own finding: skipped with why, counted when requests are judged; request findings are noted, or counted', async () => {
    for (const failOn of ['response', 'request', 'any'] as const) {
      const proxy = await proxied(sandbox, { failOn });
      await fetch(`${proxy.url}/no/such/api`);
      await fetch(`${proxy.url}${pathOf('getFormFillingUserInfo')}`, { method: 'DELETE' });
      await fetch(`${proxy.url}/formfilling/fr/v1/other`);
      await fetch(`${proxy.url}${pathOf('getFormFillingUserInfo')}`); // no credentials: the 401 is documented
      const { verdicts, summary } = await proxy.stop();
      const [unknown, method, path, noCredentials] = verdicts;
      expect(verdicts.map((v) => v.group)).toEqual(['unmatched', 'unmatched', 'unmatched', 'getFormFillingUserInfo']);
      expect(unknown!.suite).toBe('unmatched');
      expect(method!.suite).toBe('form-id-fr');
      expect(noCredentials!.status).toBe(401);
      if (failOn === 'response') {
        expect([unknown, method, path].map((v) => v!.reason)).toEqual([
          'not an operation of the contract: no API of the contract has this path',
          'not an operation of the contract: DELETE is not documented there (GET are)',
          'not an operation of the contract: no operation of form-id-fr has this path',
        ]);
        expect(verdicts.map((v) => v.outcome)).toEqual(['skipped', 'skipped', 'skipped', 'passed']);
        expect(noCredentials!.notes!.map((f) => [f.check, f.step])).toEqual([['credentials', 'request']]);
        expect(summary).toMatch(/^unmatched\s+3\s+0\s+0\s+3\s+0$/m);
      } else {
        expect(verdicts.map((v) => v.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
        expect(unknown!.failures.map((f) => f.check)).toEqual(['operation']);
        expect(noCredentials!.failures.map((f) => f.check)).toEqual(['credentials']);
      }
    }
  });
});


/** A request through node:http with raw headers (repeats kept); resolves with the response head. */
function send(url: string, method: string, headers: string[], body?: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    // Raw headers: node adds no Host of its own.
    const req = httpRequest(url, { method, headers: ['Host', new URL(url).host, ...headers] }, resolve);
    req.once('error', reject);
    req.end(body);
  });
}
const readAll = async (res: IncomingMessage) => { const chunks: Buffer[] = []; for await (const c of res) chunks.push(c as Buffer); return Buffer.concat(chunks); };

describe('the validating proxy forwards', () => {
  it('requests and responses unchanged: method, path and query, header fields in order with their repeats, body bytes, status and reason phrase', async () => {
    const body = Buffer.from([0, 1, 2, 250, 251, 252, 0x7b]);
    let seen: { method?: string; url?: string; headers: string[]; body: Buffer } = { headers: [], body: Buffer.alloc(0) };
    const upstream = await rawServer(async (req, res) => {
      seen = { method: req.method!, url: req.url!, headers: req.rawHeaders, body: await readAll(req) };
      res.writeHead(299, 'Quite Unusual', ['X-Twice', 'one', 'Content-Type', 'application/octet-stream', 'x-twice', 'two', 'Content-Length', String(body.length)]);
      res.end(body);
    });
    const proxy = await proxied(upstream);
    try {
      const res = await send(`${proxy.url}/some/path?b=2&a=1&a=3`, 'PUT', ['X-Req', 'first', 'Content-Type', 'application/x-custom', 'Connection', 'keep-alive, X-Hop', 'X-Hop', 'for the proxy', 'x-req', 'second', 'Content-Length', '3'], Buffer.from('abc'));
      expect(res.statusCode).toBe(299);
      expect(res.statusMessage).toBe('Quite Unusual');
      const got = await readAll(res);
      expect(got).toEqual(body);
      const pairs = (raw: string[]) => raw.flatMap((v, i) => (i % 2 ? [] : [[v, raw[i + 1]]]));
      expect(pairs(res.rawHeaders).filter(([k]) => /x-twice|content-type|content-length/i.test(k!))).toEqual([['X-Twice', 'one'], ['Content-Type', 'application/octet-stream'], ['x-twice', 'two'], ['Content-Length', '7']]);
      expect(seen.method).toBe('PUT');
      expect(seen.url).toBe('/some/path?b=2&a=1&a=3');
      // Host names the upstream; Connection is the proxy's own connection to it (hop-by-hop, RFC 9110 section 7.6.1).
      expect(pairs(seen.headers).filter(([k]) => k !== 'Connection')).toEqual([['Host', new URL(upstream.url).host], ['X-Req', 'first'], ['Content-Type', 'application/x-custom'], ['x-req', 'second'], ['Content-Length', '3']]);
      expect(seen.body.toString()).toBe('abc');
    } finally {
      await proxy.stop();
      await upstream.close();
    }
  });

  it('bodies as streams, both ways: the upstream reads the first chunk before the client has sent the rest, the client reads the first chunk before the upstream has sent the rest', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let firstChunkUpstream!: (chunk: string) => void;
    const upstreamGotFirst = new Promise<string>((resolve) => { firstChunkUpstream = resolve; });
    const upstream = await rawServer((req, res) => {
      req.once('data', (chunk: Buffer) => firstChunkUpstream(chunk.toString()));
      req.on('end', async () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first part,');
        await released;
        res.end(' last part');
      });
      req.resume();
    });
    const proxy = await proxied(upstream);
    try {
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(`${proxy.url}/upload`, { method: 'POST', headers: { 'Content-Type': 'text/plain' } }, resolve);
        req.once('error', reject);
        req.write('chunk one;');
        // The rest of the body is sent only once the upstream has the first chunk.
        void upstreamGotFirst.then(() => req.end(' chunk two'));
      });
      expect(await upstreamGotFirst).toBe('chunk one;');
      const res = await response;
      const [first] = (await once(res, 'data')) as [Buffer];
      expect(first.toString()).toBe('first part,');
      release();
      expect((await readAll(res)).toString()).toBe(' last part');
    } finally {
      release();
      const { verdicts, har } = await proxy.stop();
      await upstream.close();
      expect(har.log.entries[0]!.request.postData!.text).toBe('chunk one; chunk two');
      expect(har.log.entries[0]!.response.content.text).toBe('first part, last part');
      expect(verdicts[0]!.group).toBe('unmatched');
    }
  });

  it('a request it cannot forward to a clear 502 of its own, a silent upstream to a 504, a target that is no path to a 400, and goes on serving', async () => {
    const gone = await closedPortUrl();
    const proxy = await proxied({ url: gone });
    const silent = await rawServer(() => undefined);
    const waiting = await proxied(silent, { limits: { idleMs: 200 } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${proxy.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: 'Bearer t' } });
        expect(res.status).toBe(502);
        expect(await res.text()).toMatch(/^orange-identity proxy: cannot forward to http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
      }
      const res = await fetch(`${waiting.url}${pathOf('getCheckIdUserInfo')}`);
      expect(res.status).toBe(504);
      expect(await res.text()).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+ for 200 ms \(the idle limit\)/);
      // A request target that is no path: the proxy's own 400, and it goes on.
      const star = await new Promise<IncomingMessage>((resolve, reject) => httpRequest(`${proxy.url}`, { method: 'OPTIONS', path: '*' }, resolve).once('error', reject).end());
      expect(star.statusCode).toBe(400);
      expect((await readAll(star)).toString()).toBe('orange-identity proxy: * is not a request target it can forward (a path, or an absolute URL)\n');
      expect((await fetch(`${proxy.url}${pathOf('getCheckIdUserInfo')}`)).status).toBe(502);
    } finally {
      const { verdicts, har } = await proxy.stop();
      const stopped = await waiting.stop();
      await silent.close();
      expect(verdicts.map((v) => [v.outcome, v.failures.map((f) => f.check)])).toEqual([['failed', ['request']], ['failed', ['request']], ['failed', ['request']]]);
      expect(har.log.entries.map((e) => [e.response.status, e._error])).toEqual(Array.from({ length: 3 }, () => [0, expect.stringContaining('ECONNREFUSED')]));
      expect(stopped.verdicts[0]!.failures[0]!.got).toMatch(/for 200 ms/);
      expect(harSchemaErrors(har)).toEqual([]);
    }
  });

  it('a response that breaks off mid-body by closing the client connection, and records that no full response came', async () => {
    const upstream = await startServer(truncatedBody(200));
    const proxy = await proxied(upstream);
    try {
      await expect(fetch(`${proxy.url}${pathOf('getCheckIdUserInfo')}`).then((r) => r.text())).rejects.toThrow();
    } finally {
      const { verdicts } = await proxy.stop();
      await upstream.close();
      expect(verdicts.map((v) => [v.outcome, v.failures.map((f) => f.check)])).toEqual([['failed', ['request']]]);
      expect(verdicts[0]!.failures[0]!.got).toMatch(/broke off/);
    }
  });
});

describe('the validating proxy with --rewrite-location', () => {
  it('rewrites nothing by default; with the option, turns the upstream origin into its own in Location headers and discovery documents, and records what the upstream sent', async () => {
    const third = 'https://login.example.org/page';
    const redirector = await rawServer((req, res) => {
      req.resume();
      const location = req.url === '/third' ? third : `http://${req.headers.host}/next?x=1`;
      res.writeHead(302, { Location: location, 'Content-Length': 0 }).end();
    });
    // The redirector names itself by the Host it is asked for: the proxy sends the upstream's.
    for (const rewriteLocation of [false, true]) {
      const viaSandbox = await proxied(sandbox, { rewriteLocation });
      const viaRedirector = await proxied(redirector, { rewriteLocation });
      try {
        const metadata = await (await fetch(`${viaSandbox.url}${pathOf('getAuthorizationServerMetadata')}`)).json() as { token_endpoint: string; issuer: string };
        const own = await fetch(`${viaRedirector.url}/own`, { redirect: 'manual' });
        const foreign = await fetch(`${viaRedirector.url}/third`, { redirect: 'manual' });
        expect(foreign.headers.get('location')).toBe(third);
        if (rewriteLocation) {
          expect(metadata.token_endpoint).toBe(`${viaSandbox.url}${pathOf('requestJwtBearerToken')}`);
          expect(own.headers.get('location')).toBe(`${viaRedirector.url}/next?x=1`);
          // A client that follows the rewritten document stays on the proxy.
          const token = await fetch(metadata.token_endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' });
          expect(token.status).toBe(400);
        } else {
          expect(metadata.token_endpoint).toBe(`${sandbox.url}${pathOf('requestJwtBearerToken')}`);
          expect(own.headers.get('location')).toBe(`${redirector.url}/next?x=1`);
        }
        expect(metadata.issuer).not.toContain('127.0.0.1');
      } finally {
        const { har, verdicts } = await viaSandbox.stop();
        await viaRedirector.stop();
        expect(JSON.parse(har.log.entries[0]!.response.content.text!).token_endpoint).toBe(`${sandbox.url}${pathOf('requestJwtBearerToken')}`);
        expect(har.log.entries.map((e) => e.request.url.replace(sandbox.url, ''))).toEqual(rewriteLocation ? [pathOf('getAuthorizationServerMetadata'), pathOf('requestJwtBearerToken')] : [pathOf('getAuthorizationServerMetadata')]);
        expect(violations(verdicts)).toEqual([]);
      }
    }
    await redirector.close();
  });
});
