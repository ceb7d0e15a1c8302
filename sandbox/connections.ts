/**
 * The sandbox's HTTP server and its connection limits: headers complete within `headersMs` (10 s), the whole
 * request within `requestMs` (30 s), checked every second at most; 65 s keep-alive; what the parser refuses gets
 * a bare status line (400, 431, or 408 on a timeout) when nothing was answered on the connection yet, and the
 * connection is destroyed, never left to the client to close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Connection limits, in milliseconds. */
export interface Timeouts { headersMs?: number; requestMs?: number }

/** Raw answers for what the HTTP parser refuses, before any handler. */
export const RAW = {
  badRequest: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  headersTooLarge: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  timeout: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
};

/** How often Node checks the limits (30 s by default): a tenth of the headers limit, at most a second. */
export const checkingInterval = (headersMs: number) => Math.max(10, Math.min(1000, Math.floor(headersMs / 10)));

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
