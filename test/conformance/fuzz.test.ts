import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAdmin } from '../../conformance/fuzz/control.js';
import { FUZZ_CHECKS, runFuzz, type FuzzOptions, type FuzzRun } from '../../conformance/fuzz/engine.js';
import { LINKS } from '../../conformance/fuzz/links.js';
import { requestShape } from '../../conformance/fuzz/request.js';
import { createSender, type WireRequest } from '../../conformance/http.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { htmlReport, junitReport, textReport, type RecordedExchange } from '../../conformance/report/index.js';
import { collectExamples } from '../../src/contract/examples.js';
import { dereferencedBundle } from '../../src/contract/load.js';
import { OPERATIONS } from '../../src/contract/operations.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { startBreakingProxy, type Break, type BreakingProxy } from '../helpers/breaking-proxy.js';
import { startGateway } from '../helpers/gateway.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { closedPortUrl, startServer } from '../helpers/server.js';

const exec = promisify(execFile);
const { profile, secrets } = loadProfile(resolveProfilePath('sandbox'));

/** A fuzz run against `url`, with the sandbox's admin API (and its clock, in-process) as the target control. */
async function fuzzAt(url: string, options: Partial<FuzzOptions> & { sandbox?: RunningSandbox } = {}): Promise<FuzzRun> {
  const admin = createSender({ baseUrl: url });
  try {
    return await runFuzz({
      baseUrl: url, profile, secrets, seed: 7, maxExamples: 10,
      control: sandboxAdmin((r) => admin.send(r), options.sandbox?.sandbox.clock), ...options,
    });
  } finally {
    admin.close();
  }
}

const failed = (run: FuzzRun) => run.entries.filter((e) => e.outcome === 'failed');
const report = (run: FuzzRun) => textReport(run, { reproducers: true });

function nonAscii(request: WireRequest): boolean {
  const url = new URL(request.url);
  const form = /form-urlencoded/.test(request.headers.get('content-type') ?? '') ? [...new URLSearchParams(request.body).values()].join('') : request.body;
  return /[^\x00-\x7f]/.test([...url.searchParams.values()].join('') + form);
}

/** 500 to any request carrying a character beyond ASCII, in its query or body. */
const failsUnusualInput: Break = (r, { request }) => {
  if (!nonAscii(request)) return;
  r.status = 500;
  r.headers = [['Content-Type', 'application/json']];
  r.body = '{"error":"server_error"}';
};

/** Accepts a matchid body without its required msisdn, with an empty set of scores. */
const acceptsMissingMember: Break = (r, { operationId, request }) => {
  if (operationId !== 'matchIdentity' || r.status !== 400) return;
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return;
  }
  if (body && typeof body === 'object' && !('msisdn' in body)) {
    r.status = 200;
    r.body = '{}';
  }
};

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ log: () => undefined });
});
afterAll(async () => sandbox?.close());

describe('orange-identity fuzz against the reference sandbox', () => {
  it('finds nothing in a seeded, bounded run against an in-process sandbox, with a verdict per operation and check', async () => {
    const run = await fuzzAt(sandbox.url, { maxExamples: 25, sandbox });
    expect(failed(run), report(run)).toEqual([]);
    expect(run.entries).toHaveLength(OPERATIONS.length * FUZZ_CHECKS.length);
    expect([...run.discarded.values()].reduce((a, b) => a + b, 0)).toBe(0);
    for (const op of OPERATIONS) {
      expect(run.requests.get(op.operationId)!.total, op.operationId).toBeGreaterThan(0);
      const passed = run.entries.filter((e) => e.operationId === op.operationId && e.outcome === 'passed').map((e) => e.check);
      expect(passed, op.operationId).toEqual(expect.arrayContaining(['not_a_server_error', 'status_code_conformance', 'response_schema_conformance', 'positive_data_acceptance']));
    }
    const passed = (check: string) => run.entries.filter((e) => e.check === check && e.outcome === 'passed').map((e) => e.operationId);
    // Negative data: every operation that takes parameters or a body; credentials: every one that takes some (the
    // JWT bearer grant's is its assertion).
    const takesInput = (o: (typeof OPERATIONS)[number]) => Object.keys(requestShape(o.operationId).schema.properties ?? {}).length > 0;
    const ids = (filter: (o: (typeof OPERATIONS)[number]) => boolean) => OPERATIONS.filter(filter).map((o) => o.operationId).sort();
    expect(passed('negative_data_rejection').sort()).toEqual(ids(takesInput));
    expect(passed('ignored_auth').sort()).toEqual(ids((o) => o.auth !== 'none' || o.operationId === 'requestJwtBearerToken'));
    // A reused code, tokens after they expired (the in-process clock) or were revoked (the admin API): every
    // operation a link of the contract gives a single-use or an expiring value, and the refresh (revoked consent).
    expect(passed('use_after_free').sort()).toEqual([...new Set([...LINKS.filter((l) => l.singleUse.length || l.expiresIn).map((l) => l.to), 'refreshAccessToken'])].sort());
  });

  // Seeds of their own, beside the fixed one: 42, where an earlier sandbox accepted a refresh with an empty
  // redirect_uri taken for a broken one, and fresh random ones, printed so that a failure can be replayed
  // (FUZZ_SEEDS=1,2,3 runs those instead).
  const fresh = process.env.FUZZ_SEEDS?.split(',').map(Number) ?? Array.from({ length: 3 }, () => randomInt(2 ** 31 - 1));
  it.each([[42, 25], ...fresh.map((seed) => [seed, 10])])('finds nothing on seed %i (%i examples; replay: npm run fuzz -- --seed <seed> --max-examples <examples>)', async (seed, maxExamples) => {
    const replay = `npm run fuzz -- --seed ${seed} --max-examples ${maxExamples}`;
    console.log(`fuzz seed ${seed}, ${maxExamples} examples (replay: ${replay})`);
    const own = await startSandbox({ log: () => undefined });
    try {
      const run = await fuzzAt(own.url, { seed, maxExamples, sandbox: own });
      expect(failed(run), `seed ${seed} (replay: ${replay}):\n${report(run)}`).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('sends the same requests for the same seed, and others for another seed', async () => {
    const log = async (seed: number) => {
      const fresh = await startSandbox({ log: () => undefined });
      const exchanges: RecordedExchange[] = [];
      try {
        const run = await fuzzAt(fresh.url, { seed, maxExamples: 5, sandbox: fresh, onExchange: (e) => exchanges.push(e) });
        // Issued tokens and codes differ from run to run: compared redacted, with the origin left out.
        return exchanges.map((e) => {
          const { method, url, headers, body } = run.redactor.exchange(e).request;
          return JSON.stringify([method, url.slice(fresh.url.length), headers.filter(([k]) => k.toLowerCase() !== 'host'), body]);
        });
      } finally {
        await fresh.close();
      }
    };
    const [first, second, other] = [await log(11), await log(11), await log(12)];
    expect(first.length).toBeGreaterThan(100);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('finds nothing behind a gateway under a path prefix whose quota answers 429: each one waited out, none judged', async () => {
    const gateway = await startGateway(sandbox.url, { prefix: '/some/prefix', quota: { perSecond: 40, retryAfter: '1' } });
    const admin = createSender({ baseUrl: sandbox.url });
    try {
      const run = await runFuzz({ baseUrl: gateway.url, profile, secrets, seed: 7, maxExamples: 3, control: sandboxAdmin((r) => admin.send(r), sandbox.sandbox.clock) });
      expect(gateway.throttled).toBeGreaterThan(0);
      expect(failed(run), report(run)).toEqual([]);
      expect(run.stopped).toBeUndefined();
      expect(gateway.received.every((r) => r.url.startsWith('/some/prefix/'))).toBe(true);
    } finally {
      admin.close();
      await gateway.close();
    }
  });

  it('finds nothing through a transparent proxy', async () => {
    const proxy = await startBreakingProxy(sandbox.url, () => undefined);
    try {
      const run = await fuzzAt(proxy.url);
      expect(failed(run), report(run)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('orange-identity fuzz against deliberately faulty targets', () => {
  let proxy: BreakingProxy | undefined;
  afterAll(async () => proxy?.close());

  it('catches a target that answers 500 to non-ASCII input, each failure shrunk to a minimal request printed as curl', async () => {
    proxy = await startBreakingProxy(sandbox.url, failsUnusualInput);
    const run = await fuzzAt(proxy.url);
    await proxy.close();
    proxy = undefined;
    const serverErrors = failed(run).filter((e) => e.check === 'not_a_server_error').map((e) => e.operationId);
    expect(serverErrors).toEqual(expect.arrayContaining(['authorize', 'verifyPremiumInfo', 'matchIdentity']));
    const premium = run.entries.find((e) => e.operationId === 'verifyPremiumInfo' && e.check === 'not_a_server_error')!;
    // Shrunk: one member, one character beyond ASCII.
    const body = JSON.parse(premium.exchanges[0]!.request.body) as Record<string, unknown>;
    const strings = JSON.stringify(body).match(/[^\x00-\x7f]/gu) ?? [];
    expect(Object.keys(body).length, JSON.stringify(body)).toBe(1);
    expect(strings.length, JSON.stringify(body)).toBe(1);
    const text = report(run);
    expect(text).toMatch(/✗ verifyPremiumInfo not_a_server_error\n\s+not_a_server_error \((positive|negative|auth) example \d+, shrunk \(\d+ shrinking requests\)\): expected no 5xx\n\s+got\s+HTTP 500/);
    expect(text).toMatch(/reproduce: curl -sS -i -g -X POST 'http:\/\/127\.0\.0\.1:\d+\/idmatch\/es\/v1\/premiuminfo' -H 'Authorization: Bearer \[REDACTED\]'/);
  });

  it('catches a target that accepts a body missing its required member, with the minimal body as reproducer', async () => {
    proxy = await startBreakingProxy(sandbox.url, acceptsMissingMember);
    const run = await fuzzAt(proxy.url);
    await proxy.close();
    proxy = undefined;
    const entry = run.entries.find((e) => e.operationId === 'matchIdentity' && e.check === 'negative_data_rejection')!;
    expect(entry.outcome).toBe('failed');
    expect(entry.failures.map((f) => f.expected)).toContain('a refusal (4xx, or a redirect with error) of body/msisdn missing (required)');
    const reproducer = entry.exchanges[entry.failures.findIndex((f) => String(f.expected).includes('body/msisdn missing'))]!;
    expect(JSON.parse(reproducer.request.body)).toEqual({});
    // Only what the target breaks fails.
    expect(failed(run).map((e) => e.name)).toEqual(['matchIdentity negative_data_rejection']);
  });

  it('takes the documented refusals the profile lists as answers to valid requests, and no others', async () => {
    const ineligible = collectExamples('direct-match-id-fr', dereferencedBundle('direct-match-id-fr')).find((e) => e.id === 'direct-match-id-fr/matchIdentity/400/UserIneligible')!;
    // The subject became ineligible: every valid matchid gets the documented business error.
    proxy = await startBreakingProxy(sandbox.url, (r, { operationId }) => {
      if (operationId === 'matchIdentity' && r.status === 200) {
        r.status = 400;
        r.body = JSON.stringify(ineligible.value);
      }
    });
    const apis = ['direct-match-id-fr'] as const;
    const refused = await fuzzAt(proxy.url, { apis: [...apis], maxExamples: 3 });
    expect(failed(refused).map((e) => e.name)).toEqual(['matchIdentity positive_data_acceptance']);
    const listed = await fuzzAt(proxy.url, { apis: [...apis], maxExamples: 3, profile: { ...profile, fuzz: { documentedRefusals: [ineligible.id] } } });
    expect(failed(listed), report(listed)).toEqual([]);
    await expect(fuzzAt(proxy.url, { apis: [...apis], maxExamples: 1, profile: { ...profile, fuzz: { documentedRefusals: ['direct-match-id-fr/matchIdentity/400/NoSuchError'] } } }))
      .rejects.toThrow(/fuzz.documentedRefusals names no documented error: direct-match-id-fr\/matchIdentity\/400\/NoSuchError/);
    await proxy.close();
    proxy = undefined;
  });

  it('keeps every token, code and secret of the run out of the text, JUnit and HTML reports', async () => {
    proxy = await startBreakingProxy(sandbox.url, (r, { operationId }) => {
      // Every token response also says what it issued, in an undocumented member: each failure prints it.
      if (r.status === 200 && operationId && /Token|exchange/.test(operationId)) r.body = r.body.replace(/^\{/, `{"debug":${JSON.stringify(r.body)},`);
    });
    const run = await fuzzAt(proxy.url, { maxExamples: 3 });
    await proxy.close();
    proxy = undefined;
    expect(failed(run).length).toBeGreaterThan(0);
    const issued = [...sandbox.sandbox.state.tokens.keys(), ...sandbox.sandbox.state.refreshTokens.keys()].filter((t) => !secrets.includes(t));
    expect(issued.length).toBeGreaterThan(5);
    for (const [name, output] of [['text', report(run)], ['junit', junitReport(run)], ['html', htmlReport(run)]] as const) {
      expect(issued.filter((t) => output.includes(t)), name).toEqual([]);
      expect(secrets.filter((s) => output.includes(s)), name).toEqual([]);
      expect(output, name).toContain('curl');
    }
  });
});

describe('the orange-identity fuzz command', () => {
  const cli = (args: string[]) => exec(process.execPath, ['bin/orange-identity.js', 'fuzz', ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

  it('exits 0 through a transparent proxy, states its bounds, and writes a JUnit test case per operation and check', async () => {
    const proxy = await startBreakingProxy(sandbox.url, () => undefined);
    const dir = await mkdtemp(path.join(tmpdir(), 'fuzz-'));
    try {
      const { code, stdout, stderr } = await cli(['--target', proxy.url, '--profile', 'sandbox', '--seed', '7', '--max-examples', '3', '--rate', '2000/s', '--report', path.join(dir, 'j.xml')]);
      expect(code, stdout + stderr).toBe(0);
      expect(stdout).toContain('seed 7; bounds: at most 3 examples per operation and phase (--max-examples), at most 2000 requests/s (--rate)');
      expect(stdout).toMatch(/requests per operation[^\n]*\n\s+operation\s+positive\s+negative\s+auth\s+stateful\s+shrinking\s+total/);
      // The sandbox's admin API answers through the proxy: its clock is moved, so expiry is checked too.
      expect(stdout).not.toContain('the target has no clock to move');
      const junit = await readFile(path.join(dir, 'j.xml'), 'utf8');
      for (const op of OPERATIONS) expect(junit.match(new RegExp(`name="${op.operationId} `, 'g'))?.length, op.operationId).toBe(FUZZ_CHECKS.length);
    } finally {
      await proxy.close();
    }
  });

  it('exits 1 against a target that fails unusual input, with the check, the expected, the got and a curl reproducer', async () => {
    const proxy = await startBreakingProxy(sandbox.url, failsUnusualInput);
    try {
      const { code, stdout } = await cli(['--target', proxy.url, '--seed', '7', '--max-examples', '5', '--rate', '2000', '--api', 'id-match-es']);
      expect(code).toBe(1);
      expect(stdout).toMatch(/✗ verifyPremiumInfo not_a_server_error\n.*expected no 5xx\n.*got\s+HTTP 500[^\n]*\n\s+reproduce: curl /);
    } finally {
      await proxy.close();
    }
  });

  it('exits 2 on configuration errors: bounds, unknown API, unreachable target, a mock profile, a target that is not these APIs', async () => {
    const closed = await closedPortUrl();
    const foreign = await startServer((_req, res) => { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not here'); });
    try {
      for (const [args, message] of [
        [['--max-examples', '0'], /--max-examples takes a whole number from 1 to 1000/],
        [['--rate', '0/s'], /--rate takes requests per second, a number above 0 and up to 10000/],
        [['--api', 'nope'], /unknown API nope/],
        [['--target', closed], /cannot reach/],
        [['--profile', 'mock'], /the fuzzer needs a live profile/],
        [['--target', foreign.url, '--rate', '1000'], /does not serve the Orange identity APIs/],
      ] as const) {
        const { code, stderr } = await cli([...args]);
        expect(code, stderr).toBe(2);
        expect(stderr).toMatch(message);
      }
    } finally {
      await foreign.close();
    }
  });
});
