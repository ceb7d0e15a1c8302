import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../../src/contract/operations.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { setJson, startBreakingProxy } from '../helpers/breaking-proxy.js';
import { startChild, stopAll, type Child } from '../helpers/child.js';
import { harSchemaErrors } from '../helpers/har-schema.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { leaked, secretsIn } from '../helpers/secrets.js';

const run = promisify(execFile);
const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
const cli = (args: string[]) => run(process.execPath, ['bin/orange-identity.js', ...args], { cwd: REPO_ROOT })
  .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => e);

/** `npm run proxy -- ...` as a person runs it; resolves once it listens, with its URL. */
async function startProxy(args: string[], npm = false): Promise<{ child: Child; url: string }> {
  const child = npm
    ? startChild('npm', ['run', '--silent', 'proxy', '--', '--port', '0', ...args], { cwd: REPO_ROOT })
    : startChild(process.execPath, ['bin/orange-identity.js', 'proxy', '--port', '0', ...args], { cwd: REPO_ROOT });
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+),/);
  return { child, url: url! };
}

/** JUnit testcases as name → failure types, to compare two reports. */
const testcases = (xml: string) => [...xml.matchAll(/<testcase classname="[^"]*" name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)]
  .map(([, name, body]) => [name, [...body!.matchAll(/<failure type="([^"]+)"/g)].map((m) => m[1]), /<skipped/.test(body!)]);

let sandbox: RunningSandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(path.join(tmpdir(), 'proxy-cli-'));
});
afterEach(() => stopAll());
afterAll(async () => { await sandbox?.close(); });

describe('npm run proxy and orange-identity validate', () => {
  it('pass the conformance suite through; after SIGTERM the JUnit report has 0 failures, the HAR every exchange with no secret in clear, and validate the same verdicts', async () => {
    const har = path.join(dir, 'h.har');
    const junit = path.join(dir, 'reports/j.xml');
    let reached = 0;
    const count = () => { reached++; };
    sandbox.sandbox.server.on('request', count);
    const { child, url } = await startProxy(['--upstream', sandbox.url, '--har', har, '--report', junit], true);
    const conformance = await runConformance({ baseUrl: url, profile: sandboxProfile.profile, secrets: sandboxProfile.secrets });
    expect(conformance.entries.filter((e) => e.outcome === 'failed').map((e) => e.name)).toEqual([]);
    expect(await child.stop('SIGTERM')).toBe(0);
    sandbox.sandbox.server.off('request', count);

    const output = child.output();
    expect(output).toMatch(/#\d+ GET \/openidconnect\/fr\/v1\/authorize → 200 authorize: ok/);
    expect(output).toMatch(/^matchIdentity\s+\d+\s+\d+\s+0\s+0\s+\d+$/m);
    expect(output).toContain('no exchange violated the contract (--fail-on response)');
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuites name="proxy ${sandbox.url}" tests="${reached}" failures="0" skipped="\\d+">`));
    const text = await readFile(har, 'utf8');
    const recorded = JSON.parse(text);
    expect(recorded.log.entries).toHaveLength(reached);
    expect(harSchemaErrors(recorded)).toEqual([]);
    const secrets = [...new Set([...secretsIn(conformance.entries.flatMap((e) => e.exchanges)), ...sandboxProfile.secrets])];
    expect(leaked(text, secrets)).toEqual([]);
    expect(leaked(xml, secrets)).toEqual([]);
    expect(leaked(output, secrets)).toEqual([]);

    const offline = await cli(['validate', har, '--report', path.join(dir, 'v.xml'), '--quiet']);
    expect(offline.code).toBe(0);
    expect(testcases(await readFile(path.join(dir, 'v.xml'), 'utf8'))).toEqual(testcases(xml));
  });

  it('exit 1, live and offline, in front of a target that answers numbers as strings, with the same failures', async () => {
    const broken = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (ctx.operationId === 'matchIdentity' && r.status === 200) {
        const stringify = (v: unknown): unknown => (typeof v === 'number' ? String(v) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringify(x)])) : v);
        setJson(r, stringify(ctx.json()));
      }
    });
    const har = path.join(dir, 'broken.har');
    const junit = path.join(dir, 'broken.xml');
    try {
      const { child, url } = await startProxy(['--upstream', broken.url, '--har', har, '--report', junit, '--quiet']);
      await runConformance({ baseUrl: url, profile: sandboxProfile.profile, apis: ['direct-match-id-fr'] });
      expect(await child.stop('SIGINT')).toBe(1);
      expect(child.output()).toMatch(/✗ #\d+ POST \/direct-matchid\/fr\/v1\/matchid\n\s+schema: expected body valid against the contract schema/);
      expect(child.output()).toMatch(/\d+ exchanges? violated the contract \(--fail-on response\)/);
    } finally {
      await broken.close();
    }
    const xml = await readFile(junit, 'utf8');
    const failed = testcases(xml).filter(([, failures]) => (failures as string[]).length);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every(([name, failures]) => /POST \/direct-matchid\/fr\/v1\/matchid/.test(name as string) && (failures as string[]).includes('schema'))).toBe(true);
    const offline = await cli(['validate', har, '--report', path.join(dir, 'broken-v.xml')]);
    expect(offline.code).toBe(1);
    expect(offline.stdout).toMatch(/#\d+ POST \/direct-matchid\/fr\/v1\/matchid → 200 matchIdentity: FAILED schema/);
    expect(testcases(await readFile(path.join(dir, 'broken-v.xml'), 'utf8'))).toEqual(testcases(xml));
  });

  it('on SIGTERM, finish the exchanges in flight before writing the HAR and the reports', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let arrived!: () => void;
    const upstreamHasIt = new Promise<void>((resolve) => { arrived = resolve; });
    const slow: Server = createServer(async (req, res) => {
      req.resume();
      arrived();
      await released;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"issuer":"https://openid.orange.fr","token_endpoint":"https://api.orange.com/oauth-jwt/fr/v1/token"}');
    }).listen(0, '127.0.0.1');
    await once(slow, 'listening');
    const har = path.join(dir, 'inflight.har');
    try {
      const { child, url } = await startProxy(['--upstream', `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, '--har', har]);
      const response = fetch(`${url}${pathOf('getAuthorizationServerMetadata')}`);
      await upstreamHasIt;
      const stopped = child.stop('SIGTERM');
      await child.waitFor(/stopping: finishing 1 exchange in flight/);
      release();
      const res = await response;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe('https://openid.orange.fr');
      expect(await stopped).toBe(0);
      const recorded = JSON.parse(await readFile(har, 'utf8'));
      expect(recorded.log.entries.map((e: { request: { url: string }; response: { status: number } }) => [new URL(e.request.url).pathname, e.response.status])).toEqual([[pathOf('getAuthorizationServerMetadata'), 200]]);
    } finally {
      release();
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('exit 2 on bad arguments or configuration, saying what is wrong', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const notHar = path.join(dir, 'not.har');
    await writeFile(notHar, '{"log":{}}');
    try {
      const cases: [string[], RegExp][] = [
        [['proxy'], /--upstream <baseURL> is required/],
        [['proxy', '--upstream', 'ftp://example.org'], /--upstream takes an http or https URL/],
        [['proxy', '--upstream', 'http://127.0.0.1:1/api'], /--upstream takes an origin \(http:\/\/127\.0\.0\.1:1\)/],
        [['proxy', '--upstream', sandbox.url, '--fail-on', 'everything'], /--fail-on takes response, request, any, not 'everything'/],
        [['proxy', '--upstream', sandbox.url, '--port', String((taken.address() as AddressInfo).port)], /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/],
        [['validate'], /validate takes one HAR file/],
        [['validate', path.join(dir, 'missing.har')], /cannot read .*missing\.har: ENOENT/],
        [['validate', notHar], /not\.har: no log\.entries array: not a HAR file/],
      ];
      for (const [args, message] of cases) {
        const result = await cli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toMatch(message);
      }
    } finally {
      taken.close();
    }
  });
});
