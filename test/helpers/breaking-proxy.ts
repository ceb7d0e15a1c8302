import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchOperation, type OperationId } from '../../src/contract/operations.js';
import { HeaderList, createSender, type HttpResponse, type WireRequest } from '../../conformance/http.js';

/** A response the proxy is about to send, to break: status, raw header list (repeats allowed), body text. */
export interface Outgoing { status: number; headers: [string, string][]; body: string }

/** How a broken target differs from the correct one: called on every response of an operation. */
export type Break = (r: Outgoing, context: { operationId: OperationId | undefined; request: WireRequest; json: () => any }) => void;

export interface BreakingProxy { url: string; close(): Promise<void> }

/**
 * A deliberately wrong target: a real proxy in front of a correct one (the sandbox) that breaks its responses
 * as `breaks` says. It forwards the raw header lists both ways, so that a repeated header reaches the client.
 */
export async function startBreakingProxy(upstream: string, breaks: Break): Promise<BreakingProxy> {
  const sender = createSender({ baseUrl: upstream });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const hop = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding']);
    const headers = new HeaderList(HeaderList.fromRaw(req.rawHeaders).entries.filter(([k]) => !hop.has(k.toLowerCase())));
    const request: WireRequest = { method: req.method!, url: new URL(req.url!, upstream).toString(), headers, body: Buffer.concat(chunks).toString('utf8') };
    let response: HttpResponse;
    try {
      response = (await sender.sendWire(request)).response;
    } catch (error) {
      res.writeHead(502).end((error as Error).message);
      return;
    }
    const out: Outgoing = { status: response.status, headers: response.headers.entries.filter(([k]) => !['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k.toLowerCase())).map(([k, v]) => [k, v]), body: response.text };
    const match = matchOperation(request.method, new URL(request.url).pathname);
    breaks(out, { operationId: match.kind === 'operation' ? match.operation.operationId : undefined, request, json: () => JSON.parse(out.body) });
    res.writeHead(out.status, [...out.headers.flat(), 'Content-Length', String(Buffer.byteLength(out.body))]);
    res.end(out.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve, reject) => {
      sender.close();
      server.closeAllConnections();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}

/** Helpers to write breaks. */
export const setJson = (r: Outgoing, body: unknown) => { r.body = JSON.stringify(body); };

/** An HS256 JWT with its payload changed and signed again with `secret` (a forger holding the client secret). */
export function resignHs256(jwt: string, change: (payload: Record<string, unknown>) => Record<string, unknown>, secret: string): string {
  const [header, payload] = jwt.split('.') as [string, string];
  const changed = Buffer.from(JSON.stringify(change(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))))).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${changed}`).digest('base64url');
  return `${header}.${changed}.${signature}`;
}
