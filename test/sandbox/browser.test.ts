import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../sandbox/authentication.js';
import { browserUnavailable, launchChromium, screenshotPath } from '../helpers/browser.js';
import { startRelyingParty, type RelyingParty } from '../helpers/relying-party.js';
import { defaultFixture, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';

let target: RunningSandbox;
let rp: RelyingParty;
let rpUrl: string;
let browser: Browser;

describe.skipIf(browserUnavailable)('the code flow in a real browser', () => {
  beforeAll(async () => {
    // A relying party built with the toolkit: it sends the browser to authorize, and handles the callback.
    rp = await startRelyingParty();
    rpUrl = rp.url;
    const fixture = defaultFixture();
    fixture.clients[0]!.redirectUris!.push(rp.redirectUri);
    target = await startSandbox({ fixture });
    rp.baseUrl = target.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await target?.close();
    await rp?.close();
  });

  it('signs in and consents on the sandbox page, and the relying party gets the end-user claims', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${rpUrl}/login`);
    await expect(page.title()).resolves.toBe('Orange sandbox - Sign in and consent');
    expect(await page.locator('main').innerText()).toContain('form_filling');
    await page.screenshot({ path: await screenshotPath('sandbox-login.png') });
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Sign in and accept' }).click();
    await page.waitForURL(`${rpUrl}/callback**`);
    expect(await page.locator('h1').innerText()).toBe('Welcome Christine');
    expect(await page.locator('#sub').innerText()).toBe('PBYJJF-200-DwltrLnXq+7jwTQEkOx9Z9jelg0t0NQrxWFasUgUgEs=');

    // The session is remembered: the next sign-in goes straight back to the relying party.
    await page.goto(`${rpUrl}/login`);
    expect(await page.locator('h1').innerText()).toBe('Welcome Christine');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('gives no code and no session to a form another site posts to the login page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const before = rp.callbacks;
    await page.goto(`${rpUrl}/attack`);
    await page.waitForURL(`${target.url}${LOGIN_FORM_PATH}`);
    expect(await page.getByRole('alert').innerText()).toBe('This form has expired or was not sent from this page: please try again.');
    expect((await context.cookies(target.url)).map((c) => c.name)).not.toContain(SESSION_COOKIE);
    expect(rp.callbacks).toBe(before);
    await context.close();
  });

  it('shows an error on a wrong password, and the relying party gets access_denied when the end-user refuses', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${rpUrl}/login`);
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in and accept' }).click();
    expect(await page.getByRole('alert').innerText()).toBe('Unknown mobile number or wrong password.');
    await page.getByLabel('Mobile number (MSISDN)').fill('33600000000');
    await page.getByLabel('Password').fill('sandbox');
    await page.getByRole('button', { name: 'Sign in and refuse' }).click();
    await page.waitForURL(`${rpUrl}/callback**`);
    expect(await page.locator('#error').innerText()).toBe('ERR_AUTHORIZATION_DENIED');
    await context.close();
  });
});
