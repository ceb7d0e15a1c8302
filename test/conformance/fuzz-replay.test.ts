/**
 * What a fuzz run leaves to replay it: reproducers that show the generated value breaking the rule (a generated
 * value is no secret; the profile's secrets and the run's tokens stay redacted), on the target as its user named
 * it, or, for an in-process sandbox that is gone once the run ends, how to replay against `npm start`; and a run
 * stopped by Ctrl-C or SIGTERM that still writes its summary and its reports.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import codeRequestSchema from '../../generated/authentication-fr/schemas/AuthorizationCodeTokenRequest.json' with { type: 'json' };
import { DEFAULT_URL } from '../../cli/defaults.js';
import { sandboxAdmin } from '../../conformance/fuzz/control.js';
import { runFuzz, type FuzzOptions, type FuzzRun } from '../../conformance/fuzz/engine.js';
import { HeaderList, createSender, wireRequest } from '../../conformance/http.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { Redactor, textReport } from '../../conformance/report/index.js';
import { pathOf } from '../../src/contract/operations.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { startBreakingProxy, type Break } from '../helpers/breaking-proxy.js';
import { startChild, stopAll } from '../helpers/child.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { AUTHORIZATION_CODE_GRANT_TYPE } from 'orange-identity-client/auth/oidc';

const exec = promisify(execFile);
const { profile, secrets } = loadProfile(resolveProfilePath('sandbox'));
const VERIFIER = new RegExp(codeRequestSchema.properties.code_verifier.pattern, 'u');

let sandbox: RunningSandbox;
beforeAll(async () => { sandbox = await startSandbox({ log: () => undefined }); });
afterAll(async () => sandbox?.close());
afterEach(() => stopAll());

async function fuzzAt(url: string, options: Partial<FuzzOptions> = {}): Promise<FuzzRun> {
  const admin = createSender({ baseUrl: url });
  try {
    return await runFuzz({ baseUrl: url, profile, secrets, seed: 7, maxExamples: 5, apis: ['authentication-fr'], control: sandboxAdmin((r) => admin.send(r)), ...options });
  } finally {
    admin.close();
  }
}

/** A target that issues tokens for a code_verifier breaking its pattern (the downgrade the issue found). */
const acceptsBrokenVerifier: Break = (r, { operationId, request }) => {
  if (operationId !== 'exchangeAuthorizationCode') return;
  const verifier = new URLSearchParams(request.body).get('code_verifier');
  if (verifier === null || VERIFIER.test(verifier)) return;
  r.status = 200;
  r.headers = [['Content-Type', 'application/json'], ['Cache-Control', 'no-store'], ['Pragma', 'no-cache']];
  r.body = JSON.stringify({ token_type: 'Bearer', access_token: 'forged-by-the-broken-target-0123456789', expires_in: 3600 });
};

describe('a reproducer', () => {
  it('shows the generated code_verifier that breaks its pattern, while the code, the credentials and the tokens stay redacted', async () => {
    const proxy = await startBreakingProxy(sandbox.url, acceptsBrokenVerifier);
    let run: FuzzRun;
    try {
      run = await fuzzAt(proxy.url, { reproduceAt: 'http://sandbox.example:9/', maxExamples: 15 });
    } finally {
      await proxy.close();
    }
    const entry = run.entries.find((e) => e.operationId === 'exchangeAuthorizationCode' && e.check === 'negative_data_rejection')!;
    expect(entry.outcome, textReport(run, { reproducers: true })).toBe('failed');
    const at = entry.failures.findIndex((f) => String(f.expected).includes('body/code_verifier breaking pattern'));
    expect(at).toBeGreaterThanOrEqual(0);
    const exchange = entry.exchanges[at]!;
    const verifier = new URLSearchParams(exchange.request.body).get('code_verifier')!;
    expect(VERIFIER.test(verifier)).toBe(false);
    const curl = run.redactor.curl(exchange.request);
    expect(curl).toContain(`--data-urlencode 'code_verifier=${verifier}'`);
    expect(curl).toContain("--data-urlencode 'code=[REDACTED]'");
    expect(curl).toContain("-H 'Authorization: Basic [REDACTED]'");
    // On the target as its user named it.
    expect(curl).toContain(`'http://sandbox.example:9${pathOf('exchangeAuthorizationCode')}'`);
    const text = textReport(run, { reproducers: true });
    expect(text).toContain(`code_verifier=${verifier}`);
    for (const secret of [...secrets, 'forged-by-the-broken-target-0123456789']) expect(text).not.toContain(secret);
  });
});

describe('Redactor.allow (a value the fuzzer generated)', () => {
  const form = (fields: Record<string, string>) => wireRequest('http://127.0.0.1:1', { method: 'POST', path: '/token', form: fields });

  it('is shown where a secret would stand: a form field, a JSON member, a query parameter', () => {
    const redactor = new Redactor(['sandbox-client-secret']);
    redactor.allow('not a verifier!');
    redactor.allow('x-generated-code');
    const request = form({ code_verifier: 'not a verifier!', code: 'x-generated-code', refresh_token: 'a-real-refresh-token' });
    redactor.learn({ request });
    expect(redactor.curl(request)).toContain("'code_verifier=not a verifier!'");
    expect(redactor.curl(request)).toContain("'code=x-generated-code'");
    expect(redactor.curl(request)).toContain("'refresh_token=[REDACTED]'");
    expect(redactor.value({ code_verifier: 'not a verifier!' })).toEqual({ code_verifier: 'not a verifier!' });
    expect(redactor.url('http://h/cb?code=x-generated-code&state=s')).toBe('http://h/cb?code=x-generated-code&state=s');
  });

  it('never shows the profile\'s secrets nor the tokens the run learned, even if allowed', () => {
    const redactor = new Redactor(['sandbox-client-secret']);
    const issued = 'SBX_a-token-the-target-issued';
    redactor.learn({
      request: form({ grant_type: AUTHORIZATION_CODE_GRANT_TYPE }),
      response: { status: 200, headers: new HeaderList([['Content-Type', 'application/json']]), text: JSON.stringify({ access_token: issued }), bytes: Buffer.alloc(0) } as never,
    });
    redactor.allow('sandbox-client-secret');
    redactor.allow(issued);
    const request = form({ client_secret: 'sandbox-client-secret', code: issued });
    expect(redactor.curl(request)).not.toContain('sandbox-client-secret');
    expect(redactor.curl(request)).not.toContain(issued);
    expect(JSON.stringify(redactor.value({ token: issued, note: `said ${issued}` }))).not.toContain(issued);
  });
});

const cli = (args: string[]) => exec(process.execPath, ['bin/orange-identity.js', 'fuzz', ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 })
  .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

describe('a run against an in-process sandbox', () => {
  it('says how to replay it against `npm start`, whose URL its reproducers name', async () => {
    const { code, stdout, stderr } = await cli(['--api', 'form-id-fr', '--seed', '3', '--max-examples', '2']);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toContain(`fuzz of an in-process sandbox (gone with the run; the reproducers are for one started with npm start, ${DEFAULT_URL})`);
    expect(stdout).toContain(`npm run fuzz -- --target ${DEFAULT_URL} --seed 3 --max-examples 2`);
  });
});

describe('Ctrl-C or SIGTERM in the middle of a run', () => {
  it.each([
    ['SIGINT twice at once (npm and the terminal)', ['SIGINT', 'SIGINT'], 130, 'SIGINT'],
    ['SIGTERM', ['SIGTERM'], 143, 'SIGTERM'],
  ] as const)('%s: stops at the next request, prints the summary and writes the reports', async (_label, signals, exitCode, name) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fuzz-stop-'));
    const files = { json: path.join(dir, 'run.json'), junit: path.join(dir, 'run.xml'), html: path.join(dir, 'run.html') };
    const child = startChild(process.execPath, ['bin/orange-identity.js', 'fuzz', '--seed', '5', '--max-examples', '1000', '--json', files.json, '--report', files.junit, '--html', files.html], { cwd: REPO_ROOT });
    // Well into the run: the first phase of the first operation is done, a thousand more requests to go.
    await child.waitFor(/authorize positive: \d+ requests/);
    for (const signal of signals) child.process.kill(signal);
    expect(await child.exited(), child.output()).toBe(exitCode);
    expect(child.stdout()).toMatch(/\d+ cases in [\d.]+ s: \d+ passed, 0 failed, \d+ skipped/);
    expect(child.stdout()).toContain(`stopped (${name}) before the end of the run`);
    expect(child.stdout()).not.toContain('stopping at once');
    const json = JSON.parse(await readFile(files.json, 'utf8'));
    expect(JSON.stringify(json)).toContain(`the run was stopped (${name}) before it reached it`);
    expect(await readFile(files.junit, 'utf8')).toMatch(/^<\?xml/);
    expect(await readFile(files.html, 'utf8')).toMatch(/<html/i);
  });
});
