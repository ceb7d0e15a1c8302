/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/, types from @types/har-format): what the validating
 * proxy records of each exchange, redacted, and what `orange-identity validate` reads back to check offline.
 *
 * Recording redacts with the reports' structured `Redactor` (conformance/report/redact.ts), in its correlating
 * mode: every secret (Authorization credentials, Cookie and Set-Cookie values, tokens, codes, assertions and
 * client secrets in bodies, query strings and Location, anything JWT-shaped) becomes a placeholder `REDACTED-n`,
 * one number per distinct value. Bodies are stored decoded (Content-Encoding undone, as HAR says), JSON compact,
 * forms form-encoded; a body that is not UTF-8 is stored base64 so that its bytes stay checkable.
 *
 * Custom members (HAR 1.2 allows `_`-prefixed ones):
 * - `entry._jwts`: for each placeholder of the entry that stood for a JWT, its decoded header and claims
 *   (redacted as values) and whether it was signed: the checks of an id_token or an assertion read them offline.
 * - `entry._error`: why no response came (`response.status` is then 0, as browsers record it); `entry._aborted`:
 *   the client went away before the exchange ended; `entry._unrecorded`: which body went past the recording limit.
 *
 * Entry points: `harEntry(observed, redactor)`, `harLog(entries, comment)`, `HarFile` (written as entries come),
 * `readHar(text)` → `RecordedEntry[]`
 * (also HARs of other tools: browsers' devtools), `recordedEntry(entry)` (one entry), `HarError`.
 */
import { isUtf8 } from 'node:buffer';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Cookie, Entry, Har, Header } from 'har-format';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { HeaderList, parseMediaType, type HttpResponse, type WireRequest } from './http.js';
import { PLACEHOLDERS, type RecordedExchange, type RedactedJws, type Redactor } from './report/index.js';

/** What the proxy saw of one exchange, before redaction. */
export interface ObservedExchange {
  /** The request as forwarded: the upstream's absolute URL, the headers sent, the body (decoded) as text. */
  request: WireRequest;
  /** The upstream's response, its body decoded; absent when none came. */
  response?: HttpResponse;
  /** The response's reason phrase. */
  statusText?: string;
  /** Body bytes on the wire (before Content-Encoding was undone). */
  wireBytes?: { request: number; response: number };
  /** Why no response came. */
  error?: string;
  /** The client went away before the exchange ended. */
  aborted?: boolean;
  /** A body went past the recording limit: it is not recorded, and the exchange is not checked. */
  unrecorded?: 'request' | 'response';
  startedAt: Date;
  /** Milliseconds: sending the request, waiting for the response's head, receiving its body. */
  timings: { send: number; wait: number; receive: number };
  httpVersion: string;
  comment?: string;
}

/** A HAR entry read back: the exchange as recorded (redacted), and what the recording kept for the checks. */
export interface RecordedEntry {
  exchange: RecordedExchange & { ms: number };
  startedAt: Date;
  /** The decoded JWTs the entry's placeholders stand for. */
  jwts: Record<string, RedactedJws>;
  aborted: boolean;
  unrecorded?: 'request' | 'response';
}

/** A HAR file that cannot be read. */
export class HarError extends Error {
  override readonly name = 'HarError';
}

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const headerList = (entries: [string, string][]): Header[] => entries.map(([name, value]) => ({ name, value }));

function cookiesOf(headers: [string, string][], name: 'cookie' | 'set-cookie'): Cookie[] {
  const values = headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
  if (name === 'cookie') {
    return values.flatMap((v) => v.split(/;\s*/)).filter(Boolean).map((pair) => ({ name: pair.split('=')[0]!, value: pair.split('=').slice(1).join('=') }));
  }
  return values.map((v) => {
    const [pair = '', ...attributes] = v.split(/;\s*/);
    const cookie: Cookie = { name: pair.split('=')[0]!, value: pair.split('=').slice(1).join('=') };
    for (const attribute of attributes) {
      const [key = '', ...rest] = attribute.split('=');
      const value = rest.join('=');
      const lower = key.toLowerCase();
      if (lower === 'path') cookie.path = value;
      else if (lower === 'domain') cookie.domain = value;
      else if (lower === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expires = new Date(value).toISOString();
      else if (lower === 'httponly') cookie.httpOnly = true;
      else if (lower === 'secure') cookie.secure = true;
    }
    return cookie;
  });
}

const contentType = (headers: HeaderList) => headers.get('content-type') ?? '';

/** A body, redacted: a form (by its Content-Type) field by field and form-encoded, JSON member by member and
 *  compact, anything else as text. */
function redactedBody(text: string, mediaType: string, redactor: Redactor): string {
  if (text === '') return '';
  const form = parseMediaType(mediaType)?.essence === 'application/x-www-form-urlencoded' ? redactor.form(text, true) : undefined;
  if (form) return new URLSearchParams(form).toString();
  try {
    return JSON.stringify(redactor.value(JSON.parse(text)));
  } catch {
    return redactor.text(text);
  }
}

/** One HAR entry for an exchange, every secret redacted. Call `redactor.learn` on the exchange first. */
export function harEntry(observed: ObservedExchange, redactor: Redactor): Entry {
  const { request, response } = observed;
  const url = new URL(redactor.url(request.url));
  const requestHeaders = redactor.headers(request.headers);
  const requestBody = observed.unrecorded === 'request' ? '' : redactedBody(request.body, contentType(request.headers), redactor);
  const entry: Entry = {
    startedDateTime: observed.startedAt.toISOString(),
    time: Math.round((observed.timings.send + observed.timings.wait + observed.timings.receive) * 1000) / 1000,
    request: {
      method: request.method,
      url: url.href,
      httpVersion: observed.httpVersion,
      cookies: cookiesOf(requestHeaders, 'cookie'),
      headers: headerList(requestHeaders),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(request.body !== '' ? { postData: { mimeType: redactor.text(contentType(request.headers)), text: requestBody } } : {}),
      headersSize: -1,
      bodySize: observed.wireBytes?.request ?? Buffer.byteLength(request.body),
    },
    response: { status: 0, statusText: '', httpVersion: '', cookies: [], headers: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1 },
    cache: {},
    timings: { ...observed.timings },
  };
  if (response) {
    const headers = redactor.headers(response.headers);
    const location = headers.find(([k]) => k.toLowerCase() === 'location')?.[1] ?? '';
    const utf8 = isUtf8(response.bytes);
    const text = observed.unrecorded === 'response' ? '' : redactedBody(utf8 ? response.text : response.bytes.toString('latin1'), contentType(response.headers), redactor);
    entry.response = {
      status: response.status,
      statusText: redactor.text(observed.statusText ?? ''),
      httpVersion: observed.httpVersion,
      cookies: cookiesOf(headers, 'set-cookie'),
      headers: headerList(headers),
      content: {
        size: response.bytes.length,
        mimeType: redactor.text(contentType(response.headers)),
        ...(observed.unrecorded === 'response' ? {} : utf8 ? { text } : { text: Buffer.from(text, 'latin1').toString('base64'), encoding: 'base64' }),
        ...(observed.wireBytes && observed.wireBytes.response < response.bytes.length ? { compression: response.bytes.length - observed.wireBytes.response } : {}),
      },
      redirectURL: location,
      headersSize: -1,
      bodySize: observed.wireBytes?.response ?? response.bytes.length,
    };
  }
  if (observed.error) entry._error = redactor.text(observed.error);
  if (observed.aborted) entry._aborted = true;
  if (observed.unrecorded) entry._unrecorded = observed.unrecorded;
  if (observed.comment) entry.comment = observed.comment;
  if (redactor.keepsJws) {
    const jwts = Object.fromEntries([...new Set(JSON.stringify(entry).match(PLACEHOLDERS) ?? [])]
      .flatMap((p) => { const jws = redactor.jws(p); return jws ? [[p, jws]] : []; }));
    if (Object.keys(jwts).length) entry._jwts = jwts;
  }
  return entry;
}

/** The HAR document of `entries`. */
export function harLog(entries: Entry[], comment?: string): Har {
  return { log: { version: '1.2', creator: { name: 'orange-identity proxy', version: VERSION }, ...(comment ? { comment } : {}), entries } };
}

/**
 * A HAR file written as the entries come, so that a long recording is not held in memory: the document is
 * complete once `close()` resolves. The file is created at once (an unwritable path fails before any traffic).
 */
export class HarFile {
  private readonly stream: WriteStream;
  private count = 0;
  private readonly opened: Promise<void>;

  constructor(readonly path: string, comment?: string) {
    this.stream = createWriteStream(path);
    this.opened = new Promise((resolve, reject) => {
      this.stream.once('open', () => resolve());
      this.stream.once('error', reject);
    });
    const head = JSON.stringify(harLog([], comment), null, 2);
    // Everything up to the empty entries array, which the entries then fill.
    this.stream.write(head.slice(0, head.indexOf('"entries": []') + '"entries": ['.length));
  }

  /** Resolves once the file is open; rejects when it cannot be written. */
  ready(): Promise<void> {
    return this.opened;
  }

  get entries(): number {
    return this.count;
  }

  add(entry: Entry): void {
    this.stream.write(`${this.count++ ? ',' : ''}\n      ${JSON.stringify(entry)}`);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(`${this.count ? '\n    ' : ''}]\n  }\n}\n`, () => resolve());
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Header fields of a HAR request or response; HTTP/2 pseudo-headers (`:authority`) are left out. */
function headersOf(value: unknown, where: string): HeaderList {
  if (!Array.isArray(value)) throw new HarError(`${where}.headers is not an array`);
  return new HeaderList(value.map((h: unknown, i) => {
    if (!isObject(h) || typeof h.name !== 'string' || typeof h.value !== 'string') throw new HarError(`${where}.headers[${i}] is not a {name, value} header`);
    return [h.name, h.value] as const;
  }).filter(([name]) => !name.startsWith(':')));
}

/** The entries of a HAR file, as the exchanges they record; HarError when the file is not a HAR. */
export function readHar(text: string): RecordedEntry[] {
  let har: unknown;
  try {
    har = JSON.parse(text);
  } catch (error) {
    throw new HarError(`not JSON: ${(error as Error).message}`);
  }
  const entries = isObject(har) && isObject(har.log) ? har.log.entries : undefined;
  if (!Array.isArray(entries)) throw new HarError('no log.entries array: not a HAR file');
  return entries.map((entry: unknown, i) => recordedEntry(entry, `log.entries[${i}]`));
}

/** One HAR entry (of this module or of another tool) as the exchange it records; HarError naming `where` when it is not one. */
export function recordedEntry(entry: unknown, where = 'entry'): RecordedEntry {
  if (!isObject(entry) || !isObject(entry.request) || !isObject(entry.response)) throw new HarError(`${where} has no request and response`);
  const { request, response } = entry;
  if (typeof request.method !== 'string' || typeof request.url !== 'string' || !URL.canParse(request.url)) throw new HarError(`${where}.request has no method and absolute url`);
  const startedAt = new Date(typeof entry.startedDateTime === 'string' ? entry.startedDateTime : Number.NaN);
  if (Number.isNaN(startedAt.getTime())) throw new HarError(`${where}.startedDateTime is not a date`);
  const postData = isObject(request.postData) ? request.postData : undefined;
  const wire: WireRequest = { method: request.method.toUpperCase(), url: request.url, headers: headersOf(request.headers, `${where}.request`), body: typeof postData?.text === 'string' ? postData.text : '' };
  const ms = typeof entry.time === 'number' ? Math.round(entry.time) : 0;
  const error = typeof entry._error === 'string' ? entry._error : typeof response._error === 'string' ? response._error : undefined;
  const status = response.status;
  let recorded: HttpResponse | undefined;
  if (typeof status === 'number' && status > 0) {
    const content = isObject(response.content) ? response.content : {};
    const body = typeof content.text === 'string' ? content.text : '';
    const bytes = content.encoding === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    recorded = { status, headers: headersOf(response.headers, `${where}.response`), bytes, text: bytes.toString('utf8') };
  }
  return {
    exchange: { request: wire, ...(recorded ? { response: recorded } : { error: error ?? 'no response recorded' }), ms },
    startedAt,
    jwts: isObject(entry._jwts) ? (entry._jwts as Record<string, RedactedJws>) : {},
    aborted: entry._aborted === true,
    ...(entry._unrecorded === 'request' || entry._unrecorded === 'response' ? { unrecorded: entry._unrecorded } : {}),
  };
}
