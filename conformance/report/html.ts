/**
 * The HTML report: one self-contained file (inline CSS, no script, no external resource; a Content-Security-Policy
 * forbids any load), with a summary per suite, then each entry with the check that failed, expected against got
 * (a line diff when both are JSON), the findings it notes without counting, and its redacted requests and responses. Failed entries are open; a filter
 * shows only the failed, skipped or passed ones. Values are redacted before they are formatted, truncated, then
 * escaped.
 *
 * Entry point: `htmlReport(report, { maxField })`. The line diff (`lineDiff`) is a small hand-written LCS.
 */
import { redactReport, tallyBySuite, totals, type RedactedEntry, type RedactedFailure, type Report, type Tally } from './model.js';
import type { ReportExchange } from './model.js';
import { truncate } from './redact.js';
import { redactionSummary } from './rules.js';
import { visible } from './terminal.js';

/** Escaped for HTML, after what a target sent that a page would obey or hide (controls, bidi overrides, zero-width
 *  characters) is written as visible escapes (terminal.ts); newlines and tabs kept. */
const esc = (s: string) => visible(s, '\n\t').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const slugId = (s: string) => `s-${s.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The lines of `a` and `b` as a diff: common lines, then removed (`-`) and added (`+`) ones (LCS, bounded). */
export function lineDiff(a: string[], b: string[]): { op: ' ' | '-' | '+'; line: string }[] {
  const n = Math.min(a.length, 400);
  const m = Math.min(b.length, 400);
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push({ op: ' ', line: a[i++]! }), j++;
    else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', line: a[i++]! });
    else out.push({ op: '+', line: b[j++]! });
  }
  while (i < n) out.push({ op: '-', line: a[i++]! });
  while (j < m) out.push({ op: '+', line: b[j++]! });
  return out;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2).split('\n');

function failureRow(f: RedactedFailure, max: number): string {
  const where = [f.step, f.at].filter(Boolean).join(' · ');
  const diff = f.expectedValue !== undefined && f.gotValue !== undefined
    ? `<tr class="diff-row"><td colspan="4"><pre class="diff" aria-label="expected (−) against got (+)">${lineDiff(pretty(f.expectedValue), pretty(f.gotValue))
      .map((d) => `<span class="d${d.op === ' ' ? 'same' : d.op === '-' ? 'del' : 'add'}">${d.op} ${esc(truncate(d.line, max))}</span>`).join('\n')}</pre></td></tr>`
    : '';
  return `<tr><td><span class="check" title="${esc(f.description)}">${esc(f.check)}</span></td><td>${esc(where)}</td>`
    + `<td><pre>${esc(truncate(f.expected, max))}</pre></td><td><pre>${esc(truncate(f.got, max))}</pre></td></tr>${diff}`;
}

function exchangeBlock(e: ReportExchange, max: number): string {
  const headers = (list: [string, string][]) => list.map(([k, v]) => `<span class="h">${esc(k)}:</span> ${esc(v)}`).join('\n');
  const request = `<span class="m">${esc(e.request.method)}</span> ${esc(e.request.url)}\n${headers(e.request.headers)}${e.request.body ? `\n\n${esc(truncate(e.request.body, max))}` : ''}`;
  const response = e.response
    ? `<span class="st st${String(e.response.status)[0]}">HTTP ${e.response.status}</span>${e.response.contentCoding ? ` <span class="ms">(body decoded from ${esc(e.response.contentCoding)})</span>` : ''}\n${headers(e.response.headers)}${e.response.body ? `\n\n${esc(truncate(e.response.body, max))}` : ''}`
    : `no response: ${esc(e.error ?? 'unknown')}`;
  return `<div class="exchange"><h4>${esc(e.label ?? 'the case\'s request')}${e.ms !== undefined ? ` <span class="ms">${e.ms} ms</span>` : ''}</h4>`
    + `<div class="pair"><div><h5>request</h5><pre>${request}</pre></div><div><h5>response</h5><pre>${response}</pre></div></div>`
    + `<details class="curl"><summary>curl</summary><pre>${esc(truncate(e.curl, max))}</pre></details></div>`;
}

function entryBlock(e: RedactedEntry, max: number): string {
  const checks = [...new Set(e.failures.map((f) => f.check))];
  const noted = [...new Set(e.notes.map((f) => f.check))];
  const body = [
    e.reason ? `<p class="reason">${esc(e.reason)}</p>` : '',
    e.retries?.length ? `<p class="reason">waited out and retried, not counted: ${e.retries.map((w) => esc(`${w.request} ${w.status}${w.retryAfter !== undefined ? ` (Retry-After ${w.retryAfter})` : ''} ${(w.waitedMs / 1000).toFixed(1)} s`)).join('; ')}</p>` : '',
    e.failures.length ? `<table class="failures"><thead><tr><th>check</th><th>where</th><th>expected</th><th>got</th></tr></thead><tbody>${e.failures.map((f) => failureRow(f, max)).join('')}</tbody></table>` : '',
    e.notes.length ? `<table class="failures notes"><caption>noted, not counted</caption><thead><tr><th>check</th><th>where</th><th>expected</th><th>got</th></tr></thead><tbody>${e.notes.map((f) => failureRow(f, max)).join('')}</tbody></table>` : '',
    e.exchanges.length ? `<details class="exchanges"${e.outcome === 'failed' ? ' open' : ''}><summary>${e.exchanges.length} exchange${e.exchanges.length > 1 ? 's' : ''}</summary>${e.exchanges.map((x) => exchangeBlock(x, max * 4)).join('')}</details>` : '',
  ].join('');
  return `<details class="entry ${e.outcome}"${e.outcome === 'failed' ? ' open' : ''}><summary><span class="badge ${e.outcome}">${e.outcome}</span> <span class="name">${esc(e.name)}</span>`
    + `${checks.length ? ` <span class="checks">${checks.map(esc).join(', ')}</span>` : ''}${noted.length ? ` <span class="noted">noted: ${noted.map(esc).join(', ')}</span>` : ''} <span class="ms">${e.ms} ms</span></summary>${body}</details>`;
}

const bar = (t: Tally) => t.total === 0 ? '' : ['passed', 'failed', 'skipped'].map((k) => {
  const n = t[k as keyof Tally];
  return n ? `<span class="seg ${k}" style="width:${((n / t.total) * 100).toFixed(2)}%" title="${n} ${k}"></span>` : '';
}).join('');

const STYLE = `
:root{--ok:#1b7f3b;--ko:#c62828;--skip:#8a6d00;--ink:#1d1d1f;--muted:#5f6368;--line:#e3e3e6;--bg:#f7f7f8;--accent:#ff7900}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#fff;border-top:6px solid var(--accent);border-bottom:1px solid var(--line);padding:1.25rem 2rem}
h1{margin:0 0 .25rem;font-size:1.4rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}.meta{color:var(--muted);margin:0}
.totals{display:flex;gap:1rem;margin-top:1rem}.total{background:var(--bg);border-radius:8px;padding:.5rem 1rem;min-width:7rem}
.total b{display:block;font-size:1.6rem}.total.passed b{color:var(--ok)}.total.failed b{color:var(--ko)}.total.skipped b{color:var(--skip)}
main{padding:0 2rem 3rem;max-width:90rem}table{border-collapse:collapse;width:100%;background:#fff}
.summary td,.summary th{padding:.4rem .6rem;border-bottom:1px solid var(--line);text-align:right}.summary td:first-child,.summary th:first-child{text-align:left}
.summary .bar{width:40%}.track{display:flex;height:.8rem;border-radius:4px;overflow:hidden;background:var(--line)}
.seg.passed{background:var(--ok)}.seg.failed{background:var(--ko)}.seg.skipped{background:#d9b500}
.filters{margin:1.5rem 0 0;display:flex;gap:.5rem;align-items:center}.filters label{background:#fff;border:1px solid var(--line);border-radius:999px;padding:.2rem .8rem;cursor:pointer}
.filters input{margin-right:.35rem}
body:has(#only-failed:checked) .entry:not(.failed),body:has(#only-skipped:checked) .entry:not(.skipped),body:has(#only-passed:checked) .entry:not(.passed){display:none}
body:has(#only-failed:checked) .suite:not(:has(.entry.failed)),body:has(#only-skipped:checked) .suite:not(:has(.entry.skipped)){display:none}
.entry{background:#fff;border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;margin:.4rem 0;padding:.1rem .8rem}
.entry.failed{border-left-color:var(--ko)}.entry.passed{border-left-color:var(--ok)}.entry.skipped{border-left-color:#d9b500}
.entry>summary{cursor:pointer;padding:.45rem 0;display:flex;gap:.6rem;align-items:baseline;flex-wrap:wrap}.name{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem}
.badge{font-size:.75rem;font-weight:700;text-transform:uppercase;border-radius:4px;padding:.05rem .4rem;color:#fff}.badge.passed{background:var(--ok)}.badge.failed{background:var(--ko)}.badge.skipped{background:var(--skip)}
.checks{color:var(--ko);font-size:.85rem}.ms{color:var(--muted);font-size:.8rem;margin-left:auto}
.failures{margin:.4rem 0 .8rem;font-size:.88rem}.failures th{text-align:left;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:.3rem}
.failures td{vertical-align:top;border-bottom:1px solid var(--line);padding:.3rem;max-width:40rem}.check{font-weight:700;color:var(--ko);border-bottom:1px dotted}
.notes caption{text-align:left;color:var(--muted);font-size:.8rem;text-transform:uppercase}.notes .check,.noted{color:var(--skip)}.noted{font-size:.85rem}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12.5px/1.45 ui-monospace,Menlo,Consolas,monospace}
.diff{background:#fafafa;border:1px solid var(--line);border-radius:4px;padding:.4rem}.ddel{background:#fde7e7;color:#8e1b1b;display:block}.dadd{background:#e3f5e8;color:#145c2b;display:block}.dsame{color:var(--muted);display:block}
.curl>summary{cursor:pointer;color:var(--muted);font-size:.8rem}.curl pre{background:var(--bg);border-radius:4px;padding:.5rem}
.reason{color:var(--skip);margin:.2rem 0 .6rem}.exchanges>summary{cursor:pointer;color:var(--muted);margin:.3rem 0}
.exchange h4{margin:.6rem 0 .3rem;font-size:.85rem}.exchange h5{margin:0 0 .2rem;font-size:.75rem;color:var(--muted);text-transform:uppercase}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}.pair pre{background:var(--bg);border-radius:4px;padding:.5rem;max-height:28rem;overflow:auto}
.h{color:var(--muted)}.m{font-weight:700}.st{font-weight:700}.st2{color:var(--ok)}.st3{color:#1a5fb4}.st4,.st5{color:var(--ko)}
footer{color:var(--muted);font-size:.85rem;padding:1rem 2rem}
@media (max-width:60rem){.pair{grid-template-columns:1fr}}`;

export function htmlReport(report: Report, options: { maxField?: number } = {}): string {
  const max = options.maxField ?? 2000;
  const redacted = redactReport(report);
  const all = totals(report.entries);
  const tallies = tallyBySuite(report.entries);
  const summary = [...tallies].map(([suite, t]) => `<tr><td><a href="#${slugId(suite)}">${esc(suite)}</a></td><td class="bar"><div class="track">${bar(t)}</div></td>`
    + `<td>${t.passed}</td><td>${t.failed}</td><td>${t.skipped}</td><td>${t.total}</td></tr>`).join('');
  const suites = [...tallies.keys()].map((suite) => {
    const entries = redacted.entries.filter((e) => e.suite === suite);
    return `<section class="suite" id="${slugId(suite)}"><h2>${esc(suite)}</h2>${entries.map((e) => entryBlock(e, max)).join('')}</section>`;
  }).join('');
  const filter = (id: string, label: string, checked = false) => `<label><input type="radio" name="show" id="${id}"${checked ? ' checked' : ''}>${label}</label>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(`${redacted.title}: ${all.failed} failed of ${all.total} — ${redacted.target}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(redacted.title)} of ${esc(redacted.target)}</h1>
<p class="meta">${redacted.profile ? `profile ${esc(redacted.profile)} · ` : ''}started ${esc(redacted.startedAt)} · ${(redacted.ms / 1000).toFixed(1)} s</p>
<div class="totals"><div class="total passed"><b>${all.passed}</b>passed</div><div class="total failed"><b>${all.failed}</b>failed</div><div class="total skipped"><b>${all.skipped}</b>skipped</div><div class="total"><b>${all.total}</b>in all</div></div>
</header>
<main>
<h2>Summary</h2>
<table class="summary"><thead><tr><th>suite</th><th class="bar"></th><th>passed</th><th>failed</th><th>skipped</th><th>total</th></tr></thead><tbody>${summary}</tbody></table>
<div class="filters" role="radiogroup" aria-label="show">${filter('show-all', 'all', all.failed === 0)}${filter('only-failed', `failed (${all.failed})`, all.failed > 0)}${filter('only-skipped', `skipped (${all.skipped})`)}${filter('only-passed', `passed (${all.passed})`)}</div>
${suites}
</main>
<footer><p>${esc(redactionSummary(report.redactor.correlating))}</p><p>Hover a check's name for what it verifies.</p></footer>
</body>
</html>
`;
}
