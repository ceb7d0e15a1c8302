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
import { FORWARDER_LIMITS, type ForwarderLimits } from './limits.js';

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

/** The proxy's own answer, the connection closed after it. */
function answer(res: ServerResponse, status: number, text: string): void {
  const body = `orange-identity proxy: ${text}\n`;
  if (res.headersSent || res.destroyed) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
}

type Outcome = { error?: string; aborted?: string; refused?: string; comment?: string };

/** What every exchange of one forwarder shares. */
interface Context {
  upstream: URL;
  limits: ForwarderLimits;
  issue: typeof httpRequest;
  target: { protocol: string; hostname: string; port: string | undefined; agent: HttpAgent | HttpsAgent };
  rewriteLocation: boolean;
  listening: string;
  stopping: boolean;
  /** The exchanges forwarded and not over, whose time limits one sweep checks. */
  open: OpenList;
  /** Hands a capture on. */
  over(capture: Omit<Capture, 'seq'>): void;
}

const bytes = (chunks: Buffer[]) => (chunks.length === 0 ? '' : (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('latin1'));

/**
 * The exchanges in flight, as a list linked through them: adding and removing cost nothing to the garbage
 * collector (a Set of them, in old space, with an entry added and removed per exchange, made every young
 * generation collection several times longer).
 */
class OpenList {
  first: Forwarded | undefined;

  add(f: Forwarded): void {
    f.next = this.first;
    if (this.first) this.first.previous = f;
    this.first = f;
  }

  delete(f: Forwarded): void {
    if (f.previous) f.previous.next = f.next;
    else if (this.first === f) this.first = f.next;
    if (f.next) f.next.previous = f.previous;
    f.next = f.previous = undefined;
  }
}

/**
 * One forwarded exchange: the request streamed to the upstream, its answer streamed back, both bodies copied up
 * to the limit, every step timed. Listeners are its methods, bound once (no closures per request on the
 * forwarding path).
 */
class Forwarded {
  private readonly capture: Omit<Capture, 'seq'>;
  readonly t0 = performance.now();
  /** When bytes last moved, for the idle limit. */
  active = this.t0;
  /** Its neighbours in the list of exchanges in flight. */
  next: Forwarded | undefined;
  previous: Forwarded | undefined;
  private tSent: number | undefined;
  private tHead: number | undefined;
  private readonly requestChunks: Buffer[] = [];
  private requestSize = 0;
  private readonly responseChunks: Buffer[] = [];
  private responseSize = 0;
  private readonly outgoing: ClientRequest;
  private incoming: IncomingMessage | undefined;
  /** The discovery document's rewriter, when it is to be rewritten whole. */
  private rewriter: ReturnType<typeof originRewriter> | undefined;
  private rewritten: string[] | undefined;
  private comment: string | undefined;
  private done = false;

  constructor(private readonly ctx: Context, private readonly req: IncomingMessage, private readonly res: ServerResponse, path: string, headers: string[]) {
    this.capture = {
      method: req.method ?? 'GET', url: `${ctx.upstream.origin}${path}`, requestHeaders: headers, requestBody: '', requestBytes: 0, responseBytes: 0,
      httpVersion: `HTTP/${req.httpVersion}`, startedAt: Date.now(), timings: { send: 0, wait: 0, receive: 0 },
    };
    this.outgoing = ctx.issue({ ...ctx.target, method: this.capture.method, path, headers });
    this.outgoing.on('error', this.upstreamError.bind(this));
    this.outgoing.once('response', this.response.bind(this));
    this.outgoing.once('finish', this.sent.bind(this));
    this.outgoing.on('drain', () => req.resume());
    req.on('data', this.requestData.bind(this));
    req.once('end', () => this.outgoing.end());
    // A request held back (hold()) was paused: it flows from now on.
    req.resume();
    res.once('close', this.closed.bind(this));
    ctx.open.add(this);
  }

  private sent(): void {
    this.tSent = this.active = performance.now();
  }

  private requestData(chunk: Buffer): void {
    this.active = performance.now();
    this.requestSize += chunk.length;
    if (this.requestSize > this.ctx.limits.bodyBytes) return this.refuse();
    this.requestChunks.push(chunk);
    if (!this.outgoing.write(chunk)) this.req.pause();
  }

  /** A streamed request body past the limit: the proxy's 413, nothing more forwarded. */
  private refuse(): void {
    if (this.done) return;
    this.req.removeAllListeners('data');
    this.req.resume();
    this.outgoing.destroy();
    answer(this.res, 413, `the request body goes past ${this.ctx.limits.bodyBytes} bytes (the body limit): not forwarded`);
    this.finish({ refused: `the request body went past ${this.ctx.limits.bodyBytes} bytes (the body limit): the proxy answered 413` });
  }

  private upstreamError(error: NodeJS.ErrnoException): void {
    if (this.done) return;
    if (this.res.destroyed) return this.finish({ aborted: 'the client went away before the exchange ended' });
    const message = `cannot forward to ${this.ctx.upstream.origin}: ${error.code ? `${error.code} ` : ''}${error.message}`;
    this.fail(this.res.headersSent ? `the upstream answer broke off: ${message}` : message, 502);
  }

  /** No (complete) answer: the proxy's own one when nothing was sent yet, a cut connection otherwise. */
  private fail(error: string, status: number): void {
    this.outgoing.destroy();
    if (this.res.headersSent) this.res.destroy();
    else answer(this.res, status, error);
    this.finish({ error });
  }

  /** A time limit was reached (the sweep says so): 504 before the answer's head, a cut after. */
  limit(why: string): void {
    this.fail(this.res.headersSent ? `cut by the proxy: ${why}` : why, 504);
  }

  private response(incoming: IncomingMessage): void {
    this.incoming = incoming;
    this.tHead = this.active = performance.now();
    Object.assign(this.capture, { status: incoming.statusCode ?? 0, statusText: incoming.statusMessage ?? '', responseHeaders: incoming.rawHeaders, httpVersion: `HTTP/${incoming.httpVersion}` });
    const out = endToEnd(incoming.rawHeaders, false);
    if (this.ctx.rewriteLocation) {
      const host = this.req.headers.host ?? '';
      const origin = /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `http://${host}` : this.ctx.listening;
      const rewrite = originRewriter(this.ctx.upstream.origin, origin);
      for (let i = 0; i < out.length; i += 2) if (out[i]!.toLowerCase() === 'location') out[i + 1] = rewrite.url(out[i + 1]!);
      this.comment = `Location and discovery URLs of ${this.ctx.upstream.origin} rewritten to ${origin} for the client; recorded as the upstream sent them`;
      if (isDiscovery(this.capture.method, new URL(this.capture.url).pathname)) [this.rewriter, this.rewritten] = [rewrite, out];
    }
    incoming.on('data', this.responseData.bind(this));
    incoming.once('end', this.responseEnd.bind(this));
    incoming.once('error', () => undefined);
    incoming.once('close', this.responseClosed.bind(this));
    this.res.once('finish', () => this.finish(this.comment ? { comment: this.comment } : {}));
    if (this.rewriter) return;
    this.res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, out);
    this.res.on('drain', () => incoming.resume());
  }

  private responseData(chunk: Buffer): void {
    this.active = performance.now();
    this.responseSize += chunk.length;
    if (this.responseSize > this.ctx.limits.bodyBytes) return this.fail(`cut by the proxy: the answer's body went past ${this.ctx.limits.bodyBytes} bytes (the body limit)`, 502);
    this.responseChunks.push(chunk);
    if (!this.rewriter && !this.res.write(chunk)) this.incoming!.pause();
  }

  private responseEnd(): void {
    if (this.done) return;
    if (!this.rewriter) return void this.res.end();
    // A discovery document is rewritten whole: read, its URLs rewritten, sent with its new length.
    const incoming = this.incoming!;
    const sent = Buffer.concat(this.responseChunks);
    let body: Buffer | undefined;
    try {
      const decoded = decodeContent(sent, HeaderList.fromRaw(incoming.rawHeaders).get('content-encoding'), this.ctx.limits.bodyBytes);
      if (!decoded.error) body = Buffer.from(JSON.stringify(this.rewriter.json(JSON.parse(decoded.bytes.toString('utf8')))));
    } catch { /* not JSON: sent as it came */ }
    const out = this.rewritten!;
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!body || !['content-length', 'content-encoding'].includes(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    if (body) kept.push('Content-Length', String(body.length));
    this.res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, kept);
    this.res.end(body ?? sent);
  }

  private responseClosed(): void {
    if (this.incoming!.complete || this.done) return;
    this.res.destroy();
    this.finish({ error: 'the upstream answer broke off before its end' });
  }

  private closed(): void {
    if (this.res.writableFinished || this.done) return;
    this.outgoing.destroy();
    this.finish({ aborted: this.ctx.stopping ? 'the proxy stopped before the exchange ended' : 'the client went away before the exchange ended' });
  }

  /** Hands the exchange on, once. */
  private finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    this.ctx.open.delete(this);
    const end = performance.now();
    const sent = this.tSent ?? end;
    const head = this.tHead ?? end;
    const c = this.capture;
    c.requestBody = bytes(this.requestChunks);
    c.requestBytes = this.requestSize;
    if (c.status !== undefined) c.responseBody = bytes(this.responseChunks);
    c.responseBytes = this.responseSize;
    c.timings = { send: round(sent - this.t0), wait: round(Math.max(0, head - sent)), receive: round(Math.max(0, end - head)) };
    this.ctx.over(Object.assign(c, outcome));
  }
}

/** The request's target as a path (origin-form as it came; an absolute-form target's path and query). */
function pathOfTarget(asked: string): string | undefined {
  if (asked.startsWith('/')) return asked;
  if (!URL.canParse(asked)) return undefined;
  const url = new URL(asked);
  return `${url.pathname}${url.search}`;
}

/** The declared Content-Length of raw headers, NaN when there is none. */
function declaredLength(raw: readonly string[]): number {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 14 && raw[i]!.toLowerCase() === 'content-length') return Number(raw[i + 1]);
  return Number.NaN;
}

export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const upstream = new URL(options.upstream);
  const limits = { ...FORWARDER_LIMITS, ...options.limits };
  const agent = upstream.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  let inFlight = 0;
  let timedOut = 0;
  let seq = 0;
  let idle: (() => void) | undefined;
  const ctx: Context = {
    upstream, limits, issue: upstream.protocol === 'https:' ? httpsRequest : httpRequest, rewriteLocation: options.rewriteLocation === true,
    target: { protocol: upstream.protocol, hostname: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port || undefined, agent },
    listening: '', stopping: false, open: new OpenList(),
    over(capture) {
      inFlight--;
      try {
        options.onExchange(Object.assign(capture, { seq: ++seq }));
      } finally {
        if (inFlight === 0) idle?.();
      }
    },
  };
  const sweep = setInterval(() => {
    const now = performance.now();
    for (let f = ctx.open.first; f;) {
      // A limit ends the exchange, which leaves the list: its successor is taken first.
      const next = f.next;
      if (now - f.active > limits.idleMs) f.limit(`no answer from ${upstream.origin} for ${limits.idleMs} ms (the idle limit)`);
      else if (now - f.t0 > limits.answerMs) f.limit(`the answer of ${upstream.origin} was not over within ${limits.answerMs} ms (the answer time limit)`);
      f = next;
    }
  }, Math.max(5, Math.min(1000, Math.floor(Math.min(limits.idleMs, limits.answerMs) / 10))));
  sweep.unref();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOfTarget(req.url ?? '/');
    if (path === undefined) {
      req.resume();
      return answer(res, 400, `${req.url} is not a request target it can forward (a path, or an absolute URL)`);
    }
    const headers = endToEnd(req.rawHeaders, true);
    headers.unshift('Host', upstream.host);
    const declared = declaredLength(req.rawHeaders);
    if (declared > limits.bodyBytes) {
      req.resume();
      answer(res, 413, `the request body goes past ${limits.bodyBytes} bytes (the body limit): not forwarded`);
      inFlight++;
      return ctx.over({
        method: req.method ?? 'GET', url: `${upstream.origin}${path}`, requestHeaders: headers, requestBody: '', requestBytes: declared, responseBytes: 0,
        httpVersion: `HTTP/${req.httpVersion}`, startedAt: Date.now(), timings: { send: 0, wait: 0, receive: 0 },
        refused: `the request body declared ${declared} bytes, past ${limits.bodyBytes} (the body limit): the proxy answered 413`,
      });
    }
    inFlight++;
    const wait = options.hold?.();
    if (!wait) return void new Forwarded(ctx, req, res, path, headers);
    req.pause();
    void wait.then(() => {
      if (!res.destroyed) return void new Forwarded(ctx, req, res, path, headers);
      inFlight--;
      if (inFlight === 0) idle?.();
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
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => { throw error; })]).catch((error: unknown) => {
    clearInterval(sweep);
    throw error;
  });
  const address = server.address() as AddressInfo;
  ctx.listening = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: ctx.listening,
    get inFlight() {
      return inFlight;
    },
    get timedOut() {
      return timedOut;
    },
    async stop(graceMs = 1000) {
      ctx.stopping = true;
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
      clearInterval(sweep);
      agent.destroy();
    },
  };
}
