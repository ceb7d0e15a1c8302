import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pathOf } from '../../src/contract/operations.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { setJson, startBreakingProxy } from '../helpers/breaking-proxy.js';
import { startChild, stopAll, type Child } from '../helpers/child.js';
import { readHar } from '../../conformance/har.js';
import { harSchemaErrors } from '../helpers/har-schema.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { leaked, secretsIn } from '../helpers/secrets.js';

const run = promisify(execFile);
const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
const cli = (args: string[]) => run(process.execPath, ['bin/orange-identity.js', ...args], { cwd: REPO_ROOT, timeout: 150_000, killSignal: 'SIGKILL' })
  .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => e);

/** `npm run proxy -- ...` as a person runs it (`group`: in a process group of its own, as a terminal starts
 *  it), or the command itself, or it under a shell line (`shell`, `%s` for the command); resolves once it listens. */
async function startProxy(args: string[], how: boolean | 'group' | { shell: string } = false): Promise<{ child: Child; url: string }> {
  const own = ['bin/orange-identity.js', 'proxy', '--port', '0', ...args];
  const child = how === true || how === 'group'
    ? startChild('npm', ['run', '--silent', 'proxy', '--', '--port', '0', ...args], { cwd: REPO_ROOT, detached: how === 'group' })
    : typeof how === 'object'
      ? startChild('sh', ['-c', how.shell.replace('%s', [process.execPath, ...own].map((a) => `'${a}'`).join(' '))], { cwd: REPO_ROOT })
      : startChild(process.execPath, own, { cwd: REPO_ROOT });
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+),/);
  return { child, url: url! };
}

/** Sends `count` requests for the metadata document, `concurrency` at a time; resolves to their statuses. */
async function traffic(url: string, count: number, concurrency = 10): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < count) statuses.push(await fetch(`${url}${pathOf('getAuthorizationServerMetadata')}`).then(async (r) => { await r.arrayBuffer(); return r.status; }));
  }));
  return statuses;
}

/** The process group of `child` is gone (every process of it has exited). */
const groupGone = (child: Child) => {
  try {
    process.kill(-child.process.pid!, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

/** No stack trace in what a command printed. */
const NO_STACK = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

/** Two JUnit reports count the same exchanges, failures and skips, and fail the same testcases the same way
 *  (what else they keep may differ: offline, redaction hides the shape of a redacted value, so a request finding
 *  noted live may not be noted offline). */
const sameOutcome = (a: string, b: string) => {
  const head = (xml: string) => /<testsuites [^>]*>/.exec(xml)?.[0].replace(/name="[^"]*"/, '');
  const failed = (xml: string) => JSON.stringify(testcases(xml).filter(([, failures]) => (failures as string[]).length));
  return head(a) === head(b) && failed(a) === failed(b);
};

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
// Each test starts node children (through tsx): generous, for a slow machine.
vi.setConfig({ testTimeout: 180_000 });
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
    expect(sameOutcome(await readFile(path.join(dir, 'v.xml'), 'utf8'), xml)).toBe(true);
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
    expect(sameOutcome(await readFile(path.join(dir, 'broken-v.xml'), 'utf8'), xml)).toBe(true);
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

});

describe('orange-identity proxy and validate, given what cannot work', () => {
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
        [['proxy', '--upstream', sandbox.url, '--summary-every', '0'], /--summary-every takes a whole number from 1, not '0'/],
        [['proxy', '--upstream', sandbox.url, '--max-body', 'lots'], /--max-body takes a whole number from 1, not 'lots'/],
        [['proxy', '--upstream', sandbox.url, '--header-timeout', 'soon'], /--header-timeout takes a whole number from 1, not 'soon'/],
      ];
      const results = await Promise.all(cases.map(([args]) => cli(args)));
      for (const [i, [args, message]] of cases.entries()) {
        expect(results[i]!.code, args.join(' ')).toBe(2);
        expect(results[i]!.stderr, args.join(' ')).toMatch(message);
      }
    } finally {
      taken.close();
    }
  });
});

describe('the proxy as a long-running service, from the command line', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops on a group %s through npm run proxy (npm and the terminal both deliver it), writes every report, exits as documented and leaves no process behind', async (signal) => {
    const files = { har: path.join(dir, `group-${signal}.har`), report: path.join(dir, `group-${signal}.xml`), json: path.join(dir, `group-${signal}.json`), html: path.join(dir, `group-${signal}.html`) };
    const { child, url } = await startProxy(['--upstream', sandbox.url, ...Object.entries(files).flatMap(([k, v]) => [`--${k}`, v])], 'group');
    try {
      expect(await traffic(url, 300)).toEqual(Array.from({ length: 300 }, () => 200));
      const exited = child.exited();
      process.kill(-child.process.pid!, signal);
      expect(await exited).toBe(0);
      expect(child.output()).not.toMatch(/again: stopping at once/);
      for (const file of Object.values(files)) expect(existsSync(file), file).toBe(true);
      expect(await readFile(files.report, 'utf8')).toMatch(/<testsuites name="proxy [^"]+" tests="300" failures="0" skipped="0">/);
      expect(JSON.parse(await readFile(files.json, 'utf8')).totals).toEqual({ passed: 300, failed: 0, skipped: 0, total: 300 });
      expect(JSON.parse(await readFile(files.har, 'utf8')).log.entries).toHaveLength(300);
      expect(groupGone(child)).toBe(true);
    } finally {
      if (!groupGone(child)) process.kill(-child.process.pid!, 'SIGKILL');
    }
  });

  it('leaves a HAR that validate judges after a SIGKILL: every entry written before it, and where the file was cut', async () => {
    const har = path.join(dir, 'killed.har');
    const { child, url } = await startProxy(['--upstream', sandbox.url, '--har', har, '--quiet']);
    await traffic(url, 25, 5);
    // Every exchange is in the file once its write is done: wait for it, then kill.
    await expect.poll(async () => readHar(await readFile(har, 'utf8')).entries.length, { timeout: 60_000 }).toBe(25);
    expect(await child.stop('SIGKILL')).toBe(null);
    const text = await readFile(har, 'utf8');
    expect(() => JSON.parse(text)).toThrow();
    const junit = path.join(dir, 'killed.xml');
    const offline = await cli(['validate', har, '--report', junit]);
    expect(offline.code).toBe(0);
    expect(offline.stderr).toMatch(new RegExp(`warning: .*killed\\.har was cut after 25 entries: they end at byte ${Buffer.byteLength(text.trimEnd())} of ${Buffer.byteLength(text)}; the file ends inside an entry; the 25 entries before the cut are judged`));
    expect(offline.stdout.match(/→ 200 getAuthorizationServerMetadata: ok/g)).toHaveLength(25);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuites name="validate [^"]*killed\.har \(cut after 25 entries, at byte \d+\)" tests="25" failures="0"/);
  });

  it('reports a HAR it cannot write when it happens and exits 2, claiming only what the file holds, with no stack trace (ENOSPC, EIO, a file past its size limit)', async () => {
    const cases: [string, string, boolean | { shell: string }][] = [
      ['/dev/full', 'ENOSPC', false],
      ['/proc/version', 'EIO', false],
      // A file past the size this shell allows (RLIMIT_FSIZE, 8 KiB): the first entries are written, then EFBIG.
      [path.join(dir, 'limited.har'), 'EFBIG', { shell: 'ulimit -f 16; exec %s' }],
    ];
    for (const [har, code, how] of cases) {
      const { child, url } = await startProxy(['--upstream', sandbox.url, '--har', har, '--quiet'], how);
      // Forwarding goes on whatever happens to the recording.
      expect(await traffic(url, 12, 1), har).toEqual(Array.from({ length: 12 }, () => 200));
      await child.waitFor(new RegExp(`error: cannot write ${har.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${code} \\(`));
      expect(await child.stop('SIGTERM'), har).toBe(2);
      const output = child.output();
      expect(output, har).not.toMatch(NO_STACK);
      expect(output, har).not.toMatch(/HAR \(\d+ exchanges\)/);
      const [, written, lost] = /HAR \S+: (\d+) exchanges written \(\d+ bytes\), (\d+) not/.exec(output) ?? [];
      expect(Number(written) + Number(lost), har).toBe(12);
      if (code === 'EFBIG') {
        // What it claims is what the file holds.
        expect(Number(written)).toBeGreaterThan(0);
        expect(readHar(await readFile(har, 'utf8')).entries).toHaveLength(Number(written));
      } else expect(Number(written)).toBe(0);
    }
  });

  it('exits 2 at once, with no stack trace, for a HAR it cannot open (EACCES, a path that cannot exist) and 2 for reports it cannot write', async () => {
    const unopenable = [
      ['/sys/kernel/no-such.har', /error: cannot write --har \/sys\/kernel\/no-such\.har: EACCES \(permission denied\)/],
      ['/proc/self/no-such.har', /error: cannot write --har \/proc\/self\/no-such\.har: (ENOENT|EPERM)/],
      ['/proc/no-such-dir/x.har', /error: cannot write --har \/proc\/no-such-dir\/x\.har: ENOENT/],
    ] as const;
    const results = await Promise.all(unopenable.map(([har]) => cli(['proxy', '--port', '0', '--upstream', sandbox.url, '--har', har])));
    for (const [i, [har, message]] of unopenable.entries()) {
      const result = results[i]!;
      expect(result.code, har).toBe(2);
      expect(result.stderr, har).toMatch(message);
      expect(result.stderr + result.stdout, har).not.toMatch(NO_STACK);
    }
    const { child, url } = await startProxy(['--upstream', sandbox.url, '--report', '/dev/full', '--quiet']);
    await traffic(url, 3, 1);
    expect(await child.stop('SIGTERM')).toBe(2);
    expect(child.output()).toMatch(/error: cannot write the reports: ENOSPC \(no space left on device/);
    expect(child.output()).not.toMatch(NO_STACK);
  });

  it('prints a progress line every --summary-every seconds, and says what it holds in memory on stop', async () => {
    const { child, url } = await startProxy(['--upstream', sandbox.url, '--summary-every', '1', '--quiet']);
    await traffic(url, 20, 2);
    const [line] = await child.waitFor(/proxy: 20 exchanges \(\d+\/s lately\); 20 judged: 20 ok, 0 violations, 0 skipped, 0 not judged \(the judge behind\); 0 in flight, 0 connections closed for slow requests/);
    expect(line).toBeDefined();
    expect(await child.stop('SIGTERM')).toBe(0);
    expect(child.output()).toMatch(/held in memory at the end \(all bounded\): 0 exchanges kept for the reports, \d+ flow memory entries/);
  });
});
