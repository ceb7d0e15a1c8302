/**
 * The HTTP exchange model shared by the conformance suite, the fuzzer and the validating proxy, and the sender
 * they use. It keeps what `fetch` loses: the raw response header list (fetch joins repeated headers, so "this
 * header appears exactly once" cannot be checked on a `Headers`), the bytes of the body, and the request as it
 * went on the wire.
 *
 * Entry points:
 * - `HttpRequest`: a request to build (method, path, query, headers, and a JSON, form or raw body).
 * - `WireRequest`, `HttpResponse`, `Exchange`: what was sent and what came back; `HeaderList` holds raw headers.
 * - `createSender({ baseUrl, timeoutMs })`: a keep-alive sender over node:http/node:https; `send(request)`
 *   resolves to an `Exchange` (rejects with `RequestError` when no response came), `close()` frees its sockets.
 * - `wireRequest(baseUrl, request)`: the wire form of an `HttpRequest`, without sending it.
 * - `parseMediaType(value)`: a Content-Type as its essence and parameters (node:util's WHATWG `MIMEType`).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { MIMEType } from 'node:util';

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
  /** The body's bytes, to check its encoding. */
  bytes: Buffer;
  /** The body decoded as UTF-8. */
  text: string;
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

/** The wire form of `request` against `baseUrl`: absolute URL, body encoded, Content-Type and Content-Length set. */
export function wireRequest(baseUrl: string, request: HttpRequest): WireRequest {
  const url = new URL(request.path, baseUrl);
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
}

export interface Sender {
  send(request: HttpRequest): Promise<Exchange>;
  /** Sends a request already in wire form (a proxy forwards these). */
  sendWire(request: WireRequest): Promise<Exchange>;
  close(): void;
}

export function createSender(options: SenderOptions): Sender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agents = { 'http:': new HttpAgent(agentOptions), 'https:': new HttpsAgent(agentOptions) };

  function sendWire(request: WireRequest): Promise<Exchange> {
    const url = new URL(request.url);
    const start = performance.now();
    const issue = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!issue) return Promise.reject(new RequestError(`unsupported protocol ${url.protocol}`, request));
    return new Promise<Exchange>((resolve, reject) => {
      const fail = (message: string) => reject(new RequestError(message, request));
      const outgoing = issue(url, {
        method: request.method,
        // The raw form keeps repeated fields; with it, node adds no Host of its own.
        headers: [...(request.headers.has('host') ? [] : ['Host', url.host]), ...request.headers.entries.flat()],
        agent: agents[url.protocol as 'http:' | 'https:'],
        signal: AbortSignal.timeout(timeoutMs),
      }, (incoming: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            incoming.destroy();
            fail(`the response body exceeds ${maxBody} bytes`);
          } else chunks.push(chunk);
        });
        incoming.once('error', (error) => fail(describe(error, timeoutMs)));
        incoming.once('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            request,
            response: { status: incoming.statusCode ?? 0, headers: HeaderList.fromRaw(incoming.rawHeaders), bytes, text: bytes.toString('utf8') },
            ms: Math.round(performance.now() - start),
          });
        });
      });
      outgoing.once('error', (error) => fail(describe(error, timeoutMs)));
      outgoing.end(request.body === '' ? undefined : request.body);
    });
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

function describe(error: Error & { code?: string }, timeoutMs: number): string {
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
