/** HTTP plumbing of the sandbox: bounded body reading (and closing what goes over), JSON and form bodies, replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FORM_MEDIA_TYPE, parseForm, type Form } from '../src/contract/form.js';
import type { Socket } from 'node:net';

/** Bodies above this size are refused with the API's documented 400, and the connection is closed. */
export const MAX_BODY_BYTES = 16 * 1024;
/** How long a connection closed for its body stays open, unread, after its answer has gone: the client reads the
 *  answer before the reset that closing with unread data gives. */
export const LINGER_MS = 1000;

class BodyTooLarge extends Error {}
/** The client went away before its body was complete. */
export class RequestAborted extends Error {}

const responses = new WeakMap<IncomingMessage, ServerResponse>();

/**
 * Ties a request to its response, for every request the server takes, so that a body over MAX_BODY_BYTES closes
 * the connection whatever the endpoint: a declared one at once, a streamed one (chunked) when the limit is crossed
 * or, when the handler never reads it, once the answer has gone. The rest of such a body is never read.
 */
export function guardBody(req: IncomingMessage, res: ServerResponse): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) return closeAfterAnswer(req, res);
  if (req.headers['transfer-encoding'] === undefined) return;
  responses.set(req, res);
  res.once('finish', () => { if (!req.complete) linger(req); });
}

/** The answer goes with `Connection: close`; then the connection is closed without reading the rest. */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.shouldKeepAlive = false;
  // Node ends a closing connection with destroySoon() once the answer is written: linger instead.
  req.socket.destroySoon = () => linger(req);
}

const lingering = new WeakSet<Socket>();

/** Sends FIN after the answer, reads nothing more, and destroys the socket when the client closes or after
 *  LINGER_MS. */
function linger(req: IncomingMessage): void {
  const socket = req.socket;
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  req.pause();
  socket.pause();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The body as text; rejects with BodyTooLarge past MAX_BODY_BYTES (declared or sent), RequestAborted when the
 *  client goes. Events, not an async iterator: it is on every request's path. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      const res = responses.get(req);
      if (res) closeAfterAnswer(req, res);
      reject(new BodyTooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => reject(new RequestAborted()));
    req.once('close', () => reject(new RequestAborted()));
  });
}

/** The body, or undefined when it exceeds MAX_BODY_BYTES: the caller then answers its API's documented 400 (the
 *  connection is closed after it, and the rest of the body is not read). */
export async function readBodyWithinLimit(req: IncomingMessage): Promise<string | undefined> {
  try {
    return await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return undefined;
    throw error;
  }
}

export const CLOSE = { Connection: 'close' } as const;

export function mediaType(req: IncomingMessage): string {
  const header = req.headers['content-type'] ?? '';
  const semicolon = header.indexOf(';');
  return (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** The JSON object a text holds, or undefined when it holds something else or is not JSON. */
export function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON object body, or undefined when the body is not one (or not declared as JSON). */
export const parseJsonObject = (req: IncomingMessage, body: string) => (mediaType(req) === 'application/json' ? parseObject(body) : undefined);

/** A form body (src/contract/form.ts), or undefined when the body is absent or not declared as a form. */
export const formBody = (req: IncomingMessage, body: string | undefined): Form | undefined =>
  (body !== undefined && mediaType(req) === FORM_MEDIA_TYPE ? parseForm(body) : undefined);

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** What every HTML page of the sandbox says about framing: no page may put it in a frame (clickjacking of the
 *  login and consent page). `frame-ancestors` for the browsers that read CSP level 2, `X-Frame-Options` for the others.
 *  @see https://www.w3.org/TR/CSP3/#directive-frame-ancestors
 *  @see https://www.rfc-editor.org/rfc/rfc7034 X-Frame-Options */
export const NO_FRAMING = { 'Content-Security-Policy': "frame-ancestors 'none'", 'X-Frame-Options': 'DENY' } as const;

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store', ...NO_FRAMING, ...headers });
  res.end(html);
}

/** The bearer token of the Authorization header: undefined when absent, null when not a bearer credential. */
export function bearerToken(req: IncomingMessage): string | undefined | null {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
