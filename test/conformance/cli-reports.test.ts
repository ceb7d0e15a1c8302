import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressPrinter } from '../../cli/run/conformance.js';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { startChild } from '../helpers/child.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { browserUnavailable, launchChromium, screenshotPath } from '../helpers/browser.js';
import { setJson, startBreakingProxy, type BreakingProxy } from '../helpers/breaking-proxy.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

/** `orange-identity conformance ...`: exit code, stdout, stderr. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = startChild(process.execPath, ['bin/orange-identity.js', 'conformance', ...args], { cwd: REPO_ROOT });
  const code = await child.exited();
  return { code: code as number, stdout: child.stdout(), stderr: child.stderr() };
}

let sandbox: RunningSandbox;
let broken: BreakingProxy;
let dir: string;
let first: Awaited<ReturnType<typeof cli>>;
const total = loadCatalogue().cases.length;

beforeAll(async () => {
  sandbox = await startSandbox();
  // Two deviations, so that the report has failures to show: a debug trace in OAuth errors, a repeated header.
  broken = await startBreakingProxy(sandbox.url, (r, ctx) => {
    if (ctx.operationId === 'requestJwtBearerToken' && r.status === 400) setJson(r, { ...ctx.json(), trace: 'at TokenEndpoint.grant (server.js:42)' });
    if (ctx.operationId === 'matchIdentity') r.headers.push(['X-OAPI-Request-Id', 'again']);
  });
  dir = await mkdtemp(path.join(tmpdir(), 'conformance-reports-'));
  first = await cli(['--target', broken.url, '--profile', 'sandbox', '--html', path.join(dir, 'nested/report.html'), '--report', path.join(dir, 'junit.xml')]);
});
afterAll(async () => { await broken?.close(); await sandbox?.close(); });

describe('orange-identity conformance, its progress and its reports', () => {
  it('prints a plain progress line per case when stderr is not a terminal, and writes the HTML and JUnit reports', async () => {
    expect(first.code).toBe(1);
    const lines = first.stderr.split('\n').filter((l) => /^\s*\d+\/\d+ (passed|failed|skipped)/.test(l));
    expect(lines).toHaveLength(total);
    expect(lines.at(-1)).toMatch(new RegExp(`^${total}/${total} `));
    expect(first.stderr).toContain(`HTML report: ${path.join(dir, 'nested/report.html')}`);
    expect(await readFile(path.join(dir, 'junit.xml'), 'utf8')).toMatch(/failures="[1-9]\d*"/);
    expect(first.stdout).toContain('undocumented-member (body/trace)');
    expect(first.stdout).toContain('header-once (X-OAPI-Request-Id)');
  });

  it('prints no progress with --quiet, and the same report', async () => {
    const quiet = await cli(['--target', broken.url, '--profile', 'sandbox', '--quiet', '--api', 'form-id-fr']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const n = loadCatalogue(['form-id-fr']).cases.length;
    expect(quiet.stdout).toMatch(new RegExp(`form-id-fr\\s+${n}\\s+0\\s+0\\s+${n}`));
  });

  it('redraws one line on a terminal: cases done of total and failures so far, cleared at the end', () => {
    const written: string[] = [];
    const stream = { isTTY: true, columns: 60, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const printer = progressPrinter(stream);
    printer.update({ done: 3, total: 12, failed: 1, result: { name: 'form-id-fr/getFormFillingUserInfo/200/FormFillingClaims', outcome: 'failed' } as never });
    printer.end();
    expect(written[0]).toMatch(/^\r\x1b\[K 3\/12 cases, 1 failed {2}form-id-fr/);
    expect(written[0]!.length).toBeLessThan(60);
    expect(written.at(-1)).toBe('\r\x1b[K');
  });
});

describe.skipIf(browserUnavailable)('the HTML report in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('loads with no console error and no request beyond its own file, shows the failures, and filters them', async () => {
    const file = pathToFileURL(path.join(dir, 'nested/report.html')).toString();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(file);
    await page.locator('table.summary').waitFor();
    expect(errors).toEqual([]);
    expect(requests).toEqual([file]);
    expect(await page.locator('table.summary tbody tr').count()).toBe(5);
    const failed = Number((await page.locator('.total.failed b').textContent()) ?? '0');
    expect(failed).toBeGreaterThan(0);
    // Failed entries only, by default when something failed.
    expect(await page.locator('.entry.failed').count()).toBe(failed);
    expect(await page.locator('.entry.passed').first().isVisible()).toBe(false);
    await expect.poll(() => page.locator('.entry.failed .check', { hasText: 'undocumented-member' }).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: await screenshotPath('conformance-report.png'), fullPage: false });
    await page.locator('label', { hasText: 'passed' }).click();
    expect(await page.locator('.entry.passed').first().isVisible()).toBe(true);
    expect(await page.locator('.entry.failed').first().isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });
});
