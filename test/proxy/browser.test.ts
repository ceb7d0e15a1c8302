import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../../src/contract/operations.js';
import { SESSION_COOKIE } from '../../sandbox/authentication.js';
import { HeaderList, createSender } from '../../conformance/http.js';
import { proxied, violations } from './proxied.js';
import { browserUnavailable, launchChromium, screenshotPath } from '../helpers/browser.js';
import { startRelyingParty, type RelyingParty } from '../helpers/relying-party.js';
import { defaultFixture, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';

let sandbox: RunningSandbox;
let rp: RelyingParty;
let browser: Browser;
let idp: Server;
let idpUrl: string;

/**
 * An identity provider as many are: its authorize sends a browser without a session to its own login page, by an
 * absolute redirect naming its own origin. Here it is the sandbox (whose login page is what authorize shows)
 * behind a front that adds that redirect.
 */
async function startRedirectingIdp(upstream: string): Promise<void> {
  const sender = createSender({ baseUrl: upstream });
  const LOGIN = '/login';
  idp = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, 'http://idp');
    if (url.pathname === pathOf('authorize') && !(req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`)) {
      res.writeHead(302, { Location: `http://${req.headers.host}${LOGIN}${url.search}` }).end();
      return;
    }
    const path = url.pathname === LOGIN ? `${pathOf('authorize')}${url.search}` : req.url!;
    const headers = new HeaderList(HeaderList.fromRaw(req.rawHeaders).entries.filter(([k]) => !['host', 'connection'].includes(k.toLowerCase())));
    const { response } = await sender.sendWire({ method: req.method!, url: new URL(path, upstream).toString(), headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(response.status, response.headers.entries.filter(([k]) => !['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k.toLowerCase())).flat());
    res.end(response.bytes);
  });
  idp.listen(0, '127.0.0.1');
  await once(idp, 'listening');
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
}

describe.skipIf(browserUnavailable)('the validating proxy in a real browser code flow (the browser test\'s relying party)', () => {
  beforeAll(async () => {
    rp = await startRelyingParty();
    const fixture = defaultFixture();
    fixture.clients[0]!.redirectUris!.push(rp.redirectUri);
    sandbox = await startSandbox({ fixture });
    await startRedirectingIdp(sandbox.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    idp?.closeAllConnections();
    idp?.close();
    await sandbox?.close();
    await rp?.close();
  });

  /** Signs in through the relying party, whose API calls go through the proxy; the exchanges the proxy saw. */
  async function signIn(rewriteLocation: boolean) {
    const proxy = await proxied({ url: idpUrl }, { rewriteLocation });
    rp.baseUrl = proxy.url;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const visited: string[] = [];
      page.on('request', (r) => { if (r.isNavigationRequest()) visited.push(new URL(r.url()).origin); });
      await page.goto(`${rp.url}/login`);
      await expect(page.title()).resolves.toBe('Orange sandbox - Sign in and consent');
      await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
      await page.getByLabel('Password').fill('sandbox');
      await page.getByRole('button', { name: 'Sign in and accept' }).click();
      await page.waitForURL(`${rp.url}/callback**`);
      expect(await page.locator('h1').innerText()).toBe('Welcome Christine');
      if (rewriteLocation) await page.screenshot({ path: await screenshotPath('proxy-code-flow.png') });
      const run = await proxy.stop();
      // The browser also asks the proxy's origin for its icon: traffic the contract does not have.
      const icons = run.verdicts.filter((v) => v.path === '/favicon.ico');
      expect(icons.every((v) => v.group === 'unmatched' && v.outcome === 'skipped')).toBe(true);
      return { run, verdicts: run.verdicts.filter((v) => !icons.includes(v)), visited, proxyUrl: proxy.url };
    } finally {
      await context.close();
    }
  }

  it('with --rewrite-location, keeps the browser on the proxy through the whole flow: login page and form included, and no violation', async () => {
    const { run, verdicts, visited, proxyUrl } = await signIn(true);
    expect(visited.filter((origin) => origin !== rp.url).every((origin) => origin === proxyUrl)).toBe(true);
    expect(verdicts.map((v) => [v.method, v.path, v.status, v.group])).toEqual([
      ['GET', pathOf('authorize'), 302, 'authorize'],
      ['GET', '/login', 200, 'unmatched'],
      ['POST', '/_sandbox/authorize', 302, 'unmatched'],
      ['POST', pathOf('exchangeAuthorizationCode'), 200, 'exchangeAuthorizationCode'],
      ['GET', pathOf('getFormFillingUserInfo'), 200, 'getFormFillingUserInfo'],
    ]);
    expect(violations(run.verdicts)).toEqual([]);
    // The record keeps the upstream's redirect as it came; the browser got the proxy's origin.
    expect(run.har!.log.entries[0]!.response.redirectURL).toMatch(new RegExp(`^${idpUrl}/login\\?`));
  });

  it('rewrites nothing by default: the browser follows the upstream\'s own redirect and leaves the proxy for the login page', async () => {
    const { run, verdicts, visited } = await signIn(false);
    expect(visited).toContain(idpUrl);
    expect(verdicts.map((v) => [v.method, v.path, v.status])).toEqual([
      ['GET', pathOf('authorize'), 302],
      ['POST', pathOf('exchangeAuthorizationCode'), 200],
      ['GET', pathOf('getFormFillingUserInfo'), 200],
    ]);
    expect(violations(run.verdicts)).toEqual([]);
  });
});
