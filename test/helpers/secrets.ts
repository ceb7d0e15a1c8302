import type { Entry } from 'har-format';
import { failure } from '../../conformance/failures.js';
import { HeaderList, type HttpResponse } from '../../conformance/http.js';
import { harEntry, harLog, recordedEntry, type ObservedExchange } from '../../conformance/har.js';
import { Judge, recorded, verdictLine } from '../../conformance/proxy/verdict.js';
import { Redactor, htmlReport, jsonReport, junitReport, terminalText, textReport, type RecordedExchange, type Report, type ReportEntry } from '../../conformance/report/index.js';

const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
/** A name that says secret, written independently of the redaction under test: squeezed to lower-case letters
 *  (`accessToken`, `ACCESS_TOKEN`, `x-api-key` → accesstoken, accesstoken, xapikey). */
const SECRET_NAME = /(token|secret|password|passwd|assertion|verifier|cookie|session|sessionid|apikey|^code|authcode|clientsecret)$/;
const squeeze = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');
const isSecretName = (name: string) => SECRET_NAME.test(squeeze(name));
const SECRET_HEADER = /key|token|secret|auth|session|cookie|password/i;
const PARAMS = /(?:^|[?&#;\s"'])([A-Za-z_][\w.-]*)=([^&#;\s"'<>]+)/g;
const MEMBERS = /"([^"\\]{1,100})"\s*:\s*"([^"\\]+)"/g;

/** A text as UTF-16 when its ASCII characters are NUL-interleaved (one byte per character). */
function unUtf16(text: string): string {
  if (!/[^\0]\0[^\0]\0/.test(text) && !/\0[^\0]\0[^\0]/.test(text)) return text;
  const bytes = Buffer.from(text.replace(/^\ufffd\ufffd/, ''), 'latin1');
  const le = bytes[1] === 0 || (bytes[0] === 0xff && bytes[1] === 0xfe);
  return new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(bytes);
}

/**
 * Every secret that unredacted traffic carries, found independently of the redaction under test: credentials of
 * secret headers (the value after a scheme, and the decoded Basic secret), cookie values, secret-named members of
 * JSON (at any depth, in any case style, also in strings that hold JSON), secret-named fields of forms, query
 * strings, fragments and Location (relative too), UTF-16 bodies decoded, and every JWT. Values shorter than 8
 * characters are left out (a test would find them in ordinary words).
 */
export function secretsIn(exchanges: readonly RecordedExchange[]): string[] {
  const found = new Set<string>();
  const add = (value: string | undefined) => { if (value && value.length >= 8) found.add(value); };
  const walk = (node: unknown, depth: number): void => {
    if (typeof node === 'string') scan(node, depth + 1);
    else if (Array.isArray(node)) node.forEach((n) => walk(n, depth));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (isSecretName(k) && typeof v === 'string') add(v);
        walk(v, depth);
      }
    }
  };
  const scan = (raw: string, depth = 0) => {
    const text = unUtf16(raw);
    for (const m of text.matchAll(JWT)) add(m[0]);
    for (const m of text.matchAll(MEMBERS)) if (isSecretName(m[1]!)) add(m[2]);
    for (const m of text.matchAll(PARAMS)) {
      if (!isSecretName(m[1]!)) continue;
      add(m[2]);
      try { add(decodeURIComponent(m[2]!.replace(/\+/g, ' '))); } catch { /* not encoded */ }
    }
    if (depth < 4 && /^\s*[[{"]/.test(text)) {
      try { walk(JSON.parse(text), depth); } catch { /* not JSON */ }
    }
  };
  for (const { request, response } of exchanges) {
    scan(request.url);
    scan(request.body);
    for (const [name, value] of [...request.headers.entries, ...(response?.headers.entries ?? [])]) {
      const lower = name.toLowerCase();
      if (lower === 'cookie' || lower === 'set-cookie') {
        for (const pair of (lower === 'cookie' ? value.split(/;\s*/) : [value.split(';')[0]!])) add(pair.split('=').slice(1).join('='));
      } else if (SECRET_HEADER.test(lower) && !lower.endsWith('-authenticate')) {
        const credential = /^[A-Za-z][\w-]*\s+\S/.test(value) ? value.replace(/^\S+\s+/, '') : value;
        add(credential);
        if (/^Basic /i.test(value)) add(Buffer.from(credential, 'base64').toString('utf8').split(':').slice(1).join(':'));
      } else scan(value);
    }
    if (response) scan(response.text);
  }
  return [...found];
}

/** The secrets of `secrets` that `output` holds in clear. */
export const leaked = (output: string, secrets: readonly string[]): string[] => secrets.filter((s) => output.includes(s));

/** Every 10-character piece of each secret that `output` holds: a cut, an escape or a partial redaction leaves one. */
export const pieces = (output: string, secrets: readonly string[]): string[] =>
  secrets.filter((s) => Array.from({ length: Math.max(1, s.length - 9) }, (_, i) => s.slice(i, i + 10)).some((piece) => output.includes(piece)));

/** What a HAR holds, as text: the document, and each base64 body decoded as UTF-8, latin1 and UTF-16 (LE and BE). */
function harViews(entries: Entry[]): string {
  const bodies = entries.flatMap((e) => (e.response.content.encoding === 'base64' && e.response.content.text ? [Buffer.from(e.response.content.text, 'base64')] : []));
  const swapped = (b: Buffer) => { const c = Buffer.from(b.subarray(0, b.length - (b.length % 2))); return c.swap16(); };
  return [JSON.stringify(harLog(entries)), ...bodies.flatMap((b) => [b.toString('utf8'), b.toString('latin1'), b.toString('utf16le'), swapped(b).toString('utf16le')])].join('\n');
}

/**
 * The output of every writer for `exchanges`, as a run would write it: the suite's text (with and without
 * reproducers), JUnit, HTML and JSON reports of a failed entry per exchange (whose failures quote the response),
 * its curl reproducers; the proxy's HAR (each exchange learned, then recorded with harEntry, bodies decoded),
 * its verdict lines as the command prints them, and its text, JUnit and HTML reports. `secrets`: the profile's.
 */
export function writerOutputs(exchanges: readonly RecordedExchange[], secrets: readonly string[] = []): Record<string, string> {
  const redactor = new Redactor(secrets);
  for (const e of exchanges) redactor.learn(e);
  const entries: ReportEntry[] = exchanges.map((e, i) => {
    let body: unknown = e.response?.text;
    try { body = JSON.parse(e.response?.text ?? ''); } catch { /* kept as text */ }
    return {
      suite: 'hostile', name: `#${i + 1} ${e.request.method} ${new URL(e.request.url).pathname}`, group: 'op', outcome: 'failed', ms: 1,
      failures: [failure('status', '200', `${e.response?.status ?? 'no response'} ${e.response?.text ?? e.error ?? ''}`), { ...failure('value', { expected: 'value' }, body, '/member'), step: 'step 1' }],
      exchanges: [{ ...e, label: 'step 1' }, e],
    };
  });
  const report: Report = { title: 'conformance', target: 'http://127.0.0.1:9', profile: 'hostile', startedAt: new Date(0).toISOString(), ms: 1, entries, redactor };

  const recorder = new Redactor(secrets, { correlate: true });
  const har = exchanges.map((e) => {
    const observed: ObservedExchange = {
      request: e.request, ...(e.response ? { response: e.response, statusText: 'OK' } : {}), ...(e.error ? { error: e.error } : {}),
      startedAt: new Date(0), timings: { send: 1, wait: 1, receive: 1 }, httpVersion: 'HTTP/1.1',
    };
    recorder.learn(observed);
    return harEntry(observed, recorder);
  });
  const judge = new Judge();
  const verdicts = har.map((entry, i) => judge.judge(recorded(recordedEntry(entry)), i + 1));
  const proxy: Report = { title: 'proxy', unit: 'exchanges', target: 'http://127.0.0.1:9', startedAt: new Date(0).toISOString(), ms: 1, entries: verdicts, redactor: recorder };
  return {
    text: textReport(report), 'text with reproducers': textReport(report, { reproducers: true, maxField: 100_000 }), junit: junitReport(report), html: htmlReport(report), json: jsonReport(report),
    curl: exchanges.map((e) => redactor.curl(e.request)).join('\n'),
    har: harViews(har), 'verdict lines': verdicts.map((v) => terminalText(verdictLine(v))).join('\n'),
    'proxy text': textReport(proxy), 'proxy junit': junitReport(proxy), 'proxy html': htmlReport(proxy), 'proxy json': jsonReport(proxy),
  };
}

const HOSTILE_ORIGIN = 'http://127.0.0.1:9';

/** What an exchange holds, with defaults: a POST to the token endpoint, a 400 JSON response. */
export interface Shape {
  request?: { method?: string; path?: string; headers?: [string, string][]; body?: string };
  response?: { status?: number; headers?: [string, string][]; body?: string | Buffer };
}

/** A recorded exchange of that shape (a response body given as bytes is read as UTF-8, as the sender reads it). */
export function exchange(shape: Shape): RecordedExchange {
  const { request = {}, response } = shape;
  const body = response?.body ?? '';
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const recorded: HttpResponse | undefined = response ? { status: response.status ?? 400, headers: new HeaderList(response.headers ?? [['Content-Type', 'application/json']]), bytes, text: bytes.toString('utf8') } : undefined;
  return {
    request: { method: request.method ?? 'POST', url: `${HOSTILE_ORIGIN}${request.path ?? '/openidconnect/fr/v1/token'}`, headers: new HeaderList(request.headers ?? []), body: request.body ?? '' },
    ...(recorded ? { response: recorded } : { error: 'no response' }),
    ms: 1,
  };
}
