/**
 * The forwarding half of the validating proxy (node:http): every request goes to the upstream and its response
 * back, unchanged and streamed both ways (status and reason phrase, header fields in order with their repeats,
 * body bytes), while a bounded copy of each body is kept for the record. Only what HTTP says a proxy must not
 * forward is left out: the hop-by-hop fields (RFC 9110 section 7.6.1), and Host names the upstream.
 *
 * A request that cannot be forwarded gets the proxy's own answer: 502 (the upstream refused, reset, or is not
 * there) or 504 (no response within the timeout), a plain-text body saying so; a response that breaks off
 * mid-body closes the client's connection. Neither stops the proxy.
 *
 * With `rewriteLocation`, the upstream's origin becomes the proxy's in `Location` headers and in the URLs of
 * the discovery documents (the contract's operations under `/.well-known/`, RFC 8615), so that a browser or a
 * client that follows them stays on the proxy; nothing else is ever rewritten, and what is recorded is the
 * upstream's response as it came.
 *
 * Entry point: `startForwarder(options)` → `Forwarder` (`url`, `inFlight`, `stop()` finishes the exchanges in
 * flight first). Each exchange, once over, goes to `onExchange(observed)`, in the order the exchanges end.
 */
import { once } from 'node:events';
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { OPERATIONS, matchOperation } from '../../src/contract/operations.js';
import type { ObservedExchange } from '../har.js';
import { HeaderList, decodeContent, responseBody, type HttpResponse, type WireRequest } from '../http.js';

export interface ForwarderOptions {
  /** The upstream's origin (`https://api.orange.com`). */
  upstream: string;
  port?: number;
  host?: string;
  rewriteLocation?: boolean;
  /** Idle time allowed while waiting for the upstream, in milliseconds (30 s by default): then 504. */
  timeoutMs?: number;
  /** Bytes of each body kept for the record (8 MiB by default); a longer body is forwarded whole, not recorded. */
  maxRecordBytes?: number;
  onExchange(observed: ObservedExchange): void;
}

export interface Forwarder {
  url: string;
  /** Exchanges begun and not over yet. */
  readonly inFlight: number;
  /** Stops accepting connections, lets the exchanges in flight finish, then frees every socket. */
  stop(): Promise<void>;
}

/** Hop-by-hop header fields (RFC 9110 section 7.6.1), and the ones a Connection field names. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(raw: readonly string[]): [string, string][] {
  const entries = HeaderList.fromRaw(raw).entries;
  const named = new Set(entries.filter(([k]) => k.toLowerCase() === 'connection').flatMap(([, v]) => v.split(',').map((s) => s.trim().toLowerCase())));
  return entries.filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase()) && !named.has(k.toLowerCase())).map(([k, v]) => [k, v]);
}

/** The bytes of a body, kept up to a limit. */
class BodyCopy {
  private readonly chunks: Buffer[] = [];
  size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size <= this.max) this.chunks.push(chunk);
  }
  get over(): boolean {
    return this.size > this.max;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
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

export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const upstream = new URL(options.upstream);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRecord = options.maxRecordBytes ?? 8 * 1024 * 1024;
  const agent = upstream.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const issue = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  let listening = '';
  let inFlight = 0;
  let idle: (() => void) | undefined;

  /** Origin-form (`/path?query`) as it came; an absolute-form target keeps its path and query; anything else is no target. */
  function targetOf(asked: string): URL | undefined {
    if (asked.startsWith('/')) return new URL(`${upstream.origin}${asked}`);
    if (!URL.canParse(asked)) return undefined;
    const url = new URL(asked);
    return new URL(`${upstream.origin}${url.pathname}${url.search}`);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const target = targetOf(req.url ?? '/');
    if (!target) {
      const body = `orange-identity proxy: ${req.url} is not a request target it can forward (a path, or an absolute URL)\n`;
      req.resume();
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
      return;
    }
    inFlight++;
    const startedAt = new Date();
    const t0 = performance.now();
    let tSent: number | undefined;
    let tHead: number | undefined;
    const headers = endToEnd(req.rawHeaders).filter(([k]) => k.toLowerCase() !== 'host');
    headers.unshift(['Host', upstream.host]);
    const requestCopy = new BodyCopy(maxRecord);
    const responseCopy = new BodyCopy(maxRecord);
    let upstreamResponse: IncomingMessage | undefined;
    let done = false;

    const finish = (outcome: { error?: string; aborted?: boolean; comment?: string }) => {
      if (done) return;
      done = true;
      const end = performance.now();
      const requestBody = decodeContent(requestCopy.bytes(), HeaderList.fromRaw(req.rawHeaders).get('content-encoding'), maxRecord);
      const wire: WireRequest = { method: req.method ?? 'GET', url: target.toString(), headers: new HeaderList(headers), body: requestBody.bytes.toString('utf8') };
      let response: HttpResponse | undefined;
      const comments = [outcome.comment, requestBody.error];
      if (upstreamResponse && !outcome.error) {
        const responseHeaders = HeaderList.fromRaw(upstreamResponse.rawHeaders);
        const body = decodeContent(responseCopy.bytes(), responseHeaders.get('content-encoding'), maxRecord);
        comments.push(body.error);
        response = { status: upstreamResponse.statusCode ?? 0, headers: responseHeaders, ...responseBody(body) };
      }
      const sent = tSent ?? end;
      const head = tHead ?? end;
      const observed: ObservedExchange = {
        request: wire,
        ...(response ? { response, statusText: upstreamResponse!.statusMessage ?? '' } : {}),
        wireBytes: { request: requestCopy.size, response: responseCopy.size },
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.aborted ? { aborted: true } : {}),
        ...(requestCopy.over ? { unrecorded: 'request' as const } : responseCopy.over ? { unrecorded: 'response' as const } : {}),
        startedAt,
        timings: { send: round(sent - t0), wait: round(Math.max(0, head - sent)), receive: round(Math.max(0, end - head)) },
        httpVersion: `HTTP/${upstreamResponse?.httpVersion ?? req.httpVersion}`,
        ...(comments.some(Boolean) ? { comment: comments.filter(Boolean).join('; ') } : {}),
      };
      inFlight--;
      try {
        options.onExchange(observed);
      } finally {
        if (inFlight === 0) idle?.();
      }
    };

    const outgoing = issue(target, { method: req.method, headers: headers.flat(), agent });
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(Object.assign(new Error(`no response from ${upstream.origin} within ${timeoutMs} ms`), { code: 'TIMEOUT' })));
    outgoing.once('finish', () => { tSent = performance.now(); });
    req.on('data', (chunk: Buffer) => requestCopy.push(chunk));
    req.pipe(outgoing);

    outgoing.once('error', (error: NodeJS.ErrnoException) => {
      const message = error.code === 'TIMEOUT' ? error.message : `cannot forward to ${upstream.origin}: ${error.code ? `${error.code} ` : ''}${error.message}`;
      if (res.headersSent) {
        res.destroy();
        finish({ error: `the upstream response broke off: ${message}` });
        return;
      }
      if (res.destroyed) return finish({ aborted: true });
      const status = error.code === 'TIMEOUT' ? 504 : 502;
      const body = `orange-identity proxy: ${message}\n`;
      req.resume();
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
      finish({ error: message });
    });

    outgoing.once('response', (incoming: IncomingMessage) => {
      tHead = performance.now();
      upstreamResponse = incoming;
      const proxyOrigin = /^[A-Za-z0-9.\-[\]:]+$/.test(req.headers.host ?? '') ? `http://${req.headers.host}` : listening;
      const rewrite = options.rewriteLocation ? originRewriter(upstream.origin, proxyOrigin) : undefined;
      let out = endToEnd(incoming.rawHeaders);
      if (rewrite) out = out.map(([k, v]) => [k, k.toLowerCase() === 'location' ? rewrite.url(v) : v]);
      incoming.on('data', (chunk: Buffer) => responseCopy.push(chunk));
      incoming.once('error', () => undefined);
      incoming.once('close', () => {
        if (incoming.complete) return;
        res.destroy();
        finish({ error: 'the upstream response broke off before its end' });
      });
      if (rewrite && isDiscovery(req.method ?? 'GET', target.pathname)) {
        // A discovery document is rewritten whole: read it, rewrite its URLs, send it with its new length.
        const whole: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => whole.push(chunk));
        incoming.once('end', () => {
          const sent = Buffer.concat(whole);
          let body: Buffer | undefined;
          try {
            const decoded = decodeContent(sent, HeaderList.fromRaw(incoming.rawHeaders).get('content-encoding'), maxRecord);
            if (!decoded.error) body = Buffer.from(JSON.stringify(rewrite.json(JSON.parse(decoded.bytes.toString('utf8')))));
          } catch { /* not JSON: sent as it came */ }
          const kept = body ? out.filter(([k]) => !['content-length', 'content-encoding'].includes(k.toLowerCase())) : out;
          res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, [...kept.flat(), ...(body ? ['Content-Length', String(body.length)] : [])]);
          res.end(body ?? sent);
        });
      } else {
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, out.flat());
        incoming.pipe(res);
      }
      res.once('finish', () => finish({
        ...(rewrite ? { comment: `Location and discovery URLs of ${upstream.origin} rewritten to ${proxyOrigin} for the client; recorded as the upstream sent them` } : {}),
      }));
    });

    res.once('close', () => {
      if (!res.writableFinished) {
        outgoing.destroy();
        finish({ aborted: true });
      }
    });
  }

  const server = createServer(handle);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
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
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => { idle = resolve; });
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
