import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest { method: string; url: string; headers: IncomingMessage['headers']; body: string }

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** The node:http server, to watch its connections. */
  server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, on a free port, that records what it receives. */
export async function startServer(
  handler: (request: RecordedRequest, response: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(recorded);
    await handler(recorded, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    server,
    close: () => new Promise<void>((resolve, reject) => { server.closeAllConnections(); server.close((e) => (e ? reject(e) : resolve())); }),
  };
}

/** A bare node:http server on 127.0.0.1 with no body reading of its own, for tests that drive the raw exchange
 *  (headers, framing, slow answers); `close` ends every connection. */
export async function rawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The URL of a loopback port that nothing listens on (a server bound it, then closed): connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.url;
}

/** A handler that sends the status line and headers of a `length`-byte body, then drops the connection. */
export const truncatedBody = (status: number, length = 1000) => (_req: RecordedRequest, res: ServerResponse) => {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(length) });
  res.write('{"access_token":', () => res.destroy());
};
