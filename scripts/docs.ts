/**
 * `npm run docs [-- --out <dir>]`: the documentation site, static and offline, in dist/docs (git-ignored; `npm
 * pack` builds it and ships it, and the sandbox serves it at /docs/ from there, in a clone and in an install).
 *
 *   index.html               the five APIs, the guides, the errata
 *   api/<slug>.html          one Redoc page per API (redocly build-docs), under the site's header
 *   api/redoc.standalone.js  Redoc, once for the five pages, served from the site (no CDN)
 *   <path>.html              every Markdown page of docs/ (guides, errata, sandbox), links rewritten, code highlighted
 *   files/<path>             repository files the pages link to (schemas, fixtures)
 *
 * The site must be served over HTTP (the sandbox's /docs/, any static server): the Redoc pages load Redoc as a
 * module script, which browsers refuse to load from file://.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Marked } from 'marked';
import { markedHighlight } from 'marked-highlight';
import { REPO_ROOT, listApis } from './lib/contract.js';

const run = promisify(execFile);

/** highlight.js, typed here: its own types reference the DOM lib, which would retype `fetch` and `Headers` for the
 *  whole program; a specifier in a variable keeps them out. */
interface HighlightJs { highlight(code: string, options: { language: string }): { value: string }; getLanguage(name: string): unknown }
const HIGHLIGHT_JS = 'highlight.js';
const hljs = ((await import(HIGHLIGHT_JS)) as { default: HighlightJs }).default;

/** Without --inlineBundle, build-docs imports Redoc from its CDN; the pages import this copy from the site instead,
 *  which is the file build-docs inlines (the page's integrity hash proves it), written once rather than five times. */
const REDOC_CDN = /https:\/\/cdn\.redocly\.com\/redoc\/v[^/"]+\/bundles\/redoc\.standalone\.js/g;
const REDOC_BUNDLE = path.join(REPO_ROOT, 'node_modules/@redocly/cli/lib/chunks/redoc.standalone.js');
const REDOC_FILE = 'redoc.standalone.js';
/** Redoc 3.0.1 fetches its attribution logo from cdn.redoc.ly (no option turns it off), which fails offline with a
 *  console error; the site's copy of Redoc points it at this inline SVG instead. */
const REDOC_LOGOS = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g;
const INLINE_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='64' height='16'%3E%3Ctext x='0' y='12' font-family='sans-serif' font-size='12' fill='%23666'%3ERedocly%3C/text%3E%3C/svg%3E";
/** The contract names the errata by their path in the package (`docs/errata.md`); on the site, that is a link. */
const ERRATA_MENTION = /(?<![[(/`])docs\/errata\.md(?![\]`])/g;
const DOCS = path.join(REPO_ROOT, 'docs');
const SITE_TITLE = 'Orange identity contracts';
const DEFAULT_OUT = path.join(REPO_ROOT, 'dist/docs');

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** A Markdown title as HTML (inline code kept), and as plain text for <title>. */
const titleHtml = (title: string) => escape(title).replace(/`([^`]+)`/g, '<code>$1</code>');
const titleText = (title: string) => title.replace(/`/g, '');

/** The site's header, on every page, the Redoc pages included: the way back to the index, the guides, the errata. */
const HEADER_STYLE = `.site-header{background:#000;color:#fff;padding:.75rem 1.5rem;border-bottom:4px solid #ff7900;font-family:system-ui,sans-serif;line-height:1.5}
.site-header a{color:#fff;margin-right:1.25rem;text-decoration:none}.site-header a:first-child{font-weight:700}`;
const header = (up: string) => `<header class="site-header"><nav><a href="${up}index.html">${SITE_TITLE}</a><a href="${up}guides/getting-started.html">Getting started</a>\
<a href="${up}guides/testing.html">Testing</a><a href="${up}sandbox.html">Sandbox</a><a href="${up}errata.html">Errata</a></nav></header>`;

/** highlight.js's GitHub theme, inlined (the site loads nothing from elsewhere). */
const HIGHLIGHT_STYLE = await readFile(path.join(REPO_ROOT, 'node_modules/highlight.js/styles/github.min.css'), 'utf8');
const STYLE = `${HEADER_STYLE}
body{font-family:system-ui,sans-serif;margin:0;color:#111;line-height:1.5}main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 3rem}a{color:#0060a8}
code{background:#f3f3f3;padding:.1rem .25rem;border-radius:3px;font-size:.9em}pre{background:#f6f8fa;padding:1rem;overflow:auto}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#fafafa}
.apis{display:grid;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr));gap:1rem;padding:0;list-style:none}.apis li{border:1px solid #ddd;border-top:4px solid #ff7900;padding:1rem}
${HIGHLIGHT_STYLE}
pre code.hljs{background:none;padding:0}`;

function page(title: string, body: string, depth: number): string {
  const up = '../'.repeat(depth);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(titleText(title))} - ${SITE_TITLE}</title><style>${STYLE}</style></head>
<body>${header(up)}
<main>${body}</main></body></html>
`;
}

/** The page template of `redocly build-docs` (Handlebars: its default template, with the site's header). */
const REDOC_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf8" />
  <title>{{title}}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <style>body{padding:0;margin:0}${HEADER_STYLE}</style>
  {{{redocHead}}}
</head>
<body>
  ${header('../')}
  {{{redocHTML}}}
</body>
</html>
`;

/** Code blocks highlighted at build time; a block in a language highlight.js does not know stays plain text. */
const highlight = markedHighlight({
  emptyLangClass: 'hljs',
  langPrefix: 'hljs language-',
  highlight: (code, lang) => hljs.highlight(code, { language: hljs.getLanguage(lang) ? lang : 'plaintext' }).value,
});

/** A copy of a bundle for its Redoc page: each `description` (Markdown) that names docs/errata.md links to the page. */
function linkErrata(node: unknown, key = ''): unknown {
  if (typeof node === 'string') return key === 'description' ? node.replace(ERRATA_MENTION, '[docs/errata.md](../errata.html)') : node;
  if (Array.isArray(node)) return node.map((item) => linkErrata(item));
  if (typeof node !== 'object' || node === null) return node;
  // Example values, defaults and constants are data, never prose.
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, ['value', 'example', 'default', 'const', 'enum'].includes(k) ? v : linkErrata(v, k)]));
}

/** Builds api/<slug>.html with build-docs and the site's template, importing Redoc from the site rather than its CDN. */
async function buildRedocPage(slug: string, out: string, work: string, integrity: { cdn: string; site: string }): Promise<{ title: string; summary: string; operations: number }> {
  const doc = JSON.parse(await readFile(path.join(REPO_ROOT, 'generated', slug, 'openapi.json'), 'utf8'));
  const source = path.join(work, `${slug}.json`);
  await writeFile(source, JSON.stringify(linkErrata(doc)));
  const output = path.join(out, 'api', `${slug}.html`);
  const env = { ...process.env, NODE_ENV: 'production', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' };
  await run(path.join(REPO_ROOT, 'node_modules/.bin/redocly'), [
    'build-docs', source, '-o', output, '--template', path.join(work, 'template.hbs'), '--title', `${doc.info.title} - ${SITE_TITLE}`,
  ], { cwd: work, env });
  if (!existsSync(output)) throw new Error(`redocly build-docs wrote no ${output}`);
  const html = await readFile(output, 'utf8');
  const preloaded = /<link rel="modulepreload" href="[^"]+" integrity="([^"]+)"/.exec(html)?.[1];
  if (preloaded !== integrity.cdn) {
    throw new Error(`api/${slug}.html preloads another Redoc than ${path.relative(REPO_ROOT, REDOC_BUNDLE)} (integrity ${preloaded})`);
  }
  const local = html.replace(REDOC_CDN, `./${REDOC_FILE}`).replace(`integrity="${preloaded}"`, `integrity="${integrity.site}"`);
  if (/cdn\.redoc/.test(local)) throw new Error(`api/${slug}.html still refers to a Redoc CDN`);
  await writeFile(output, local);
  return { title: doc.info.title as string, summary: (doc.info.summary ?? '') as string, operations: Object.keys(doc.paths).length };
}

const sha384 = (data: string) => `sha384-${createHash('sha384').update(data).digest('base64')}`;

async function markdownFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.md')).sort();
}

/** Renders docs/<file>.md to <out>/<file>.html; `.md` links become `.html`, links to other repository files are copied in. */
async function renderMarkdown(file: string, out: string, copied: Set<string>): Promise<void> {
  const source = path.join(DOCS, file);
  const depth = file.split('/').length - 1;
  const up = '../'.repeat(depth);
  const marked = new Marked(highlight, {
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
  if (!existsSync(REDOC_BUNDLE)) throw new Error(`Redoc is not at ${path.relative(REPO_ROOT, REDOC_BUNDLE)}: has @redocly/cli moved it?`);
  const original = await readFile(REDOC_BUNDLE, 'utf8');
  const redoc = original.replace(REDOC_LOGOS, INLINE_LOGO);
  await writeFile(path.join(out, 'api', REDOC_FILE), redoc);
  const integrity = { cdn: sha384(original), site: sha384(redoc) };
  // build-docs reads the bundles from a folder of its own: no redocly.yaml there, and nothing written in the repository.
  const work = await mkdtemp(path.join(tmpdir(), 'docs-build-'));
  let infos: { slug: string; title: string; summary: string; operations: number }[];
  try {
    await writeFile(path.join(work, 'template.hbs'), REDOC_TEMPLATE);
    infos = await Promise.all(apis.map(async ({ slug }) => ({ slug, ...(await buildRedocPage(slug, out, work, integrity)) })));
  } finally {
    await rm(work, { recursive: true, force: true });
  }

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
  const { values } = parseArgs({ options: { out: { type: 'string', default: DEFAULT_OUT } } });
  const out = path.resolve(values.out!);
  const built = await buildDocs(out);
  console.log(`documentation site: ${path.relative(process.cwd(), out)}/ (${built.length} pages; npm start and visit /docs/, or serve the folder over HTTP)`);
}
