import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { HeaderList, RequestError, createSender, decodeContent, parseMediaType, wireRequest } from '../../conformance/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    // Two X-OAPI-Request-Id fields and a latin-1 body: what fetch would hide.
    res.writeHead(201, ['Content-Type', 'application/json; charset=iso-8859-1', 'X-OAPI-Request-Id', 'a', 'X-OAPI-Request-Id', 'b']);
    res.end(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d])); // {"n":"é"} in ISO-8859-1
  });
});
afterAll(async () => { await server?.close(); });

describe('the exchange sender', () => {
  it('keeps repeated response headers apart, the body bytes, and the request as it went on the wire', async () => {
    const sender = createSender({ baseUrl: server.url });
    try {
      const { request, response } = await sender.send({ method: 'POST', path: '/x', query: { a: '1 2' }, headers: { Authorization: 'Bearer t' }, form: { grant_type: 'g', code: 'c' } });
      expect(response.status).toBe(201);
      expect(response.headers.all('x-oapi-request-id')).toEqual(['a', 'b']);
      expect(response.headers.get('X-OAPI-Request-Id')).toBe('a, b');
      expect([...response.bytes]).toContain(0xe9);
      expect(request.url).toBe(`${server.url}/x?a=1+2`);
      expect(request.body).toBe('grant_type=g&code=c');
      const received = server.requests.at(-1)!;
      expect(received.body).toBe('grant_type=g&code=c');
      expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(received.headers.authorization).toBe('Bearer t');
      expect(received.headers.host).toBe(new URL(server.url).host);
    } finally {
      sender.close();
    }
  });

  it('rejects with a RequestError that names the request when nothing answers in time, or nothing listens', async () => {
    const sender = createSender({ baseUrl: server.url, timeoutMs: 200 });
    try {
      const slow = await sender.send({ method: 'GET', path: '/slow' }).catch((e: unknown) => e);
      expect(slow).toBeInstanceOf(RequestError);
      expect((slow as RequestError).message).toBe('no complete response within 200 ms');
      expect((slow as RequestError).request.url).toBe(`${server.url}/slow`);
    } finally {
      sender.close();
    }
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const closed = createSender({ baseUrl: `http://127.0.0.1:${port}` });
    const refused = await closed.send({ method: 'GET', path: '/' }).catch((e: unknown) => e);
    closed.close();
    expect((refused as RequestError).message).toMatch(/^ECONNREFUSED/);
  });

  it('encodes JSON bodies with their content type unless one is given, and sends raw bodies as they are', () => {
    const json = wireRequest('http://h', { method: 'post', path: '/p', json: { a: 1 } });
    expect(json.method).toBe('POST');
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.headers.get('content-length')).toBe('7');
    const raw = wireRequest('http://h', { method: 'POST', path: '/p', rawBody: 'msisdn=1', headers: { 'Content-Type': 'text/plain' } });
    expect(raw.body).toBe('msisdn=1');
    expect(raw.headers.all('content-type')).toEqual(['text/plain']);
    expect(wireRequest('http://h', { method: 'GET', path: '/p' }).headers.has('content-length')).toBe(false);
  });

  it('parses media types with their parameters, and refuses what is not one', () => {
    const media = parseMediaType('Application/JSON; Charset="ISO-8859-1"')!;
    expect(media.essence).toBe('application/json');
    expect(media.params.get('charset')).toBe('ISO-8859-1');
    expect(parseMediaType('json')).toBeUndefined();
    expect(parseMediaType(null)).toBeUndefined();
    expect(HeaderList.fromRaw(['A', '1', 'a', '2', 'B', '3']).all('a')).toEqual(['1', '2']);
  });
});

describe('content decoding', () => {
  const json = Buffer.from(JSON.stringify({ access_token: 'x', scope: 'é'.repeat(100) }));

  it('undoes gzip, x-gzip, zlib and raw deflate, br, and codings applied in turn, naming them', () => {
    expect(decodeContent(gzipSync(json), 'gzip')).toEqual({ bytes: json, coding: 'gzip' });
    expect(decodeContent(gzipSync(json), 'X-GZIP').bytes).toEqual(json);
    expect(decodeContent(deflateSync(json), 'deflate').bytes).toEqual(json);
    expect(decodeContent(deflateRawSync(json), 'deflate').bytes).toEqual(json);
    expect(decodeContent(brotliCompressSync(json), 'br').bytes).toEqual(json);
    expect(decodeContent(brotliCompressSync(gzipSync(json)), 'gzip, identity, br')).toEqual({ bytes: json, coding: 'gzip, br' });
    expect(decodeContent(json, 'identity')).toEqual({ bytes: json });
    expect(decodeContent(json, null)).toEqual({ bytes: json });
  });

  it('takes an empty body labelled with a coding as it is (a 204 or a redirect a gateway labelled anyway)', () => {
    for (const coding of ['gzip', 'br', 'deflate']) expect(decodeContent(Buffer.alloc(0), coding)).toEqual({ bytes: Buffer.alloc(0) });
  });

  it('say why a body cannot be decoded: an unknown coding, corrupt data, or a bomb past the limit', () => {
    expect(decodeContent(json, 'zstd').error).toMatch(/unknown content coding \(Content-Encoding: zstd\)/);
    expect(decodeContent(json, 'gzip').error).toMatch(/could not be decoded \(Content-Encoding: gzip\)/);
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    const decoded = decodeContent(bomb, 'gzip', 1024 * 1024);
    expect(decoded.error).toMatch(/exceeds 1048576 bytes once decoded/);
    expect(decoded.bytes).toBe(bomb);
  });

  it('the sender gives the checks the decoded body, and names the coding', async () => {
    const coded = await startServer((req, res) => {
      res.writeHead(200, ['Content-Type', 'application/json', 'Content-Encoding', 'br']);
      res.end(brotliCompressSync(json));
    });
    const sender = createSender({ baseUrl: coded.url });
    try {
      const { response } = await sender.send({ method: 'GET', path: '/' });
      expect(JSON.parse(response.text)).toEqual(JSON.parse(json.toString()));
      expect(response.contentCoding).toBe('br');
    } finally {
      sender.close();
      await coded.close();
    }
  });
});
