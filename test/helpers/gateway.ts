/**
 * A stand-in for a production gateway in front of a correct target (the sandbox): it serves the upstream under a
 * path prefix (anything else is a 404 page of its own), and may differ from the upstream in every way a correct
 * deployment legally may: content codings, chunked framing, `Connection: close`, header-name case, headers of its
 * own (Server, Via, HSTS, Vary, Date), JSON re-serialised (whitespace, member order, `\u` escapes), the
 * `application/json;charset=UTF-8` spelling, access and refresh tokens of its own shape (opaque or JWT-shaped, of
 * other lengths, mapped back to the upstream's on the way in), its own public origin and prefix in discovery
 * documents, slow answers, and a quota answered with 429 and Retry-After. It counts what it receives.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { HeaderList, createSender, type HttpResponse, type WireRequest } from '../../conformance/http.js';

export interface GatewayOptions {
  /** The path prefix the APIs are served under (`/some/prefix`). */
  prefix: string;
  /** Compress every response body with this coding. */
  coding?: 'gzip' | 'br' | 'deflate' | 'x-gzip';
  /** Send bodies in several chunks, without Content-Length. */
  chunked?: boolean;
  /** Close the connection after each response (`Connection: close`). */
  close?: boolean;
  /** Header names as the gateway writes them. */
  headerCase?: 'lower' | 'upper';
  /** Add Server, Via, Strict-Transport-Security, Vary, Date, X-Request-Id. */
  extraHeaders?: boolean;
  /** Add a second Cache-Control line (`private`) to every response that has one: a list field, legally split. */
  splitCacheControl?: boolean;
  /** Re-serialise JSON bodies: indentation, members in reverse order, non-ASCII and `/` as `\u` escapes. */
  reformatJson?: boolean;
  /** Content-Type of JSON bodies spelled `application/json;charset=UTF-8`. */
  jsonCharsetSpelling?: boolean;
  /** Write `token_type` in lower case (`bearer`): RFC 6749 section 5.1 makes it case insensitive. */
  lowerTokenType?: boolean;
  /** Cache-Control and Pragma directives in another case, beside directives of its own (RFC 9111 sections 5.2, 5.4). */
  cacheDirectives?: boolean;
  /** WWW-Authenticate schemes in lower case, after a challenge of the gateway's own on a line before (RFC 9110 11.6.1). */
  challenges?: boolean;
  /** Issue tokens of the gateway's own shape (mapped back to the upstream's on requests). */
  tokens?: 'opaque' | 'jwt';
  /** Advertise the gateway's public origin and prefix in discovery documents. */
  advertise?: string;
  /** Delay every answer by this many milliseconds. */
  delayMs?: number;
  /** A quota: more than `perSecond` requests in a second get 429 with `Retry-After: retryAfter`. */
  quota?: { perSecond: number; retryAfter: string };
  /** Never answer requests whose path (under the prefix) starts with this. */
  hangOn?: string;
}

export interface Gateway {
  /** The base URL to give the suite: the gateway's origin and the prefix. */
  url: string;
  origin: string;
  /** Every request received, with the time its head arrived (performance.now). */
  received: { method: string; url: string; at: number }[];
  /** How many requests got 429. */
  throttled: number;
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'accept-encoding']);
/** Request headers not forwarded as they are (the body's length is recomputed after tokens are mapped). */
const REQUEST_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const TOKEN_MEMBERS = ['access_token', 'refresh_token'];

/** JSON with members in reverse order (recursively). */
const reversed = (v: unknown): unknown => (Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object'
  ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v);

const escapeJson = (text: string) => text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/');

const newToken = (shape: 'opaque' | 'jwt') => (shape === 'jwt'
  ? `eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.${Buffer.from(JSON.stringify({ jti: randomBytes(12).toString('hex'), scope: 'x' })).toString('base64url')}.${randomBytes(256).toString('base64url')}`
  : `GW${randomBytes(90).toString('base64url')}`);

function encode(body: Buffer, coding: GatewayOptions['coding']): Buffer {
  if (coding === 'br') return brotliCompressSync(body);
  if (coding === 'deflate') return deflateSync(body);
  if (coding) return gzipSync(body);
  return body;
}

/** The response's header fields as the gateway writes them, with the legal variations `options` asks for. */
function headersOut(response: HttpResponse, json: boolean, options: GatewayOptions): [string, string][] {
  const out: [string, string][] = response.headers.entries.filter(([k]) => !HOP.has(k.toLowerCase())).map(([k, v]) => [k, json && options.jsonCharsetSpelling && k.toLowerCase() === 'content-type' ? 'application/json;charset=UTF-8' : v]);
  if (options.extraHeaders) {
    out.push(['Server', 'stand-in-gateway/1.0'], ['Via', '1.1 gw.example'], ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
      ['Vary', 'Accept-Encoding, Origin'], ['Date', new Date().toUTCString()], ['X-Request-Id', randomBytes(8).toString('hex')]);
  }
  if (options.cacheDirectives) {
    for (const entry of out) {
      const name = entry[0].toLowerCase();
      if (name === 'cache-control') entry[1] = `private, ${entry[1].toUpperCase()}, max-age=0`;
      else if (name === 'pragma') entry[1] = `${entry[1].replace(/^no-cache$/i, 'No-Cache')}, x-gateway`;
    }
  }
  if (options.challenges) {
    const at = out.findIndex(([k]) => k.toLowerCase() === 'www-authenticate');
    if (at >= 0) out.splice(at, 1, ['WWW-Authenticate', 'Negotiate'], ['WWW-Authenticate', out[at]![1].replace(/^(Bearer|Basic)/, (s) => s.toLowerCase())]);
  }
  if (options.splitCacheControl && out.some(([k]) => k.toLowerCase() === 'cache-control')) out.push(['Cache-Control', 'private']);
  if (options.coding) out.push(['Content-Encoding', options.coding]);
  if (options.close) out.push(['Connection', 'close']);
  return out.map(([k, v]) => [options.headerCase === 'lower' ? k.toLowerCase() : options.headerCase === 'upper' ? k.toUpperCase() : k, v]);
}

export async function startGateway(upstream: string, options: GatewayOptions): Promise<Gateway> {
  const sender = createSender({ baseUrl: upstream });
  const toUpstream = new Map<string, string>();
  const received: Gateway['received'] = [];
  const starts: number[] = [];
  const sockets = new Set<Socket>();
  const state = { throttled: 0, connections: 0 };
  let origin = '';

  const mapTokensIn = (text: string) => (toUpstream.size ? text.replace(/[A-Za-z0-9._~-]{60,}/g, (t) => toUpstream.get(t) ?? t) : text);

  function rewriteBody(response: HttpResponse): { text: string; json: boolean } {
    const media = response.headers.get('content-type') ?? '';
    if (!/json/i.test(media) || response.text === '') return { text: response.text, json: false };
    let body = JSON.parse(response.text) as Record<string, unknown>;
    if (options.tokens && body && typeof body === 'object') {
      for (const member of TOKEN_MEMBERS) {
        if (typeof body[member] !== 'string') continue;
        const mine = newToken(options.tokens);
        toUpstream.set(mine, body[member] as string);
        body[member] = mine;
      }
    }
    if (options.lowerTokenType && typeof body.token_type === 'string') body.token_type = body.token_type.toLowerCase();
    if (options.advertise && typeof body.issuer === 'string') {
      const base = `${options.advertise}${options.prefix}`;
      body = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k !== 'issuer' && typeof v === 'string' && /^https?:\/\//.test(v) ? `${base}${new URL(v).pathname}` : v]));
    }
    const text = options.reformatJson ? escapeJson(JSON.stringify(reversed(body), null, '\t')) : JSON.stringify(body);
    return { text, json: true };
  }

  async function forward(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url!, 'http://gateway');
    const forwarded = mapTokensIn(body);
    const headers = new HeaderList([
      ...HeaderList.fromRaw(req.rawHeaders).entries.filter(([k]) => !REQUEST_HOP.has(k.toLowerCase())).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? mapTokensIn(v) : v] as const),
      ...(forwarded !== '' || req.method === 'POST' ? [['Content-Length', String(Buffer.byteLength(forwarded))] as const] : []),
    ]);
    const request: WireRequest = { method: req.method!, url: new URL(url.pathname.slice(options.prefix.length) + url.search, upstream).toString(), headers, body: forwarded };
    const response = (await sender.sendWire(request)).response;
    const { text, json } = rewriteBody(response);
    const bytes = encode(Buffer.from(text), options.coding);
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const out = headersOut(response, json, options);
    if (options.chunked) {
      res.writeHead(response.status, out.flat());
      const third = Math.ceil(bytes.length / 3);
      for (let i = 0; i < bytes.length; i += third) res.write(bytes.subarray(i, i + third));
      res.end();
    } else {
      res.writeHead(response.status, [...out, [options.headerCase === 'upper' ? 'CONTENT-LENGTH' : 'content-length', String(bytes.length)]].flat());
      res.end(bytes);
    }
  }

  function overQuota(now: number): boolean {
    if (!options.quota) return false;
    while (starts.length && starts[0]! <= now - 1000) starts.shift();
    if (starts.length >= options.quota.perSecond) return true;
    starts.push(now);
    return false;
  }

  const server = createServer(async (req, res) => {
    const now = performance.now();
    received.push({ method: req.method!, url: req.url!, at: now });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url!, 'http://gateway').pathname;
    if (!path.startsWith(`${options.prefix}/`)) {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not found</h1><p>stand-in gateway</p>');
      return;
    }
    if (options.hangOn && path.slice(options.prefix.length).startsWith(options.hangOn)) return; // never answered
    if (overQuota(now)) {
      state.throttled++;
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': options.quota!.retryAfter }).end(JSON.stringify({ code: 42900, message: 'Too many requests' }));
      return;
    }
    try {
      await forward(req, res, Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(String((error as Error).message));
    }
  });
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${options.prefix}`,
    origin,
    received,
    get throttled() { return state.throttled; },
    get connections() { return state.connections; },
    close: () => new Promise<void>((resolve, reject) => {
      sender.close();
      for (const socket of sockets) socket.destroy();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}
