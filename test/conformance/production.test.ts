/**
 * `orange-identity conformance` as a user runs it against a production deployment: through a stand-in gateway
 * (a path prefix, a quota, content codings), with the secrets in the environment only, a rate limit, a key the
 * target does not know, a secret it refuses, a request it never answers; `--list` and `--grep`; and the reports.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { loadProfile, resolveProfilePath, type Profile } from '../../conformance/profile.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { setJson, startBreakingProxy } from '../helpers/breaking-proxy.js';
import { startChild, stopAll } from '../helpers/child.js';
import { startGateway, type Gateway, type GatewayOptions } from '../helpers/gateway.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { startServer } from '../helpers/server.js';

interface Result { code: number | null; stdout: string; stderr: string }

/** `orange-identity conformance ...` in a child, with only `env` added to a clean environment. */
async function conformance(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORANGE_')));
  const child = startChild(process.execPath, ['bin/orange-identity.js', 'conformance', ...args], { cwd: REPO_ROOT, env: { ...clean, ...env } });
  const code = await child.exited();
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

const shipped = loadProfile(resolveProfilePath('sandbox')).profile;
let sandbox: RunningSandbox;
let dir: string;
const gateways: Gateway[] = [];
const gateway = async (options: Omit<GatewayOptions, 'prefix'> = {}, upstream = sandbox.url) => {
  const g = await startGateway(upstream, { prefix: '/orange/api', ...options });
  gateways.push(g);
  return g;
};
const writeProfile = async (name: string, profile: Profile) => {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(profile));
  return file;
};
const json = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as { totals: Record<string, number>; entries: { name: string; outcome: string; reason?: string; blockedBy?: string; failures: { check: string; expected: string; got: string }[]; retries?: { status: number; retryAfter?: string }[]; exchanges: { response?: { body: string; contentCoding?: string } }[] }[] };

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(path.join(tmpdir(), 'production-'));
});
afterEach(async () => {
  await stopAll();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  sandbox.sandbox.reset();
});
afterAll(async () => { await sandbox?.close(); });

/** The shipped sandbox profile with every secret taken out, and the environment that gives them back. */
function secretsInTheEnvironment(): { profile: Profile; env: Record<string, string> } {
  const { clientSecret, session, refusingSession, ...auth } = shipped.authentication!;
  const { withoutUserToken, ...dm } = shipped.directMatch!;
  const tokens = shipped.accessTokens!;
  return {
    profile: { ...shipped, name: 'env-only', authentication: auth, accessTokens: undefined, directMatch: dm } as Profile,
    env: {
      ORANGE_CLIENT_SECRET: clientSecret!, ORANGE_SESSION_COOKIE: session!.cookie, ORANGE_REFUSING_SESSION_COOKIE: refusingSession!.cookie,
      ORANGE_ACCESS_TOKEN_FORM_FILLING: tokens.form_filling!, ORANGE_ACCESS_TOKEN_CHECK_ID: tokens.check_id!, ORANGE_ACCESS_TOKEN_ID_MATCH: tokens.id_match!,
      ORANGE_ACCESS_TOKEN_REVOKED_CONSENT: tokens.revoked_consent!, ORANGE_ACCESS_TOKEN_WITHOUT_USER: withoutUserToken!,
    },
  };
}

describe('orange-identity conformance against a production-like gateway', () => {
  it('passes every case under the path prefix, with the secrets in the environment only and a rate limit, at most n requests in any second', async () => {
    const g = await gateway({ coding: 'gzip' });
    const { profile, env } = secretsInTheEnvironment();
    const file = await writeProfile('env-only', profile);
    expect(await readFile(file, 'utf8')).not.toContain(env.ORANGE_CLIENT_SECRET);
    const report = path.join(dir, 'env-only.json');
    const result = await conformance(['--target', g.url, '--profile', file, '--rate', '25', '--concurrency', '8', '--json', report, '--quiet'], env);
    expect(result.stderr).toBe(`JSON report: ${report}\n`);
    expect(result.code).toBe(0);
    const { totals } = await json(report);
    expect(totals).toEqual({ passed: loadCatalogue().cases.length, failed: 0, skipped: 0, total: loadCatalogue().cases.length });
    expect(g.received.every((r) => r.url.startsWith('/orange/api/'))).toBe(true);
    // The gateway saw them arrive at most 25 in any second (less 100 ms for what lies between the sender and it).
    const at = g.received.map((r) => r.at).sort((a, b) => a - b);
    for (const first of at) expect(at.filter((t) => t >= first && t < first + 900).length).toBeLessThanOrEqual(25);
  });

  it('waits out a quota answered with 429 and Retry-After, retries, passes, and notes each wait without counting it', async () => {
    const g = await gateway({ quota: { perSecond: 4, retryAfter: '1' } });
    const report = path.join(dir, 'quota.json');
    const junit = path.join(dir, 'quota.xml');
    const result = await conformance(['--target', g.url, '--profile', 'sandbox', '--api', 'id-match-es', '--json', report, '--report', junit, '--quiet']);
    expect(result.code).toBe(0);
    expect(g.throttled).toBeGreaterThan(0);
    const { entries, totals } = await json(report);
    expect(totals.failed).toBe(0);
    const waited = entries.flatMap((e) => e.retries ?? []);
    expect(waited.length).toBe(g.throttled);
    expect(waited.every((w) => w.status === 429 && w.retryAfter === '1')).toBe(true);
    expect(await readFile(junit, 'utf8')).toMatch(/<system-out>waited out and retried, not counted: POST \/orange\/api\/idmatch\/es\/v1\/premiuminfo 429 \(Retry-After 1\) 1\.0 s/);
    expect(result.stdout).toMatch(/waited out and retried \(answers that said "later"; never a verdict\):\n {2}~ id-match-es\/verifyPremiumInfo\/\S+: POST \/orange\/api\/idmatch\/es\/v1\/premiuminfo 429 \(Retry-After 1\) 1\.0 s/);
  });

  it('gives one failed precondition, naming the cause, for a Direct Match key the target does not know, and blocks what needs it', async () => {
    const g = await gateway();
    const { sandboxAdmin: _admin, ...live } = shipped;
    const file = await writeProfile('unknown-key', { ...live, name: 'unknown-key' });
    const key = await generateSigningKey();
    const report = path.join(dir, 'unknown-key.json');
    const result = await conformance(['--target', g.url, '--profile', file, '--api', 'direct-match-id-fr', '--json', report, '--quiet'], { ORANGE_PRIVATE_JWK: JSON.stringify(key.privateJwk) });
    expect(result.code).toBe(1);
    const { entries } = await json(report);
    const failed = entries.filter((e) => e.outcome === 'failed');
    const PRECONDITION = 'direct-match-id-fr/requestJwtBearerToken/200/AccessToken#profile-key';
    expect(failed.map((e) => e.name)).toEqual([PRECONDITION]);
    const cause = failed[0]!.failures.find((f) => f.check === 'precondition')!;
    expect(cause.expected).toMatch(/the token endpoint accepts the profile's Direct Match key \(directMatch\.privateJwk or ORANGE_PRIVATE_JWK\)/);
    expect(cause.got).toMatch(/^HTTP 400: .*no key found/i);
    const blocked = entries.filter((e) => e.reason === `blocked by ${PRECONDITION}`);
    expect(blocked.length).toBeGreaterThanOrEqual(19);
    expect(blocked.every((e) => e.blockedBy === PRECONDITION)).toBe(true);
    expect(blocked.every((e) => e.outcome === 'skipped')).toBe(true);
    expect(result.stdout).toContain(`- direct-match-id-fr/matchIdentity/200/Scores: blocked by ${PRECONDITION}`);
    // What does not need the key still ran and passed.
    expect(entries.find((e) => e.name === 'direct-match-id-fr/requestJwtBearerToken/400/ClientNotFound')!.outcome).toBe('passed');
  });

  it('gives one failed precondition for a client secret the target refuses: the code flow and the token errors are blocked', async () => {
    const g = await gateway();
    const report = path.join(dir, 'wrong-secret.json');
    const result = await conformance(['--target', g.url, '--profile', 'sandbox', '--api', 'authentication-fr', '--json', report, '--quiet'], { ORANGE_CLIENT_SECRET: 'not-the-secret' });
    expect(result.code).toBe(1);
    const { entries } = await json(report);
    const PRECONDITION = 'authentication-fr/exchangeAuthorizationCode/400/InvalidGrant#client-credentials';
    expect(entries.filter((e) => e.outcome === 'failed').map((e) => e.name)).toEqual([PRECONDITION]);
    expect(entries.find((e) => e.name === PRECONDITION)!.failures.map((f) => f.check)).toEqual(['precondition', 'status']);
    expect(entries.find((e) => e.name === PRECONDITION)!.failures[0]!.got).toMatch(/^HTTP 401: .*invalid_client/);
    const blocked = entries.filter((e) => e.reason === `blocked by ${PRECONDITION}`).map((e) => e.name);
    expect(blocked).toEqual(expect.arrayContaining(['authentication-fr/exchangeAuthorizationCode/200/Tokens#end-user-session', 'authentication-fr/getOpenIdUserInfo/200/Subject', 'authentication-fr/refreshAccessToken/400/InvalidRequest']));
    expect(entries.find((e) => e.name === 'authentication-fr/exchangeAuthorizationCode/401/InvalidClient')!.outcome).toBe('passed');
  });

  it('fails a case whose request gets no answer within --timeout, and goes on with the others', async () => {
    const g = await gateway({ hangOn: '/checkid/' });
    const result = await conformance(['--target', g.url, '--profile', 'sandbox', '--api', 'match-id-fr', '--api', 'form-id-fr', '--timeout', '400', '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('request: expected a response');
    expect(result.stdout).toContain('no complete response within 400 ms');
    const n = loadCatalogue(['form-id-fr']).cases.length;
    const m = loadCatalogue(['match-id-fr']).cases.length;
    expect(result.stdout).toMatch(new RegExp(`form-id-fr\\s+${n}\\s+0\\s+0\\s+${n}`));
    expect(result.stdout).toMatch(new RegExp(`match-id-fr\\s+0\\s+${m}\\s+0\\s+${m}`));
  });

  it('shows decoded bodies in the reports and names the coding they came in', async () => {
    const broken = await startBreakingProxy(sandbox.url, (r, ctx) => { if (ctx.operationId === 'getCheckIdUserInfo' && r.status === 200) setJson(r, { ...ctx.json(), debug: 'node 7' }); });
    try {
      const g = await gateway({ coding: 'br' }, broken.url);
      const junit = path.join(dir, 'coded.xml');
      const report = path.join(dir, 'coded.json');
      const result = await conformance(['--target', g.url, '--profile', 'sandbox', '--api', 'match-id-fr', '--report', junit, '--json', report, '--quiet']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/response 200 \(decoded from br\): \{⏎ "sub": "PBYJJF-200-/);
      expect(await readFile(junit, 'utf8')).toContain('HTTP 200 (body decoded from br)');
      const exchanges = (await json(report)).entries.flatMap((e) => e.exchanges);
      expect(exchanges.length).toBeGreaterThan(0);
      expect(exchanges.every((x) => x.response?.contentCoding === 'br')).toBe(true);
      expect(exchanges.some((x) => x.response!.body.includes('"debug": "node 7"'))).toBe(true);
    } finally {
      await broken.close();
    }
  });
});

describe('orange-identity conformance, choosing what runs', () => {
  it('lists what the profile would run and skip, with the reasons, sending nothing at all, and exits 0', async () => {
    const counting = await startServer(() => undefined);
    let connections = 0;
    counting.server.on('connection', () => { connections++; });
    try {
      const result = await conformance(['--target', `${counting.url}/orange/api`, '--profile', 'sandbox', '--list']);
      expect(result.code).toBe(0);
      expect(counting.requests).toHaveLength(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.filter((l) => /^(run|skip) {2,3}\S/.test(l))).toHaveLength(loadCatalogue().cases.length);
      expect(result.stdout).toContain('run   direct-match-id-fr/matchIdentity/200/Scores (after direct-match-id-fr/requestJwtBearerToken/200/AccessToken#profile-key)');
      expect(lines.at(-1)).toMatch(/cases: \d+ would run, 0 would be skipped; nothing was sent$/);
      const { sandboxAdmin: _admin, ...live } = shipped;
      const listed = await conformance(['--target', `${counting.url}/orange/api`, '--profile', await writeProfile('live', { ...live, name: 'live' }), '--list', '--grep', '^direct-match-id-fr/matchIdentity/50']);
      expect(listed.stdout).toContain('skip  direct-match-id-fr/matchIdentity/503/ServiceUnavailable: mock-only: unavailability cannot be provoked on demand');
      expect(listed.stdout).toMatch(/3 cases: 0 would run, 3 would be skipped; nothing was sent/);
    } finally {
      await counting.close();
    }
    expect(connections).toBe(0);
  });

  it('runs only the cases whose id matches --grep, as the reports name them', async () => {
    const report = path.join(dir, 'grep.json');
    const result = await conformance(['--target', sandbox.url, '--profile', 'sandbox', '--grep', 'UserInfo/(200|401)/', '--json', report, '--quiet']);
    expect(result.code).toBe(0);
    const names = (await json(report)).entries.map((e) => e.name);
    expect(names.length).toBeGreaterThan(4);
    expect(names.every((n) => /UserInfo\/(200|401)\//.test(n))).toBe(true);
    const bad = await conformance(['--target', sandbox.url, '--profile', 'sandbox', '--grep', '(']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --grep takes a regular expression/);
  });

  it('refuses a live target without --profile, naming --profile and the shipped profiles', async () => {
    const result = await conformance(['--target', sandbox.url]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --target \S+ is a live target: say what it needs with --profile <name\|file>, a shipped profile \(mock, sandbox\) or a profile file of your own \(a template to copy: conformance\/profiles\/orange\.example\.json/);
  });
});
