/**
 * The code flow through a real login page: `--login <module>` drives chromium through the sandbox's own login and
 * consent page (the shipped module, and a module of the user's own), `--login manual` reads the callback URL pasted
 * on stdin.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { loadProfile, resolveProfilePath, type Profile } from '../../conformance/profile.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { browserUnavailable } from '../helpers/browser.js';
import { startChild, stopAll, type Child } from '../helpers/child.js';
import { FormBrowser } from '../helpers/login.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

const shipped = loadProfile(resolveProfilePath('sandbox')).profile;
const END_USER = { username: '33600000000', password: 'sandbox' };
const PRECONDITION = 'authentication-fr/exchangeAuthorizationCode/200/Tokens#end-user-session';
let sandbox: RunningSandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(path.join(tmpdir(), 'conformance-login-'));
});
afterEach(async () => { await stopAll(); sandbox.sandbox.reset(); });
afterAll(async () => { await sandbox?.close(); });

/** The shipped sandbox profile without its consenting session: codes must come through the login page. */
async function sessionless(name: string, login?: Profile['authentication'] extends infer A ? A extends { login?: infer L } ? L : never : never): Promise<string> {
  const { session: _session, ...auth } = shipped.authentication!;
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ ...shipped, name, authentication: { ...auth, ...(login ? { login } : {}) } }));
  return file;
}

function conformance(args: string[], env: Record<string, string> = {}): Child {
  return startChild(process.execPath, ['bin/orange-identity.js', 'conformance', '--target', sandbox.url, ...args], {
    cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
}

type Entry = { name: string; outcome: string; reason?: string; failures: { check: string; got: string }[] };
const entriesOf = async (file: string) => (JSON.parse(await readFile(file, 'utf8')) as { entries: Entry[] }).entries;

/** The cases of Authentication France that need a code (every case after the end-user precondition, and it). */
const CODE_CASES = loadCatalogue(['authentication-fr']).cases.filter((c) => c.id === PRECONDITION || c.dependsOn.includes(PRECONDITION)).map((c) => c.id);

describe.skipIf(browserUnavailable)('--login <module>, in chromium', () => {
  it('runs the whole code flow through the sandbox\'s login and consent page with the shipped module', async () => {
    const report = path.join(dir, 'login.json');
    const started = performance.now();
    const child = conformance(['--profile', await sessionless('login', END_USER), '--login', 'sandbox', '--api', 'authentication-fr', '--json', report, '--quiet']);
    const code = await child.exited();
    const seconds = (performance.now() - started) / 1000;
    expect(child.stderr()).toBe(`JSON report: ${report}\n`);
    expect(code).toBe(0);
    const entries = await entriesOf(report);
    const byName = new Map(entries.map((e) => [e.name, e]));
    // Every case that needs a code ran and passed, but the two that send the session cookie themselves.
    const direct = ['authentication-fr/authorize/302/AuthorizationCode', 'authentication-fr/authorizeWithForm/302/AuthorizationCode'];
    for (const id of CODE_CASES.filter((c) => !direct.includes(c))) expect(byName.get(id)?.outcome, id).toBe('passed');
    for (const id of direct) expect(byName.get(id)?.reason, id).toMatch(/^the profile has no authentication\.session/);
    console.log(`--login sandbox: ${entries.length} cases of authentication-fr in ${seconds.toFixed(1)} s, ${entries.filter((e) => e.outcome === 'passed').length} passed, ${entries.filter((e) => e.outcome === 'skipped').length} skipped; ${CODE_CASES.length - direct.length} of them through the login page`);
  });

  it('takes a module of the user\'s own by its path, and fails the end-user precondition, naming why, when the sign-in is refused', async () => {
    const module = path.join(dir, 'my-login.mjs');
    await writeFile(module, [
      'export default async function ({ page, profile }) {',
      "  if (await page.locator('input[name=msisdn]').count()) {",
      "    await page.fill('input[name=msisdn]', profile.authentication.login.username);",
      "    await page.fill('input[name=password]', profile.authentication.login.password);",
      '  }',
      "  await Promise.all([page.waitForEvent('framenavigated'), page.click('button[value=grant]')]);",
      "  const alert = page.locator('[role=alert]');",
      "  if (await alert.count()) throw new Error(await alert.textContent());",
      '}',
    ].join('\n'));
    const report = path.join(dir, 'refused.json');
    const child = conformance(['--profile', await sessionless('refused', { ...END_USER, password: 'wrong' }), '--login', module, '--grep', 'exchangeAuthorizationCode/200', '--json', report, '--quiet']);
    expect(await child.exited()).toBe(1);
    const entries = await entriesOf(report);
    const failed = entries.filter((e) => e.outcome === 'failed');
    expect(failed.map((e) => e.name)).toEqual([PRECONDITION]);
    expect(failed[0]!.failures.find((f) => f.check === 'precondition')!.got).toMatch(/the login \(.*my-login\.mjs\) failed: Unknown mobile number or wrong password/);
    expect(entries.filter((e) => e.reason === `blocked by ${PRECONDITION}`).map((e) => e.name).sort()).toEqual([
      'authentication-fr/exchangeAuthorizationCode/200/Tokens', 'authentication-fr/exchangeAuthorizationCode/200/TokensWithRefreshToken',
    ]);
  });
});

describe('--login, the module that cannot be', () => {
  it('is a configuration error (exit 2) naming what can be given', async () => {
    const child = conformance(['--profile', 'sandbox', '--login', path.join(dir, 'no-such-login.mjs')]);
    expect(await child.exited()).toBe(2);
    expect(child.stderr()).toMatch(/^error: --login .*no-such-login\.mjs: cannot load the module .*; give manual, sandbox, or the path of an ES module/);
  });
});

describe('--login manual', () => {
  const prompt = (n: number) => new RegExp(`--login manual \\(${n}\\): open this URL in a browser, sign in and consent:\\n(\\S+)\\nthen paste the URL`);

  it('prints each authorize URL and reads the callback URL pasted on stdin, asking again for a line that is not one', async () => {
    const report = path.join(dir, 'manual.json');
    const child = conformance(['--profile', await sessionless('manual'), '--login', 'manual', '--grep', 'exchangeAuthorizationCode/200', '--json', report, '--quiet']);
    const browser = new FormBrowser();
    // The first answer is not a callback URL: it is asked for again.
    const first = (await child.waitFor(prompt(1)))[1]!;
    child.process.stdin!.write('the code is 1234\n');
    await child.waitFor(/that is not a URL of the redirect URI http:\/\/www\.myserver\.com\//);
    child.process.stdin!.write(`${(await browser.authorize(first, { msisdn: END_USER.username, password: END_USER.password })).toString()}\n`);
    // Each case that needs a code asks once: the precondition and the two 200 cases of the code exchange.
    for (const n of [2, 3]) {
      const url = (await child.waitFor(prompt(n)))[1]!;
      child.process.stdin!.write(`${(await browser.authorize(url)).toString()}\n`);
    }
    expect(await child.exited()).toBe(0);
    const entries = await entriesOf(report);
    expect(entries.map((e) => [e.name, e.outcome])).toEqual([
      ['authentication-fr/exchangeAuthorizationCode/200/Tokens', 'passed'],
      [PRECONDITION, 'passed'],
      ['authentication-fr/exchangeAuthorizationCode/200/TokensWithRefreshToken', 'passed'],
    ]);
    expect(child.stderr()).not.toMatch(prompt(4));
  });

  it('stops on Ctrl-C while it waits for a pasted URL (stdin still open): exit 130, the report written, nothing judged', async () => {
    const report = path.join(dir, 'manual-stopped.json');
    const child = conformance(['--profile', await sessionless('manual-stopped'), '--login', 'manual', '--grep', 'exchangeAuthorizationCode/200', '--json', report, '--quiet']);
    await child.waitFor(prompt(1));
    child.process.kill('SIGINT');
    expect(await child.exited()).toBe(130);
    const entries = await entriesOf(report);
    expect(entries).toHaveLength(3);
    expect(entries.filter((e) => e.outcome !== 'skipped')).toEqual([]);
    expect(child.stderr()).toMatch(/stopped \(SIGINT\)/);
  });
});
