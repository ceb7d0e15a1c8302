/**
 * The sandbox's HTTP server and its connection limits: headers complete within `headersMs` (10 s), the whole
 * request within `requestMs` (30 s), checked every quarter of a second at most; 65 s keep-alive; a Host that RFC
 * 9112 refuses gets a bare 400; what the parser refuses gets
 * a bare status line (400, 431, or 408 on a timeout) when nothing was answered on the connection yet, and the
 * connection is destroyed, never left to the client to close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv6, type Socket } from 'node:net';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Connection limits, in milliseconds. */
export interface Timeouts { headersMs?: number; requestMs?: number }

/** Raw answers for what the HTTP parser refuses, before any handler. */
const RAW = {
  badRequest: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  headersTooLarge: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  timeout: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
};

/** How often Node checks the limits (30 s by default): a twentieth of the headers limit, at most a quarter of a
 *  second, so that a connection goes within a quarter of a second of its limit. */
const checkingInterval = (headersMs: number) => Math.max(10, Math.min(250, Math.floor(headersMs / 20)));

export function createHttpServer(timeouts: Timeouts, handle: (req: IncomingMessage, res: ServerResponse) => unknown): Server {
  const headersMs = timeouts.headersMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer({
    headersTimeout: headersMs,
    requestTimeout: timeouts.requestMs ?? REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: checkingInterval(headersMs),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  }, handle);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const answering = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !answering?.headersSent && error.code !== 'ECONNRESET') {
      socket.write(error.code === 'HPE_HEADER_OVERFLOW' ? RAW.headersTooLarge : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? RAW.timeout : RAW.badRequest);
    }
    socket.destroy();
  });
  return server;
}

/** reg-name of RFC 3986 section 3.2.2, not empty: an `http` URI has a host (RFC 9110 section 4.2.1). */
const REG_NAME = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+$/;
const IPV_FUTURE = /^v[0-9A-Fa-f]+\.[A-Za-z0-9._~!$&'()*+,;=:-]+$/;

/** True when `value` is a Host field value: `uri-host [ ":" port ]` (RFC 9112 section 3.2, RFC 3986 section 3.2). */
function isValidHost(value: string): boolean {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0 || !/^(?::\d*)?$/.test(value.slice(end + 1))) return false;
    const literal = value.slice(1, end);
    return isIPv6(literal) || IPV_FUTURE.test(literal);
  }
  const colon = value.indexOf(':');
  if (colon >= 0 && !/^\d*$/.test(value.slice(colon + 1))) return false;
  return REG_NAME.test(colon < 0 ? value : value.slice(0, colon));
}

/**
 * What is wrong with a request's Host, if anything (RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad
 * Request) status code to any HTTP/1.1 request message that lacks a Host header field and to any request message
 * that contains more than one Host header field line or a Host header field with an invalid field value"). An
 * HTTP/1.0 request may have none. Node refuses a missing one itself; two are seen in the raw headers only, since
 * `req.headers` keeps the first.
 */
export function hostProblem(req: IncomingMessage): string | undefined {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') count++;
  if (count > 1) return 'more than one Host header field';
  const host = req.headers.host;
  if (host === undefined) return req.httpVersionMajor === 1 && req.httpVersionMinor === 0 ? undefined : 'no Host header field';
  return isValidHost(host) ? undefined : 'an invalid Host';
}

/** The bare 400 of a request whose Host is wrong: no handler sees it, and the connection is closed after it. */
export const refuseHost = (res: ServerResponse) => res.writeHead(400, { 'Content-Length': 0, Connection: 'close' }).end();
