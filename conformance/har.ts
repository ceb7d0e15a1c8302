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
 * The file is written entry by entry (`HarWriter`): its head on one line, then one entry per line, so that a
 * crash, a SIGKILL or a full disk leaves every entry written before it readable; it is a complete HAR document
 * once closed. Every write is checked, and what the file holds is counted from the writes that completed.
 * Reading (`HarReader`, `readHar`, `readHarFile`) streams the document (@streamparser/json), so that memory does
 * not grow with the file, and says where a cut file was cut. A body some tool recorded still coded (its
 * Content-Encoding applied, base64 or not) is decoded, and the coding named.
 *
 * Custom members (HAR 1.2 allows `_`-prefixed ones):
 * - `entry._jwts`: for each placeholder of the entry that stood for a JWT, its decoded header and claims
 *   (redacted as values) and whether it was signed: the checks of an id_token or an assertion read them offline.
 * - `entry._error`: why no (complete) response came (`response.status` is then 0, as browsers record it);
 *   `entry._aborted`: why the exchange did not end (the client went away, the proxy stopped); `entry._refused`:
 *   why the proxy answered itself (a request body past its limit: 413).
 *
 * Entry points: `harEntry(observed, redactor)` (and `harEntryJson`), `harLog(entries, comment)`, `HarWriter`,
 * `HarWriteError`, `HarReader`, `readHar(text)` and `readHarFile(path, onEntry)` → the entries (`RecordedEntry`,
 * also of other tools' HARs: browsers' devtools) and the cut (`HarCut`, `cutText`), `recordedEntry(entry)`,
 * `HarError`.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TokenParser, TokenType, Tokenizer } from '@streamparser/json';
import type { Cookie, Entry, Har, Header } from 'har-format';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { HeaderList, contentCodings, decodeContent, parseMediaType, responseBody, type HttpResponse, type WireRequest } from './http.js';
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
  /** Why no (complete) response came. */
  error?: string;
  /** Why the exchange did not end (the client went away, the proxy stopped). */
  aborted?: string;
  /** Why the proxy answered itself instead of forwarding (a request over the body limit). */
  refused?: string;
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
  /** Why the exchange did not end. */
  aborted?: string;
  /** Why the proxy answered itself. */
  refused?: string;
  /** The response body is still coded and does not decode as its Content-Encoding says. */
  decodeError?: string;
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
  return harEntryJson(observed, redactor).entry;
}

/** `harEntry`, and the entry as JSON (serialized once: the recording writes that text). */
export function harEntryJson(observed: ObservedExchange, redactor: Redactor): { entry: Entry; json: string } {
  const { request, response } = observed;
  const url = new URL(redactor.url(request.url));
  const requestHeaders = redactor.headers(request.headers);
  const requestBody = redactedBody(request.body, contentType(request.headers), redactor);
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
    const text = redactedBody(utf8 ? response.text : response.bytes.toString('latin1'), contentType(response.headers), redactor);
    entry.response = {
      status: response.status,
      statusText: redactor.text(observed.statusText ?? ''),
      httpVersion: observed.httpVersion,
      cookies: cookiesOf(headers, 'set-cookie'),
      headers: headerList(headers),
      content: {
        size: response.bytes.length,
        mimeType: redactor.text(contentType(response.headers)),
        ...(utf8 ? { text } : { text: Buffer.from(text, 'latin1').toString('base64'), encoding: 'base64' }),
        ...(observed.wireBytes && observed.wireBytes.response < response.bytes.length ? { compression: response.bytes.length - observed.wireBytes.response } : {}),
      },
      redirectURL: location,
      headersSize: -1,
      bodySize: observed.wireBytes?.response ?? response.bytes.length,
    };
  }
  if (observed.error) entry._error = redactor.text(observed.error);
  if (observed.aborted) entry._aborted = observed.aborted;
  if (observed.refused) entry._refused = observed.refused;
  if (observed.comment) entry.comment = observed.comment;
  const json = JSON.stringify(entry);
  if (!redactor.keepsJws) return { entry, json };
  const jwts = Object.fromEntries([...new Set(json.match(PLACEHOLDERS) ?? [])]
    .flatMap((p) => { const jws = redactor.jws(p); return jws ? [[p, jws]] : []; }));
  if (!Object.keys(jwts).length) return { entry, json };
  entry._jwts = jwts;
  return { entry, json: `${json.slice(0, -1)},"_jwts":${JSON.stringify(jwts)}}` };
}

/** The HAR document of `entries`. */
export function harLog(entries: Entry[], comment?: string): Har {
  return { log: { version: '1.2', creator: { name: 'orange-identity proxy', version: VERSION }, ...(comment ? { comment } : {}), entries } };
}

/** A HAR file that cannot be written: opening it, or a write (ENOSPC, EIO, EFBIG...). */
export class HarWriteError extends Error {
  override readonly name = 'HarWriteError';
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

const describeError = (error: NodeJS.ErrnoException) => (error.code ? `${error.code} (${error.message.replace(/^\w+: /, '').replace(/,.*$/, '')})` : error.message);

/** What a HAR file holds for sure: the entries and bytes whose writes completed. */
export interface HarWritten {
  entries: number;
  bytes: number;
}

/**
 * A HAR file written entry by entry as the exchanges end, so that neither a long recording is held in memory nor
 * a crash (SIGKILL) loses what was written: the document's head is one line, each entry one line after it, and
 * the document is complete (valid HAR 1.2) once `close()` resolves; a file cut anywhere keeps every entry written
 * before the cut readable (`readHar`, `readHarFile`). Every write is checked: `written` counts only what the
 * operating system took, and the first failure (`failure`, also given to `onFailure` when it happens) stops the
 * recording; entries added after it are counted in `lost`, never claimed.
 *
 * `HarWriter.create(path, comment)` opens (and truncates) the file; it rejects with a HarWriteError when the file
 * cannot be opened (EACCES, ENOENT...).
 */
export class HarWriter {
  private readonly queue: { text: string; entries: number }[] = [];
  private queued = 0;
  private writing: Promise<void> | undefined;
  private added = 0;
  readonly written: HarWritten = { entries: 0, bytes: 0 };
  failure: HarWriteError | undefined;
  /** Entries added after a failure, or whose write failed: not in the file. */
  lost = 0;
  onFailure: ((error: HarWriteError) => void) | undefined;

  private constructor(private readonly handle: FileHandle, readonly path: string, head: string) {
    this.push(head, 0);
  }

  static async create(file: string, comment?: string): Promise<HarWriter> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'w');
    } catch (error) {
      throw new HarWriteError(`cannot write ${file}: ${describeError(error as NodeJS.ErrnoException)}`, (error as NodeJS.ErrnoException).code);
    }
    const head = JSON.stringify(harLog([], comment));
    // Everything up to the empty entries array, which the entries then fill, one line each.
    return new HarWriter(handle, file, head.slice(0, head.indexOf('"entries":[]') + '"entries":['.length));
  }

  /** Bytes added and not written yet. */
  get backlog(): number {
    return this.queued;
  }

  /** Entries added (written, waiting, or lost). */
  get entries(): number {
    return this.added;
  }

  /** Adds an entry (or its JSON text, on one line). */
  add(entry: Entry | string): void {
    this.added++;
    if (this.failure) {
      this.lost++;
      return;
    }
    this.push(`${this.added > 1 ? ',' : ''}\n${typeof entry === 'string' ? entry : JSON.stringify(entry)}`, 1);
  }

  /** Resolves once everything added so far is written (or the writing failed). */
  async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes what is left and the document's end, and closes the file; resolves to what the file holds. */
  async close(): Promise<HarWritten> {
    await this.drained();
    if (!this.failure) {
      this.push(`${this.added ? '\n' : ''}]}}\n`, 0);
      await this.drained();
    }
    await this.handle.close().catch((error: NodeJS.ErrnoException) => {
      this.fail(error);
      this.onFailure?.(this.failure!);
    });
    return this.written;
  }

  private push(text: string, entries: number): void {
    this.queue.push({ text, entries });
    this.queued += text.length;
    this.writing ??= this.flush().finally(() => { this.writing = undefined; });
  }

  /** Writes the queue, in chunks, until it is empty; each entry counts once all of its bytes are written. */
  private async flush(): Promise<void> {
    while (this.queue.length && !this.failure) {
      const parts = this.queue.splice(0, this.queue.length);
      // One copy into bytes for the lot; each part's length in bytes, to count those written whole.
      const chunk = Buffer.from(parts.length === 1 ? parts[0]!.text : parts.map((p) => p.text).join(''));
      this.queued -= parts.reduce((n, p) => n + p.text.length, 0);
      let offset = 0;
      const failed = this.failure;
      try {
        while (offset < chunk.length) {
          const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
          if (bytesWritten === 0) throw Object.assign(new Error('EIO: the file took no byte'), { code: 'EIO' });
          offset += bytesWritten;
        }
      } catch (error) {
        this.fail(error as NodeJS.ErrnoException);
      }
      // Count the parts the written bytes hold whole.
      let end = 0;
      for (const [i, part] of parts.entries()) {
        end += Buffer.byteLength(part.text);
        if (end > offset) {
          this.lost += parts.slice(i).reduce((n, p) => n + p.entries, 0);
          break;
        }
        this.written.entries += part.entries;
      }
      this.written.bytes += offset;
      if (this.failure && !failed) this.onFailure?.(this.failure);
    }
    if (this.failure) {
      this.lost += this.queue.reduce((n, p) => n + p.entries, 0);
      this.queue.length = 0;
      this.queued = 0;
    }
  }

  private fail(error: NodeJS.ErrnoException): void {
    if (this.failure) return;
    this.failure = new HarWriteError(`cannot write ${this.path}: ${describeError(error)}`, error.code);
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

/** Where a HAR file that was cut (or damaged) stops being readable. */
export interface HarCut {
  /** Complete entries read before it. */
  entries: number;
  /** The byte offset just after the last complete entry (the head's end when there is none). */
  endsAt: number;
  /** Bytes in the file. */
  size: number;
  /** What was found there: the end of the file inside an entry, or what is not JSON. */
  why: string;
}

/** A HAR read: how many entries it holds, and where it was cut when it was. */
export interface HarRead {
  entries: number;
  cut?: HarCut;
}

/**
 * A HAR document read as it streams (@streamparser/json), entry by entry, so that memory does not grow with the
 * file and a file cut anywhere (a crash, SIGKILL, a full disk) still gives every entry written before the cut,
 * with where the cut is. `write(bytes)` as they come, `end()` → `HarRead`. Throws HarError when the file is no
 * HAR (not JSON, or no `log.entries` array) or an entry is none, naming where.
 */
export class HarReader {
  private readonly tokenizer = new Tokenizer();
  private readonly parser = new TokenParser({ paths: ['$.log.entries.*'], keepStack: false });
  private depth = 0;
  /** The last three tokens at depth 2 (inside `log`), to see `"entries": [` open. */
  private near: unknown[] = [];
  private opened = false;
  private count = 0;
  private lastEnd = 0;
  private offset = 0;
  private size = 0;
  private broken: string | undefined;
  private readonly parsed: [unknown, number][] = [];

  constructor(private readonly onEntry: (entry: RecordedEntry, index: number) => void) {
    this.tokenizer.onToken = (info) => {
      this.offset = info.offset;
      this.follow(info.token, info.value);
      this.parser.write(info);
    };
    // Entries are handed on after the parser returns: it would take an error thrown here for a JSON one.
    this.parser.onValue = ({ value }) => { this.parsed.push([value, this.offset + 1]); };
    const stop = (error: Error) => { this.broken ??= error.message; };
    this.tokenizer.onError = stop;
    this.parser.onError = stop;
  }

  private follow(token: number, value: unknown): void {
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) this.depth++;
    if (this.depth === 3 && token === TokenType.LEFT_BRACKET && !this.opened) {
      const [key, colon] = this.near.slice(-2);
      if (key === 'entries' && colon === TokenType.COLON) {
        this.opened = true;
        this.lastEnd = this.offset + 1;
      }
    }
    if (this.depth === 2) this.near = [...this.near.slice(-2), token === TokenType.STRING ? value : token];
    if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) this.depth--;
  }

  write(bytes: Uint8Array): void {
    this.size += bytes.length;
    if (this.broken === undefined) this.tokenizer.write(bytes);
    this.handOn();
  }

  private handOn(): void {
    for (const [value, end] of this.parsed.splice(0)) {
      this.onEntry(recordedEntry(value, `log.entries[${this.count}]`), this.count);
      this.count++;
      this.lastEnd = end;
    }
  }

  end(): HarRead {
    const complete = this.broken === undefined && this.parser.isEnded;
    if (complete && !this.opened) throw new HarError('no log.entries array: not a HAR file');
    if (complete) return { entries: this.count };
    if (!this.opened) throw new HarError(this.broken ? `not JSON: ${this.broken}` : this.size ? 'cut before its entries: not a HAR file (or one cut at its start)' : 'empty: not a HAR file');
    const why = this.broken ? `not JSON from there: ${this.broken}` : 'the file ends inside an entry';
    return { entries: this.count, cut: { entries: this.count, endsAt: this.lastEnd, size: this.size, why } };
  }
}

/** The entries of a HAR text (see `HarReader`). */
export function readHar(text: string): { entries: RecordedEntry[]; cut?: HarCut } {
  const entries: RecordedEntry[] = [];
  const reader = new HarReader((entry) => entries.push(entry));
  reader.write(Buffer.from(text));
  const { cut } = reader.end();
  return { entries, ...(cut ? { cut } : {}) };
}

/** Reads a HAR file as it streams, calling `onEntry` for each entry in turn (see `HarReader`). */
export async function readHarFile(file: string, onEntry: (entry: RecordedEntry, index: number) => void | Promise<void>): Promise<HarRead> {
  const pending: RecordedEntry[] = [];
  const reader = new HarReader((entry) => pending.push(entry));
  let index = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    reader.write(chunk as Buffer);
    for (const entry of pending.splice(0)) await onEntry(entry, index++);
  }
  const read = reader.end();
  for (const entry of pending.splice(0)) await onEntry(entry, index++);
  return read;
}

/** Says where a HAR was cut, for a person. */
export const cutText = (cut: HarCut): string =>
  `cut after ${cut.entries} entr${cut.entries === 1 ? 'y' : 'ies'}: they end at byte ${cut.endsAt} of ${cut.size}; ${cut.why}`;

/**
 * A recorded body whose content codings may still be applied. HAR 1.2 says `content.text` is the decoded body
 * (browsers and this proxy record it so, keeping the Content-Encoding field), but some tools record the bytes
 * as they came: a body that decodes as its Content-Encoding says is taken decoded (`coding` names what was
 * undone); one that does not is taken as it is when it is UTF-8 text (already decoded), and is a decoding
 * failure otherwise.
 */
function stillCoded(bytes: Buffer, contentEncoding: string | null): { bytes: Buffer; coding?: string; error?: string } {
  if (!contentCodings(contentEncoding).length || bytes.length === 0) return { bytes };
  const decoded = decodeContent(bytes, contentEncoding);
  if (!decoded.error) return decoded;
  return isUtf8(bytes) ? { bytes } : { bytes, error: decoded.error };
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
  let decodeError: string | undefined;
  if (typeof status === 'number' && status > 0) {
    const content = isObject(response.content) ? response.content : {};
    const headers = headersOf(response.headers, `${where}.response`);
    const body = content.encoding === 'base64' ? Buffer.from(typeof content.text === 'string' ? content.text : '', 'base64') : Buffer.from(typeof content.text === 'string' ? content.text : '', 'utf8');
    const decoded = stillCoded(body, headers.get('content-encoding'));
    decodeError = decoded.error;
    recorded = { status, headers, ...responseBody(decoded) };
  }
  const why = (value: unknown, fallback: string) => (typeof value === 'string' ? value : value === true ? fallback : undefined);
  const aborted = why(entry._aborted, 'the client went away before the exchange ended');
  const refused = why(entry._refused, 'the proxy answered itself');
  return {
    exchange: { request: wire, ...(recorded ? { response: recorded } : { error: error ?? 'no response recorded' }), ms },
    startedAt,
    jwts: isObject(entry._jwts) ? (entry._jwts as Record<string, RedactedJws>) : {},
    ...(aborted ? { aborted } : {}),
    ...(refused ? { refused } : {}),
    ...(decodeError ? { decodeError } : {}),
  };
}
