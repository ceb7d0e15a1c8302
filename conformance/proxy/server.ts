/**
 * The forwarding half of the validating proxy (node:http): every request goes to the upstream and its answer
 * back, unchanged and streamed both ways (status and reason phrase, header fields in order with their repeats,
 * body bytes), while a copy of each body, up to the body limit, is kept for the record. Only what HTTP says a
 * proxy must not forward is left out: the hop-by-hop fields (RFC 9110 section 7.6.1), and Host names the upstream.
 *
 * Nothing here judges or records: each exchange, once over, is handed on as a `Capture` (capture.ts) to
 * `onExchange`, in the order the exchanges end, and the forwarder goes on. Its cost per exchange is a few copies.
 *
 * Limits (`FORWARDER_LIMITS`, each an option), and what a client sees when one is reached:
 * - a client that has not sent its request's headers within `headersMs` (10 s, as the sandbox) gets a 408 and
 *   its connection is closed; one that has not sent its whole request within `requestMs` (30 s) too;
 * - a request body over `bodyBytes` (8 MiB) gets the proxy's 413, declared or streamed, and is not forwarded
 *   further (its connection is closed);
 * - an upstream silent for `idleMs` (30 s), or whose answer is not over within `answerMs` (120 s): a 504 from the
 *   proxy when the answer's head has not come, otherwise the answer is cut (the client's connection closed);
 * - an answer body over `bodyBytes`: cut the same way. A cut answer fails the exchange's `request` check, saying why.
 * A request that cannot be forwarded gets 502 (the upstream refused, reset, or is not there); a target that is no
 * path, 400. None of these stops the proxy.
 *
 * With `rewriteLocation`, the upstream's origin becomes the proxy's in `Location` headers and in the URLs of the
 * discovery documents (the contract's operations under `/.well-known/`, RFC 8615), so that a browser or a client
 * that follows them stays on the proxy; nothing else is ever rewritten, and what is captured is the upstream's
 * answer as it came.
 *
 * `hold()`, when given, is asked before each request is forwarded: a promise it returns makes the request wait
 * (the recorder applies back-pressure so, never dropping a record).
 *
 * Entry point: `startForwarder(options)` → `Forwarder` (`url`, `inFlight`, `timedOut`, `stop(graceMs)`).
 */
import { once } from 'node:events';
import { Agent as HttpAgent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { OPERATIONS, matchOperation } from '../../src/contract/operations.js';
import { HeaderList, decodeContent } from '../http.js';
import type { Capture } from './capture.js';

export interface ForwarderLimits {
  /** Time a client has to send a request's headers. */
  headersMs: number;
  /** Time a client has to send a whole request. */
  requestMs: number;
  /** Time the upstream may stay silent. */
  idleMs: number;
  /** Time the upstream's whole answer may take, head and body. */
  answerMs: number;
  /** Bytes of a request body, and of an answer body. */
  bodyBytes: number;
}

export const FORWARDER_LIMITS: Readonly<ForwarderLimits> = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000, answerMs: 120_000, bodyBytes: 8 * 1024 * 1024 };

export interface ForwarderOptions {
  /** The upstream's origin (`https://api.orange.com`). */
  upstream: string;
  port?: number;
  host?: string;
  rewriteLocation?: boolean;
  limits?: Partial<ForwarderLimits>;
  /** Asked before a request is forwarded; a promise makes it wait. */
  hold?(): Promise<void> | undefined;
  onExchange(capture: Capture): void;
}

export interface Forwarder {
  url: string;
  /** Exchanges begun and not over yet. */
  readonly inFlight: number;
  /** Connections closed because their request did not come in time (slow headers or body). */
  readonly timedOut: number;
  /** Stops accepting connections and lets the exchanges in flight finish for `graceMs` at most (then they are
   *  cut, and captured as stopped); frees every socket. */
  stop(graceMs?: number): Promise<void>;
}

/** Hop-by-hop header fields (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** The end-to-end fields of a raw header list (`[name, value...]`): hop-by-hop ones and those Connection names
 *  left out, and `host` too when `dropHost`. */
function endToEnd(raw: readonly string[], dropHost: boolean): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      named ??= new Set();
      for (const token of raw[i + 1]!.split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || (dropHost && lower === 'host')) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** The bytes of a body, kept up to a limit. */
class BodyCopy {
  private readonly chunks: Buffer[] = [];
  size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.max) return false;
    this.chunks.push(chunk);
    return true;
  }
  /** The bytes as a latin1 string: passed to the recorder as they are, whatever they are. */
  latin1(): string {
    if (this.chunks.length === 0) return '';
    return (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)).toString('latin1');
  }
}

const DISCOVERY = OPERATIONS.filter((o) => o.path.includes('/.well-known/')).map((o) => o.operationId);
const isDiscovery = (method: string, pathname: string) => {
  const match = matchOperation(method, pathname);
  return match.kind === 'operation' && (DISCOVERY as readonly string[]).includes(match.operation.operationId);
};

/** Rewrites URLs of the `from` origin to the `to` origin. */
function originRewriter(from: string, to: string) {
  const url = (value: string): string => {
    if (!URL.canParse(value)) return value;
    const u = new URL(value);
    return u.origin === from ? `${to}${u.pathname}${u.search}${u.hash}` : value;
  };
  const json = (value: unknown): unknown => {
    if (typeof value === 'string') return url(value);
    if (Array.isArray(value)) return value.map(json);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, json(v)]));
    return value;
  };
  return { url, json };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const plain = (status: number, text: string) => [status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), Connection: 'close' }] as const;

/** The proxy's own answer, the connection closed after it. */
function answer(res: ServerResponse, status: number, text: string): void {
  const body = `orange-identity proxy: ${text}\n`;
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(...plain(status, body)).end(body);
}

/** A discovery document, rewritten whole: read, its URLs rewritten, sent with its new length. */
function sendRewritten(incoming: IncomingMessage, res: ServerResponse, out: string[], rewrite: ReturnType<typeof originRewriter>, maxBytes: number): void {
  const whole: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => whole.push(chunk));
  incoming.once('end', () => {
    const sent = Buffer.concat(whole);
    let body: Buffer | undefined;
    try {
      const decoded = decodeContent(sent, HeaderList.fromRaw(incoming.rawHeaders).get('content-encoding'), maxBytes);
      if (!decoded.error) body = Buffer.from(JSON.stringify(rewrite.json(JSON.parse(decoded.bytes.toString('utf8')))));
    } catch { /* not JSON: sent as it came */ }
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!body || !['content-length', 'content-encoding'].includes(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    if (body) kept.push('Content-Length', String(body.length));
    res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, kept);
    res.end(body ?? sent);
  });
}

interface ExchangeState {
  capture: Omit<Capture, 'seq'>;
  t0: number;
  tSent?: number;
  tHead?: number;
  request: BodyCopy;
  response: BodyCopy;
  done: boolean;
}

export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const upstream = new URL(options.upstream);
  const limits = { ...FORWARDER_LIMITS, ...options.limits };
  const agent = upstream.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const issue = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const target = { protocol: upstream.protocol, hostname: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port || undefined, agent };
  let listening = '';
  let inFlight = 0;
  let timedOut = 0;
  let seq = 0;
  let idle: (() => void) | undefined;
  let stopping = false;

  /** Hands the exchange on, once. */
  function finish(state: ExchangeState, outcome: { error?: string; aborted?: string; refused?: string; comment?: string }): void {
    if (state.done) return;
    state.done = true;
    const end = performance.now();
    const sent = state.tSent ?? end;
    const head = state.tHead ?? end;
    const capture: Capture = {
      ...state.capture, seq: ++seq,
      requestBody: state.request.latin1(), requestBytes: state.request.size,
      ...(state.capture.status !== undefined ? { responseBody: state.response.latin1() } : {}), responseBytes: state.response.size,
      timings: { send: round(sent - state.t0), wait: round(Math.max(0, head - sent)), receive: round(Math.max(0, end - head)) },
      ...outcome,
    };
    inFlight--;
    try {
      options.onExchange(capture);
    } finally {
      if (inFlight === 0) idle?.();
    }
  }

  /** The upstream's answer: its head forwarded, its body streamed (copied up to the limit), cut past a limit. */
  function relay(state: ExchangeState, req: IncomingMessage, res: ServerResponse, incoming: IncomingMessage, cut: (why: string) => void): void {
    state.tHead = performance.now();
    Object.assign(state.capture, { status: incoming.statusCode ?? 0, statusText: incoming.statusMessage ?? '', responseHeaders: incoming.rawHeaders, httpVersion: `HTTP/${incoming.httpVersion}` });
    const proxyOrigin = /^[A-Za-z0-9.\-[\]:]+$/.test(req.headers.host ?? '') ? `http://${req.headers.host}` : listening;
    const rewrite = options.rewriteLocation ? originRewriter(upstream.origin, proxyOrigin) : undefined;
    const out = endToEnd(incoming.rawHeaders, false);
    if (rewrite) for (let i = 0; i < out.length; i += 2) if (out[i]!.toLowerCase() === 'location') out[i + 1] = rewrite.url(out[i + 1]!);
    incoming.on('data', (chunk: Buffer) => {
      if (!state.response.push(chunk)) cut(`the answer's body went past ${limits.bodyBytes} bytes (the body limit)`);
    });
    incoming.once('error', () => undefined);
    incoming.once('close', () => {
      if (incoming.complete || state.done) return;
      res.destroy();
      finish(state, { error: 'the upstream answer broke off before its end' });
    });
    if (rewrite && isDiscovery(state.capture.method, new URL(state.capture.url).pathname)) sendRewritten(incoming, res, out, rewrite, limits.bodyBytes);
    else {
      res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, out);
      incoming.pipe(res);
    }
    res.once('finish', () => finish(state, rewrite ? { comment: `Location and discovery URLs of ${upstream.origin} rewritten to ${proxyOrigin} for the client; recorded as the upstream sent them` } : {}));
  }

  /** Forwards one request; its exchange ends in `finish`. */
  function forward(req: IncomingMessage, res: ServerResponse, path: string): void {
    const headers = endToEnd(req.rawHeaders, true);
    headers.unshift('Host', upstream.host);
    const state: ExchangeState = {
      capture: { method: req.method ?? 'GET', url: `${upstream.origin}${path}`, requestHeaders: headers, requestBody: '', requestBytes: 0, responseBytes: 0, httpVersion: `HTTP/${req.httpVersion}`, startedAt: Date.now(), timings: { send: 0, wait: 0, receive: 0 } },
      t0: performance.now(), request: new BodyCopy(limits.bodyBytes), response: new BodyCopy(limits.bodyBytes), done: false,
    };
    const outgoing: ClientRequest = issue({ ...target, method: req.method, path, headers });
    const started = state.t0;
    const fail = (error: string, status: number) => {
      outgoing.destroy();
      if (res.headersSent) res.destroy();
      else answer(res, status, error);
      finish(state, { error });
    };
    const cut = (why: string) => fail(`cut by the proxy: ${why}`, 504);
    outgoing.setTimeout(limits.idleMs, () => fail(`no answer from ${upstream.origin} for ${limits.idleMs} ms (the idle limit)`, 504));
    const total = setTimeout(() => fail(`the answer of ${upstream.origin} was not over within ${limits.answerMs} ms (the answer time limit)`, 504), Math.max(0, limits.answerMs - (performance.now() - started)));
    res.once('close', () => clearTimeout(total));
    outgoing.once('finish', () => { state.tSent = performance.now(); });
    req.on('data', (chunk: Buffer) => {
      if (state.request.push(chunk) || state.done) return;
      req.unpipe(outgoing);
      req.resume();
      outgoing.destroy();
      answer(res, 413, `the request body goes past ${limits.bodyBytes} bytes (the body limit): not forwarded`);
      finish(state, { refused: `the request body went past ${limits.bodyBytes} bytes (the body limit): the proxy answered 413` });
    });
    req.pipe(outgoing);
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (state.done) return;
      if (res.destroyed) return finish(state, { aborted: 'the client went away before the exchange ended' });
      const message = `cannot forward to ${upstream.origin}: ${error.code ? `${error.code} ` : ''}${error.message}`;
      fail(res.headersSent ? `the upstream answer broke off: ${message}` : message, 502);
    });
    outgoing.once('response', (incoming: IncomingMessage) => relay(state, req, res, incoming, cut));
    res.once('close', () => {
      if (res.writableFinished || state.done) return;
      outgoing.destroy();
      finish(state, { aborted: stopping ? 'the proxy stopped before the exchange ended' : 'the client went away before the exchange ended' });
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const asked = req.url ?? '/';
    let path: string | undefined;
    if (asked.startsWith('/')) path = asked;
    else if (URL.canParse(asked)) {
      const url = new URL(asked);
      path = `${url.pathname}${url.search}`;
    }
    if (path === undefined) {
      req.resume();
      return answer(res, 400, `${asked} is not a request target it can forward (a path, or an absolute URL)`);
    }
    const declared = Number(req.headers['content-length']);
    if (declared > limits.bodyBytes) {
      req.resume();
      return answer(res, 413, `the request body goes past ${limits.bodyBytes} bytes (the body limit): not forwarded`);
    }
    inFlight++;
    const wait = options.hold?.();
    if (!wait) return forward(req, res, path);
    req.pause();
    void wait.then(() => {
      if (res.destroyed) {
        inFlight--;
        if (inFlight === 0) idle?.();
      } else forward(req, res, path);
    });
  }

  const server = createServer({
    headersTimeout: limits.headersMs,
    requestTimeout: limits.requestMs,
    // How often node checks those limits (30 s by default): a tenth of the headers limit, at most a second.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersMs / 10))),
    keepAliveTimeout: 65_000,
  }, handle);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timeout) timedOut++;
    const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !answering?.headersSent && error.code !== 'ECONNRESET') {
      socket.write(`HTTP/1.1 ${timeout ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw error; })]);
  const address = server.address() as AddressInfo;
  listening = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: listening,
    get inFlight() {
      return inFlight;
    },
    get timedOut() {
      return timedOut;
    },
    async stop(graceMs = 1000) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = new Promise<void>((resolve) => { idle = resolve; });
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      // The exchanges cut by closing their connections end on their sockets' close events.
      if (inFlight > 0) await drained;
      await closed;
      agent.destroy();
    },
  };
}
