/**
 * The browser side of `--login <module>`: one headless chromium for the run (playwright-core, Debian's
 * /usr/bin/chromium or CHROMIUM_PATH), one page, the login module called on it for each authorization request
 * that does not redirect at once. The redirect to the profile's redirect URI is caught in the browser (Chrome
 * DevTools Protocol `Fetch`, at the request stage: Playwright's `route` does not see the hops of a redirect) and
 * answered with a page of its own, so that the code never reaches the client's real redirect endpoint. One
 * authorization request at a time.
 *
 * Entry point: `browserLogin(module, options)` → `BrowserLogin` (`callback(authorizeUrl)`, `close()`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { EndUserLogin } from '../context.js';
import type { Profile } from '../profile.js';
import type { LoginModule } from './types.js';

/** Chromium's flags for a run without a desktop (the tests' too: test/helpers/browser.ts). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The chromium to drive: CHROMIUM_PATH, Debian's package, or the first `chromium` on the PATH. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface BrowserLoginOptions {
  profile: Profile;
  /** How reports name the login (the module's path). */
  label: string;
  /** How long one authorization request may take, the module's work included (2 minutes by default). */
  timeoutMs?: number;
}

export interface BrowserLogin extends EndUserLogin {
  close(): Promise<void>;
}

const escapePattern = (s: string) => s.replace(/[*?\\]/g, (c) => `\\${c}`);
const CAUGHT_PAGE = Buffer.from('<!doctype html><meta charset="utf-8"><title>orange-identity conformance</title><p>The authorization response reached the conformance suite; this page is not the client\'s.</p>').toString('base64');

/** Catches every request of `page` to the redirect URI (its origin and path), hop of a redirect or not. */
async function catchRedirects(page: Page, redirectUri: URL, onCaught: (url: string) => void): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { url: string } }) => {
    const url = new URL(event.request.url);
    const caught = url.origin === redirectUri.origin && url.pathname === redirectUri.pathname;
    if (caught) onCaught(event.request.url);
    const answer = caught
      ? cdp.send('Fetch.fulfillRequest', { requestId: event.requestId, responseCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }], body: CAUGHT_PAGE })
      : cdp.send('Fetch.continueRequest', { requestId: event.requestId });
    answer.catch(() => undefined); // the page may be gone (closed at the end of the run)
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${escapePattern(`${redirectUri.origin}${redirectUri.pathname}`)}*`, requestStage: 'Request' }] });
  return cdp;
}

/** playwright-core, or an Error saying how to get it. */
async function playwright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new Error('--login <module> drives a browser with playwright-core, an optional peer dependency: npm install --save-dev playwright-core@1.64.1 (and apt-get install chromium, or set CHROMIUM_PATH)');
  }
}

/** Resolves with the first of `promise`, or rejects with `message` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(message())), ms); })]).finally(() => clearTimeout(timer));
}

export async function browserLogin(module: LoginModule, options: BrowserLoginOptions): Promise<BrowserLogin> {
  const redirect = options.profile.authentication?.redirectUri;
  if (!redirect) throw new Error('--login needs the profile\'s authentication.redirectUri: the suite catches the browser there');
  const redirectUri = new URL(redirect);
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('--login <module> drives chromium: apt-get install chromium, or set CHROMIUM_PATH');
  const { chromium } = await playwright();
  const browser: Browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const timeoutMs = options.timeoutMs ?? 120_000;
  let page: Page;
  let caught: ((url: string) => void) | undefined;
  try {
    page = await (await browser.newContext()).newPage();
    await catchRedirects(page, redirectUri, (url) => caught?.(url));
  } catch (error) {
    await browser.close();
    throw error;
  }
  let queue: Promise<unknown> = Promise.resolve();

  async function follow(authorizeUrl: string): Promise<string> {
    let got: string | undefined;
    const back = new Promise<string>((resolve) => { caught = (url) => { got ??= url; resolve(url); }; });
    const driving = (async () => {
      await page.goto(authorizeUrl);
      // No page to fill in when the target redirected at once (a session that consented).
      if (got === undefined) await module({ page, authorizeUrl, profile: options.profile });
    })();
    try {
      const outcome = await within(Promise.race([
        back.then((url) => ({ url })),
        driving.then(() => back.then((url) => ({ url })), (error: Error) => ({ error })),
      ]), timeoutMs, () => `the login (${options.label}) did not bring the browser back to ${redirectUri.origin}${redirectUri.pathname} within ${timeoutMs / 1000} s (the page is at ${page.url()})`);
      if ('error' in outcome && got === undefined) throw new Error(`the login (${options.label}) failed: ${outcome.error.message}`);
      return got!;
    } finally {
      caught = undefined;
      // The module may still be finishing on the page the suite caught: let it, briefly, before the next request.
      await within(driving.catch(() => undefined), 10_000, () => '').catch(() => undefined);
    }
  }

  return {
    label: options.label,
    callback(authorizeUrl) {
      const turn = queue.then(() => follow(authorizeUrl));
      queue = turn.catch(() => undefined);
      return turn;
    },
    close: () => browser.close(),
  };
}
