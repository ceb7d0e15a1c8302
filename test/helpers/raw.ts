/** Raw HTTP/1.1 over a TCP socket, for what fetch will not send: malformed Host headers, slow or endless bodies. */
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** Everything the server sent. */
  text: string;
  /** The status of the first status line, or undefined when none came. */
  status: number | undefined;
  /** The server ended the connection (FIN) rather than resetting it before any answer. */
  ended: boolean;
  error?: string;
}

/** Opens a connection to `url`'s host and port. */
export function rawConnect(url: string): Socket {
  const { hostname, port } = new URL(url);
  return connect(Number(port), hostname);
}

/** Collects what the server sends until the connection closes. */
export function collect(socket: Socket): Promise<RawReply> {
  return new Promise((resolve) => {
    let text = '';
    let ended = false;
    let error: string | undefined;
    socket.on('data', (chunk) => { text += chunk.toString('latin1'); });
    socket.on('end', () => { ended = true; });
    socket.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      resolve({ text, status: status ? Number(status) : undefined, ended, ...(error ? { error } : {}) });
    });
  });
}

/** Sends `head` (request line and headers, without the blank line) and `body`, and collects the reply. */
export function rawRequest(url: string, head: string, body = ''): Promise<RawReply> {
  const socket = rawConnect(url);
  const reply = collect(socket);
  socket.write(`${head}\r\n\r\n${body}`);
  return reply;
}

/** Resolves once `condition()` holds, checking on every turn of the event loop (no fixed sleep). */
export async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setImmediate(resolve));
}
