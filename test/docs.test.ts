import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocs } from '../scripts/docs.js';
import { REPO_ROOT, listApis } from '../scripts/lib/contract.js';
import { browserUnavailable, launchChromium, screenshotPath } from './helpers/browser.js';
import { bundled } from './helpers/contract.js';
import { startSandbox, type RunningSandbox } from './helpers/sandbox.js';

/** The pages other than the Redoc ones: the index and one per markdown file of docs/ (it.each needs them when
 *  the file loads, before the build; the build test checks that the build made exactly these). */
const otherPages = () => ['index.html', ...readdirSync(path.join(REPO_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.md')).map((f) => f.split(path.sep).join('/').replace(/\.md$/, '.html'))].sort();

let site: string;
let pages: string[];
let target: RunningSandbox;
let browser: Browser;

beforeAll(async () => {
  site = await mkdtemp(path.join(tmpdir(), 'docs-'));
  pages = await buildDocs(site);
  target = await startSandbox({ docsDir: site });
  if (!browserUnavailable) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await target?.close();
  await rm(site, { recursive: true, force: true });
});

describe('npm run docs', () => {
  it('builds an index, one Redoc page per API, and a page per guide, the errata and the sandbox', () => {
    expect(pages).toEqual(expect.arrayContaining([
      'index.html', ...listApis().map((a) => `api/${a.slug}.html`), 'errata.html', 'sandbox.html',
      ...['getting-started', 'testing', ...listApis().map((a) => a.slug)].map((g) => `guides/${g}.html`),
    ]));
    expect(otherPages()).toEqual(pages.filter((p) => !p.startsWith('api/')).sort());
    // The guides' TypeScript is highlighted at build time (the browser test checks that each block is coloured).
    const typescript = otherPages().filter((p) => readFileSync(path.join(site, p), 'utf8').includes('language-ts'));
    expect(typescript.length, 'pages with TypeScript blocks').toBeGreaterThan(0);
  });

  it('is served by the sandbox at /docs/', async () => {
    const index = await fetch(`${target.url}/docs/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('href="api/direct-match-id-fr.html"');
    expect((await fetch(`${target.url}/docs`, { redirect: 'manual' })).headers.get('location')).toBe('/docs/');
    expect((await fetch(`${target.url}/docs/%2e%2e/package.json`)).status).toBe(404);
  });
});

describe.skipIf(browserUnavailable)('the documentation site in a real browser', () => {
  /** Loads a page; fails on console errors, page errors, and any request that leaves this machine. */
  async function visit(page: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === '127.0.0.1' || route.request().url().startsWith('data:')) return route.continue();
      problems.push(`request off this machine: ${route.request().url()}`);
      return route.abort();
    });
    const tab = await context.newPage();
    tab.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await tab.goto(`${target.url}/docs/${page}`, { waitUntil: 'networkidle' });
    return { tab, context, problems };
  }

  it.each(listApis().map((a) => [a.slug] as const))('shows %s: its title and each operation, with no console error', async (slug) => {
    const doc = bundled(slug);
    const { tab, context, problems } = await visit(`api/${slug}.html`);
    const summaries: string[] = [...Object.values(doc.paths), ...Object.values(doc.webhooks ?? {})].flatMap((item: any) => Object.values(item).map((op: any) => op.summary));
    // The title is pre-rendered; Redoc then hydrates the page. Every operation is listed under its tag by path.
    await tab.waitForFunction("!document.body.innerText.includes('Loading...')");
    expect(await tab.getByRole('heading', { name: new RegExp(`^${doc.info.title}`) }).count()).toBeGreaterThan(0);
    // Redoc 3 shows one tag's operations at a time, and renders what comes into view: open each tag from the
    // menu, as a reader would, and collect the paths and the operations each one reveals.
    let listed = await tab.locator('body').innerText();
    const seen = new Set<string>();
    const collect = async () => { for (const s of summaries) if (await tab.getByText(s, { exact: true }).count()) seen.add(s); };
    for (const tag of doc.tags as { name: string }[]) {
      await tab.getByText(tag.name, { exact: true }).first().click();
      // Every tag has an operation: wait until this one shows operations not seen yet.
      const before = seen.size;
      await expect.poll(async () => { await collect(); return seen.size; }, { timeout: 90_000 }).toBeGreaterThan(before);
      listed += await tab.locator('body').innerText();
    }
    for (const p of Object.keys(doc.paths)) expect(listed, p).toContain(p);
    expect([...seen].sort()).toEqual([...summaries].sort());
    // The site's header leads back to the index, the guides and the errata; the API description links the errata.
    const header = await tab.locator('header.site-header a').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    expect(header).toEqual(expect.arrayContaining([`${target.url}/docs/index.html`, `${target.url}/docs/errata.html`, `${target.url}/docs/guides/getting-started.html`]));
    for (const href of header) expect((await fetch(href)).status, href).toBe(200);
    const errata = tab.locator('#redoc a[href="../errata.html"]');
    expect(await errata.count(), 'a link to the errata in the API description').toBeGreaterThan(0);
    await Promise.all([tab.waitForURL(`${target.url}/docs/errata.html`), errata.first().click()]);
    expect(await tab.locator('h1').first().innerText()).toMatch(/^Errata/);
    await tab.goBack();
    await tab.locator('header.site-header a', { hasText: 'Orange identity contracts' }).click();
    await tab.waitForURL(`${target.url}/docs/index.html`);
    await tab.goBack();
    await tab.screenshot({ path: await screenshotPath(`docs-${slug}.png`) });
    expect(problems).toEqual([]);
    await context.close();
  });

  // One test per page, each waiting on what it checks: under load a page takes longer, never a shared budget.
  it.each(otherPages())('shows %s: a title, working links, highlighted code, no console error', async (page) => {
    const { tab, context, problems } = await visit(page);
    expect((await tab.locator('h1').first().innerText()).length, page).toBeGreaterThan(0);
    // Every code block is highlighted at build time, and the inlined theme colours its keywords.
    const blocks = await tab.locator('main pre > code').evaluateAll((codes) => codes.map((code) => {
      // Runs in the page: DOM types are not in this program's lib.
      type Node = { className: string; classList: { contains(c: string): boolean }; querySelector(s: string): Node | null };
      const c = code as unknown as Node;
      const color = (e: Node) => (globalThis as unknown as { getComputedStyle(e: Node): { color: string } }).getComputedStyle(e).color;
      const keyword = c.querySelector('.hljs-keyword, .hljs-built_in');
      return { hljs: c.classList.contains('hljs'), language: c.className, coloured: keyword ? color(keyword) !== color(c) : undefined };
    }));
    for (const block of blocks) {
      expect(block.hljs, `${page}: ${block.language}`).toBe(true);
      // TypeScript blocks all have keywords (import, const...): each must be there, coloured.
      if (block.language.includes('language-ts')) expect(block.coloured, `${page}: ${block.language} keywords are coloured`).toBe(true);
    }
    for (const href of await tab.locator('main a[href]').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href))) {
      if (!href.startsWith(target.url)) continue;
      expect((await fetch(href)).status, `${page} links to ${href}`).toBe(200);
    }
    await tab.screenshot({ path: await screenshotPath(`docs-${page.replace(/\//g, '-').replace(/\.html$/, '')}.png`), fullPage: true });
    expect(problems, page).toEqual([]);
    await context.close();
  });
});
