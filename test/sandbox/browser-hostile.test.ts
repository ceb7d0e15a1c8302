/**
 * A hostile web page in a real browser (Debian's chromium): on another site than the sandbox (`localhost` against
 * `127.0.0.1`, both loopback, so that Chromium's Local Network Access lets every request through and only the
 * sandbox's own checks stand), it sends the admin API what a page can send (simple POSTs, a form, a JSON POST
 * that needs a preflight) and frames the login page. The requests arrive, and nothing changes; the frame stays
 * empty.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { pathOf } from '../../src/contract/operations.js';
import { browserUnavailable, launchChromium } from '../helpers/browser.js';
import { adminCall, startSandbox, type AdminOperationId, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
let hostile: Server;
let hostileUrl: string;
let browser: Browser;
/** The admin requests the sandbox received from the browser (which alone sends Sec-Fetch-Site), with their headers. */
const received: { url: string; headers: IncomingHttpHeaders }[] = [];

/** The attacker's page: every way a page can write to another origin without a preflight, and one with. */
function page(sandbox: string): string {
  const login = `${sandbox}${pathOf('authorize')}?${new URLSearchParams({ response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid', redirect_uri: 'http://www.myserver.com', state: 's' })}`;
  return `<!doctype html><html><head><title>evil</title></head><body>
<iframe name="sink"></iframe>
<form id="form" method="post" enctype="text/plain" target="sink" action="${sandbox}${adminPath('resetSandbox')}"><input name='{"a":"' value='"}'></form>
<iframe id="framed" src="${login}"></iframe>
<script>
const simple = (path, body) => fetch(${JSON.stringify(sandbox)} + path, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }).catch(() => {});
Promise.all([
  simple(${JSON.stringify(adminPath('resetSandbox'))}, ''),
  simple(${JSON.stringify(adminPath('moveClock'))}, '{"advance": 86400}'),
  simple(${JSON.stringify(adminPath('authorizeJwksUri', { clientId: 'sandbox-pending-jwks-uri' }))}, ''),
  simple(${JSON.stringify(adminPath('registerClient'))}, '{"clientId": "evil"}'),
  fetch(${JSON.stringify(sandbox + adminPath('resetSandbox'))}, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sandbox-Admin': '1' }, body: '{}' }).catch(() => {}),
]).then(() => { document.getElementById('form').submit(); document.title = 'sent'; });
</script></body></html>`;
}

const admin = (operationId: AdminOperationId, params: Record<string, string> = {}, body?: unknown) => adminCall(target.url, operationId, { params, body });

describe.skipIf(browserUnavailable)('a hostile web page in a real browser', () => {
  beforeAll(async () => {
    target = await startSandbox();
    target.sandbox.server.prependListener('request', (req) => {
      if (req.url?.startsWith('/_sandbox/admin/') && req.headers['sec-fetch-site'] !== undefined) received.push({ url: req.url, headers: req.headers });
    });
    hostile = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(page(target.url))).listen(0, '127.0.0.1');
    await new Promise((resolve) => hostile.once('listening', resolve));
    hostileUrl = `http://localhost:${(hostile.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    hostile?.close();
    await target?.close();
  });

  it('changes nothing through the admin API, and cannot frame the login page', async () => {
    const token = (await admin('mintAccessToken', {}, { msisdn: '33600000000', scope: ['openid', 'check_id'] })).body.access_token;
    const offset = (await admin('getClock')).body.offset;
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(hostileUrl);
      await expect.poll(() => tab.title(), { timeout: 20_000 }).toBe('sent');
      // The simple requests and the form arrived, marked as cross-site by the browser.
      await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
      for (const request of received) {
        expect(request.headers['sec-fetch-site'], request.url).toBe('cross-site');
        expect(request.headers.origin, request.url).toMatch(/^http:\/\/localhost:\d+$/);
      }
      // The framed login page was loaded, and refused by the browser: its frame holds no form.
      const framed = (await (await tab.$('#framed'))!.contentFrame())!;
      await expect.poll(() => framed.url(), { timeout: 20_000 }).not.toBe('about:blank');
      await framed.waitForLoadState('load');
      expect(await framed.locator('input[name="msisdn"]').count(), framed.url()).toBe(0);
    } finally {
      await context.close();
    }
    expect((await fetch(`${target.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await admin('getClock')).body.offset).toBeCloseTo(offset, 0);
    expect((await admin('getClient', { clientId: 'sandbox-pending-jwks-uri' })).body.jwksUriAuthorized).toBe(false);
    expect((await admin('getClient', { clientId: 'evil' })).status).toBe(404);
    // No JSON request with the admin header got through: the browser's preflight was refused.
    expect(received.some((r) => r.headers['x-sandbox-admin'] !== undefined)).toBe(false);
  });
});
