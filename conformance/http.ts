/**
 * The HTTP exchange model shared by the conformance suite, the fuzzer and the validating proxy, and the sender
 * they use. It keeps what `fetch` loses: the raw response header list (fetch joins repeated headers, so "this
 * header appears exactly once" cannot be checked on a `Headers`), the bytes of the body, and the request as it
 * went on the wire.
 *
 * Entry points:
 * - `HttpRequest`: a request to build (method, path, query, headers, and a JSON, form or raw body).
 * - `WireRequest`, `HttpResponse`, `Exchange`: what was sent and what came back; `HeaderList` holds raw headers.
 * - `createSender({ baseUrl, timeoutMs, signal })`: a keep-alive sender over node:http/node:https; `send(request)`
 *   resolves to an `Exchange` (rejects with `RequestError` when no response came: refused, reset, no complete
 *   response within `timeoutMs`, `signal` aborted), `close()` frees its sockets. A request that meets a connection
 *   the server closed while it sat idle in the pool (a reset on a reused socket) is sent once more, on a new one.
 * - `wireRequest(baseUrl, request)`: the wire form of an `HttpRequest`, without sending it. The request's path goes
 *   under the base URL's own path: `https://gw.example/prefix` serves `/prefix/openidconnect/...`.
 * - `onTarget(baseUrl)`: a wire request as the contract sees it, its URL's path without the base URL's prefix (for
 *   the checks, which match paths against the contract's operations).
 * - `probeTarget(url, timeoutMs)`: resolves once a TCP (and, for https, TLS) connection to the URL's host is up,
 *   without sending anything; rejects with why not.
 * - `parseMediaType(value)`: a Content-Type as its essence and parameters (node:util's WHATWG `MIMEType`).
 * - `decodeContent(bytes, contentEncoding)`: a body with its content codings (gzip, deflate, br) undone, as every
 *   check reads it (RFC 9110 section 8.4); the sender and the proxy use it, so no check ever sees coded bytes.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { MIMEType } from 'node:util';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

export interface HttpRequest {
  method: string;
  /** Path on the target, as in the contract (see `pathOf` in src/contract/operations.ts). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A JSON body (sent with `Content-Type: application/json` unless `headers` says otherwise). */
  json?: unknown;
  /** A form body (sent with `Content-Type: application/x-www-form-urlencoded`). */
  form?: Record<string, string>;
  /** A body sent as is, for deliberately malformed requests. */
  rawBody?: string;
}

/** Header fields in the order they came, repeats kept; names compare case-insensitively. */
export class HeaderList {
  readonly entries: readonly (readonly [string, string])[];

  constructor(entries: Iterable<readonly [string, string]> = []) {
    this.entries = [...entries].map(([k, v]) => [k, v] as const);
  }

  /** From node's `rawHeaders` (`[name, value, name, value, ...]`). */
  static fromRaw(raw: readonly string[]): HeaderList {
    const entries: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) entries.push([raw[i]!, raw[i + 1]!]);
    return new HeaderList(entries);
  }

  /** Every value of the field, one per occurrence. */
  all(name: string): string[] {
    const lower = name.toLowerCase();
    return this.entries.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
  }

  /** The field's values joined with `, ` (what `fetch`'s `Headers.get` gives), or null when absent. */
  get(name: string): string | null {
    const values = this.all(name);
    return values.length ? values.join(', ') : null;
  }

  has(name: string): boolean {
    return this.all(name).length > 0;
  }
}

/** A request as it went on the wire. */
export interface WireRequest {
  method: string;
  /** The absolute URL, query included. */
  url: string;
  headers: HeaderList;
  /** The body as sent ('' when none). */
  body: string;
}

export interface HttpResponse {
  status: number;
  headers: HeaderList;
  /** The body's bytes, content codings undone (see `contentCoding`), to check its charset. */
  bytes: Buffer;
  /** The body decoded as UTF-8. */
  text: string;
  /** The content codings the server applied and that were undone (`gzip`, `br, gzip`...), when there were any. */
  contentCoding?: string;
}

/** One request and its response. */
export interface Exchange {
  request: WireRequest;
  response: HttpResponse;
  ms: number;
}

/** No response: refused connection, reset, timeout, a body over the size limit. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(message: string, readonly request: WireRequest) {
    super(message);
  }
}

/** The pathname of a wire request. */
export const pathnameOf = (request: WireRequest): string => new URL(request.url).pathname;

/** The path prefix of a base URL (`/some/prefix`, or '' at the root), without a trailing slash. */
const basePath = (baseUrl: string) => new URL(baseUrl).pathname.replace(/\/+$/, '');

/** The absolute URL of `path` (a contract path, `/...`) under `baseUrl`, the base URL's path prefix kept. */
export function targetUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  return new URL(`${base.origin}${basePath(baseUrl)}${path.startsWith('/') ? path : `/${path}`}`);
}

/** A wire request with its URL's path made relative to `baseUrl`'s prefix, as the contract's paths are: the request
 *  as it is when it is not under the prefix. */
export function onTarget(baseUrl: string): (request: WireRequest) => WireRequest {
  const prefix = basePath(baseUrl);
  if (prefix === '') return (request) => request;
  return (request) => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(`${prefix}/`)) return request;
    url.pathname = url.pathname.slice(prefix.length);
    return { ...request, url: url.toString() };
  };
}

/** The wire form of `request` against `baseUrl`: absolute URL, body encoded, Content-Type and Content-Length set. */
export function wireRequest(baseUrl: string, request: HttpRequest): WireRequest {
  const url = targetUrl(baseUrl, request.path);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  const headers: [string, string][] = Object.entries(request.headers ?? {});
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
  let body = request.rawBody ?? '';
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    if (!has('content-type')) headers.push(['Content-Type', 'application/json']);
  } else if (request.form) {
    body = new URLSearchParams(request.form).toString();
    if (!has('content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  }
  if (body !== '' || request.method.toUpperCase() === 'POST') headers.push(['Content-Length', String(Buffer.byteLength(body))]);
  return { method: request.method.toUpperCase(), url: url.toString(), headers: new HeaderList(headers), body };
}

export interface SenderOptions {
  baseUrl: string;
  /** Per request, until the whole response is read (10 s by default). */
  timeoutMs?: number;
  /** Sockets kept per origin (16 by default). */
  maxSockets?: number;
  /** Responses larger than this are refused (8 MiB by default). */
  maxBodyBytes?: number;
  /** Aborts every request in flight and every later one (a stop request). */
  signal?: AbortSignal;
}

export interface Sender {
  send(request: HttpRequest): Promise<Exchange>;
  /** Sends a request already in wire form (a proxy forwards these). */
  sendWire(request: WireRequest): Promise<Exchange>;
  close(): void;
}

/** A reset of a connection the pool had kept: the server closed it while it sat idle (Node's own advice for
 *  `request.reusedSocket`), so the request never reached it and is sent again on a new connection. */
const resetWhileIdle = (outgoing: ClientRequest, error: NodeJS.ErrnoException) =>
  outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');

export function createSender(options: SenderOptions): Sender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };

  function attempt(request: WireRequest, url: URL, retried: boolean): Promise<Exchange> {
    const start = performance.now();
    const issue = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = options.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), options.signal]) : AbortSignal.timeout(timeoutMs);
    return new Promise<Exchange>((resolve, reject) => {
      let answered = false;
      const fail = (message: string) => reject(new RequestError(message, request));
      const outgoing = issue(url, {
        method: request.method,
        // The raw form keeps repeated fields; with it, node adds no Host of its own.
        headers: [...(request.headers.has('host') ? [] : ['Host', url.host]), ...request.headers.entries.flat()],
        agent: agents[url.protocol as 'http:' | 'https:'],
        signal,
      }, (incoming: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            incoming.destroy();
            fail(`the response body exceeds ${maxBody} bytes`);
          } else chunks.push(chunk);
        });
        incoming.once('error', (error) => fail(describe(error, timeoutMs, options.signal)));
        incoming.once('end', () => {
          const headers = HeaderList.fromRaw(incoming.rawHeaders);
          const decoded = decodeContent(Buffer.concat(chunks), headers.get('content-encoding'), maxBody);
          if (decoded.error) return fail(decoded.error);
          resolve({
            request,
            response: { status: incoming.statusCode ?? 0, headers, ...responseBody(decoded) },
            ms: Math.round(performance.now() - start),
          });
        });
      });
      outgoing.once('error', (error: NodeJS.ErrnoException) => {
        if (!answered && !retried && !signal.aborted && resetWhileIdle(outgoing, error)) resolve(attempt(request, url, true));
        else fail(describe(error, timeoutMs, options.signal));
      });
      outgoing.end(request.body === '' ? undefined : request.body);
    });
  }

  function sendWire(request: WireRequest): Promise<Exchange> {
    const url = new URL(request.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.reject(new RequestError(`unsupported protocol ${url.protocol}`, request));
    if (options.signal?.aborted) return Promise.reject(new RequestError(describe(new Error('aborted'), timeoutMs, options.signal), request));
    return attempt(request, url, false);
  }

  return {
    send: (request) => sendWire(wireRequest(options.baseUrl, request)),
    sendWire,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * Resolves once a connection to `url`'s host is up (TCP, then TLS for https), and closes it at once: nothing is
 * sent. Rejects with the reason (refused, unknown host, a certificate refused, nothing within `timeoutMs`).
 */
export function probeTarget(url: string, timeoutMs = 10_000): Promise<void> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = secure ? tlsConnect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host }) : tcpConnect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(error.code ? `${error.code}: ${error.message}` : error.message));
    });
  });
}

function describe(error: Error & { code?: string }, timeoutMs: number, stop?: AbortSignal): string {
  if (stop?.aborted) return 'not sent or not finished: the run was stopped';
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return `no complete response within ${timeoutMs} ms`;
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

export interface MediaType {
  /** `type/subtype`, lower case. */
  essence: string;
  /** Parameters, names lower case (`charset`). */
  params: Map<string, string>;
}

/** A Content-Type value as its essence and parameters, or undefined when it does not parse. */
export function parseMediaType(value: string | null | undefined): MediaType | undefined {
  if (!value) return undefined;
  try {
    const mime = new MIMEType(value);
    return { essence: mime.essence.toLowerCase(), params: new Map([...mime.params].map(([k, v]) => [k.toLowerCase(), v])) };
  } catch {
    return undefined;
  }
}

/** True for `application/json` and the `+json` media types. */
export const isJsonMediaType = (essence: string): boolean => essence === 'application/json' || essence.endsWith('+json');

/** The codings of a Content-Encoding value, in the order they were applied (`identity` left out). */
export const contentCodings = (contentEncoding: string | null | undefined): string[] =>
  (contentEncoding ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');

type Decoder = (bytes: Buffer, options: { maxOutputLength: number }) => Buffer;
const DECODERS: Record<string, Decoder> = {
  gzip: gunzipSync, 'x-gzip': gunzipSync, br: brotliDecompressSync,
  // RFC 9110 section 8.4.1.2: deflate is the zlib format; some servers send raw deflate, which decoders accept too.
  deflate: (bytes, options) => { try { return inflateSync(bytes, options); } catch { return inflateRawSync(bytes, options); } },
};

export interface DecodedContent {
  /** The content (the bytes as they came when they could not be decoded). */
  bytes: Buffer;
  /** The codings undone, as the Content-Encoding field named them (`gzip`, `br, gzip`), when there were any. */
  coding?: string;
  /** Why the content could not be decoded: an unknown coding, corrupt data, or more than `maxBytes` once decoded. */
  error?: string;
}

/**
 * `bytes` with the content codings of `contentEncoding` undone, last applied first (RFC 9110 section 8.4); an empty
 * body is taken as it is. A decoded body larger than `maxBytes` (8 MiB by default) is refused rather than inflated
 * (a compression bomb).
 */
export function decodeContent(bytes: Buffer, contentEncoding: string | null | undefined, maxBytes = 8 * 1024 * 1024): DecodedContent {
  const codings = contentCodings(contentEncoding);
  // No content (a 204, a 304, a redirect a gateway labelled anyway): nothing was coded, nothing to undo.
  if (codings.length === 0 || bytes.length === 0) return { bytes };
  const coding = codings.join(', ');
  let content = bytes;
  for (const name of [...codings].reverse()) {
    const decoder = DECODERS[name];
    if (!decoder) return { bytes, coding, error: `the body has an unknown content coding (Content-Encoding: ${contentEncoding})` };
    try {
      content = decoder(content, { maxOutputLength: maxBytes });
    } catch (error) {
      const over = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
      return { bytes, coding, error: over
        ? `the body exceeds ${maxBytes} bytes once decoded (Content-Encoding: ${contentEncoding})`
        : `the body could not be decoded (Content-Encoding: ${contentEncoding}): ${(error as Error).message}` };
    }
  }
  return { bytes: content, coding };
}

/** The body members of an `HttpResponse` from decoded content. */
export const responseBody = (decoded: DecodedContent): Pick<HttpResponse, 'bytes' | 'text' | 'contentCoding'> => ({
  bytes: decoded.bytes, text: decoded.bytes.toString('utf8'), ...(decoded.coding ? { contentCoding: decoded.coding } : {}),
});
