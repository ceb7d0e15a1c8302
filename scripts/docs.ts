/**
 * `npm run docs [-- --out <dir>]`: the documentation site, static and offline, in build/docs (git-ignored).
 *
 *   index.html            the five APIs, the guides, the errata
 *   api/<slug>.html       one Redoc page per API (redocly build-docs --inlineBundle: no CDN)
 *   <path>.html           every Markdown page of docs/ (guides, errata, sandbox), links rewritten
 *   files/<path>          repository files the pages link to (schemas, fixtures)
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Marked } from 'marked';
import { REPO_ROOT, listApis } from './lib/contract.js';

const run = promisify(execFile);

/** Redoc 3.0.1 fetches its attribution logo from cdn.redoc.ly even in an --inlineBundle page (no option turns it
 *  off), which fails offline with a console error; the built pages point it at this inline SVG instead. */
const REDOC_LOGOS = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g;
const INLINE_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='64' height='16'%3E%3Ctext x='0' y='12' font-family='sans-serif' font-size='12' fill='%23666'%3ERedocly%3C/text%3E%3C/svg%3E";
const DOCS = path.join(REPO_ROOT, 'docs');
const SITE_TITLE = 'Orange identity contracts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** A Markdown title as HTML (inline code kept), and as plain text for <title>. */
const titleHtml = (title: string) => escape(title).replace(/`([^`]+)`/g, '<code>$1</code>');
const titleText = (title: string) => title.replace(/`/g, '');

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#111;line-height:1.5}
header{background:#000;color:#fff;padding:.75rem 1.5rem;border-bottom:4px solid #ff7900}header a{color:#fff;margin-right:1.25rem;text-decoration:none}
header a:first-child{font-weight:700}main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 3rem}a{color:#0060a8}
code{background:#f3f3f3;padding:.1rem .25rem;border-radius:3px;font-size:.9em}pre{background:#f6f6f6;padding:1rem;overflow:auto}pre code{background:none;padding:0}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#fafafa}
.apis{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem;padding:0;list-style:none}.apis li{border:1px solid #ddd;border-top:4px solid #ff7900;padding:1rem}`;

function page(title: string, body: string, depth: number): string {
  const up = depth ? '../'.repeat(depth) : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(titleText(title))} - ${SITE_TITLE}</title><style>${STYLE}</style></head>
<body><header><nav><a href="${up}index.html">${SITE_TITLE}</a><a href="${up}guides/getting-started.html">Getting started</a><a href="${up}guides/testing.html">Testing</a><a href="${up}sandbox.html">Sandbox</a><a href="${up}errata.html">Errata</a></nav></header>
<main>${body}</main></body></html>
`;
}

async function markdownFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.md')).sort();
}

/** Renders docs/<file>.md to <out>/<file>.html; `.md` links become `.html`, links to other repository files are copied in. */
async function renderMarkdown(file: string, out: string, copied: Set<string>): Promise<void> {
  const source = path.join(DOCS, file);
  const depth = file.split('/').length - 1;
  const up = '../'.repeat(depth);
  const marked = new Marked({
    walkTokens(token) {
      if (token.type !== 'link' || /^[a-z]+:|^#/.test(token.href)) return;
      const [target = '', anchor] = token.href.split('#');
      const resolved = path.resolve(path.dirname(source), target);
      if (resolved.startsWith(DOCS + path.sep) && target.endsWith('.md')) {
        token.href = target.replace(/\.md$/, '.html') + (anchor ? `#${anchor}` : '');
      } else if (existsSync(resolved) && resolved.startsWith(REPO_ROOT + path.sep)) {
        const relative = path.relative(REPO_ROOT, resolved);
        copied.add(relative);
        token.href = `${up}files/${relative}`;
      }
    },
  });
  const markdown = await readFile(source, 'utf8');
  const title = /^# (.+)$/m.exec(markdown)?.[1] ?? file;
  const html = await marked.parse(markdown);
  const target = path.join(out, file.replace(/\.md$/, '.html'));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, page(title, html, depth));
}

export async function buildDocs(out: string): Promise<string[]> {
  await rm(out, { recursive: true, force: true });
  await mkdir(path.join(out, 'api'), { recursive: true });
  const apis = listApis();
  const env = { ...process.env, NODE_ENV: 'production', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
  const infos = await Promise.all(apis.map(async ({ slug }) => {
    const doc = JSON.parse(await readFile(path.join(REPO_ROOT, 'generated', slug, 'openapi.json'), 'utf8'));
    const output = path.join(out, 'api', `${slug}.html`);
    await run(path.join(REPO_ROOT, 'node_modules/.bin/redocly'), ['build-docs', slug, '-o', output, '--inlineBundle', '--title', `${doc.info.title} - ${SITE_TITLE}`], { cwd: REPO_ROOT, env });
    if (!existsSync(output)) throw new Error(`redocly build-docs wrote no ${output}`);
    await writeFile(output, (await readFile(output, 'utf8')).replace(REDOC_LOGOS, INLINE_LOGO));
    return { slug, title: doc.info.title as string, summary: (doc.info.summary ?? '') as string, operations: Object.keys(doc.paths).length };
  }));

  const copied = new Set<string>();
  const pages = await markdownFiles(DOCS);
  for (const file of pages) await renderMarkdown(file, out, copied);
  for (const relative of copied) {
    await mkdir(path.dirname(path.join(out, 'files', relative)), { recursive: true });
    await copyFile(path.join(REPO_ROOT, relative), path.join(out, 'files', relative));
  }

  // Getting started, then one guide per API in contract order, then the rest.
  const rank = (p: string) => ['guides/getting-started.md', ...apis.map((a) => `guides/${a.slug}.md`)].indexOf(p);
  const guides = pages.filter((p) => p.startsWith('guides/')).sort((a, b) => (rank(a) < 0 ? 99 : rank(a)) - (rank(b) < 0 ? 99 : rank(b)));
  const guideTitle = async (p: string) => /^# (.+)$/m.exec(await readFile(path.join(DOCS, p), 'utf8'))?.[1] ?? p;
  const index = `<h1>${SITE_TITLE}</h1>
<p>Contract-first documentation of five Orange identity APIs: OpenAPI 3.1 documents written from Orange's pages, with every
documented response and error as a named example. Where the pages and the contract differ, see the <a href="errata.html">errata</a>.</p>
<h2>APIs</h2>
<ul class="apis">${infos.map((a) => `<li><h3><a href="api/${a.slug}.html">${escape(a.title)}</a></h3><p>${escape(a.summary)}</p>
<p><a href="api/${a.slug}.html">API reference</a>${guides.includes(`guides/${a.slug}.md`) ? ` · <a href="guides/${a.slug}.html">Guide</a>` : ''} · <a href="files/generated/${a.slug}/openapi.json">OpenAPI</a></p></li>`).join('\n')}</ul>
<h2>Guides</h2>
<ul>${(await Promise.all(guides.map(async (g) => `<li><a href="${g.replace(/\.md$/, '.html')}">${titleHtml(await guideTitle(g))}</a></li>`))).join('')}
<li><a href="sandbox.html">The reference sandbox</a></li><li><a href="errata.html">Errata</a></li></ul>`;
  await writeFile(path.join(out, 'index.html'), page('Home', index, 0));
  for (const { slug } of apis) {
    await mkdir(path.join(out, 'files/generated', slug), { recursive: true });
    await copyFile(path.join(REPO_ROOT, 'generated', slug, 'openapi.json'), path.join(out, 'files/generated', slug, 'openapi.json'));
  }
  return ['index.html', ...apis.map((a) => `api/${a.slug}.html`), ...pages.map((p) => p.replace(/\.md$/, '.html'))];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(REPO_ROOT, 'build/docs') } } });
  const out = path.resolve(values.out!);
  const built = await buildDocs(out);
  console.log(`documentation site: ${path.relative(process.cwd(), out)}/ (${built.length} pages; open index.html, or npm start and visit /docs/)`);
}
