/**
 * What the forwarder hands on of one exchange (a `Capture`), and what the recorder makes of it (an
 * `ObservedExchange`, ../har.ts). A capture is plain data, cheap to pass to the recording thread: the request as
 * forwarded, the upstream's answer as it came, bodies as the bytes of the wire (latin1 strings, content codings
 * still applied), times, and why the exchange did not end as an exchange should. Everything costly (undoing the
 * content codings, building header lists, reading bodies as text) is left to `observe`, off the forwarding path.
 *
 * Entry points: `Capture`, `observe(capture, maxBytes)` → `ObservedExchange`.
 */
import type { ObservedExchange } from '../har.js';
import { HeaderList, decodeContent, responseBody, type HttpResponse } from '../http.js';

export interface Capture {
  /** The exchange's number, from 1, in the order the exchanges ended. */
  seq: number;
  method: string;
  /** The upstream's absolute URL, query included. */
  url: string;
  /** The request's header fields as forwarded, `[name, value, name, value...]` (Host names the upstream). */
  requestHeaders: string[];
  /** The request body's bytes as they came (latin1), up to the body limit. */
  requestBody: string;
  /** Request body bytes on the wire. */
  requestBytes: number;
  /** The upstream's status, reason phrase and header fields (`[name, value...]`), when its answer's head came. */
  status?: number;
  statusText?: string;
  responseHeaders?: string[];
  /** The answer's body bytes as they came (latin1), up to the body limit. */
  responseBody?: string;
  responseBytes: number;
  httpVersion: string;
  /** Epoch milliseconds. */
  startedAt: number;
  timings: { send: number; wait: number; receive: number };
  /** Why no complete answer came: the upstream refused or broke off, or the proxy cut its answer (a limit). */
  error?: string;
  /** Why the exchange did not end: the client went away, or the proxy stopped. */
  aborted?: string;
  /** Why the proxy answered itself instead of forwarding (a request over the body limit: 413). */
  refused?: string;
  comment?: string;
}

const bytesOf = (latin1: string | undefined) => Buffer.from(latin1 ?? '', 'latin1');

/** The exchange as the checks and the recording read it: bodies with their content codings undone. */
export function observe(capture: Capture, maxBytes: number): ObservedExchange & { decodeError?: { side: 'request' | 'response'; message: string } } {
  const requestHeaders = HeaderList.fromRaw(capture.requestHeaders);
  const requestBody = decodeContent(bytesOf(capture.requestBody), requestHeaders.get('content-encoding'), maxBytes);
  let response: HttpResponse | undefined;
  let decodeError: { side: 'request' | 'response'; message: string } | undefined = requestBody.error ? { side: 'request', message: requestBody.error } : undefined;
  if (capture.status !== undefined && !capture.error) {
    const headers = HeaderList.fromRaw(capture.responseHeaders ?? []);
    const body = decodeContent(bytesOf(capture.responseBody), headers.get('content-encoding'), maxBytes);
    if (body.error) decodeError ??= { side: 'response', message: body.error };
    // Codings that could not be undone are not named as undone.
    response = { status: capture.status, headers, ...responseBody(body.error ? { bytes: body.bytes } : body) };
  }
  const notes = [capture.comment, decodeError?.message].filter(Boolean);
  return {
    request: { method: capture.method, url: capture.url, headers: requestHeaders, body: requestBody.bytes.toString('utf8') },
    ...(response ? { response, statusText: capture.statusText ?? '' } : {}),
    wireBytes: { request: capture.requestBytes, response: capture.responseBytes },
    ...(capture.error ? { error: capture.error } : {}),
    ...(capture.aborted ? { aborted: capture.aborted } : {}),
    ...(capture.refused ? { refused: capture.refused } : {}),
    startedAt: new Date(capture.startedAt),
    timings: capture.timings,
    httpVersion: capture.httpVersion,
    ...(notes.length ? { comment: notes.join('; ') } : {}),
    ...(decodeError ? { decodeError } : {}),
  };
}
