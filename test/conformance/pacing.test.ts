import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HeaderList, createSender, onTarget, probeTarget, targetUrl, wireRequest, type Exchange } from '../../conformance/http.js';
import { RateLimit, RetriesExhausted, RetryBudget, paced, parseRate, retryAfterMs, retryDelay } from '../../conformance/pacing.js';
import { closedPortUrl, startServer, type TestServer } from '../helpers/server.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
const serve = async (...args: Parameters<typeof startServer>): Promise<TestServer> => {
  const server = await startServer(...args);
  servers.push(server);
  return server;
};

/** An exchange with this status and headers, for the retry decisions. */
const answer = (status: number, headers: [string, string][] = []): Exchange => ({
  request: { method: 'POST', url: 'http://t/p?q=1', headers: new HeaderList(), body: '' },
  response: { status, headers: new HeaderList(headers), bytes: Buffer.alloc(0), text: '' }, ms: 1,
});

describe('the rate limit', () => {
  it('lets no more than n requests start in any one second, whatever the concurrency', async () => {
    const limit = new RateLimit(10);
    const starts: number[] = [];
    // Eight workers sharing the limit, each sending through a paced function that records when it is called.
    const send = paced(async () => { starts.push(performance.now()); return answer(200); }, { rate: limit });
    await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < 4; i++) await send(undefined); }));
    starts.sort((a, b) => a - b);
    expect(starts).toHaveLength(32);
    // The limit takes its times as it lets each start go; the send is called a few microtasks later.
    for (const first of starts) expect(starts.filter((t) => t >= first && t < first + 995).length).toBeLessThanOrEqual(10);
    // Evenly: 32 starts at 10 per second take 31 intervals of 100 ms at least.
    expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(3095);
  });

  it('paces a fractional rate as one start per 1/rate seconds', async () => {
    const limit = new RateLimit(4.5);
    const starts: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limit.take();
      starts.push(performance.now());
    }
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(221);
  });

  it('stops waiting when its signal aborts', async () => {
    const limit = new RateLimit(0.5);
    await limit.take();
    const controller = new AbortController();
    const waiting = limit.take(controller.signal);
    controller.abort(new Error('SIGTERM'));
    await expect(waiting).rejects.toThrow('SIGTERM');
  });

  it('reads --rate as requests per second, with or without /s, and refuses anything else', () => {
    expect(parseRate('20')).toBe(20);
    expect(parseRate('2.5/s')).toBe(2.5);
    for (const bad of ['0', '-1', 'fast', '20/min', '']) expect(() => parseRate(bad), bad).toThrow(/--rate takes requests per second/);
  });
});

describe('waiting out answers that say "later"', () => {
  it('reads Retry-After as seconds or as an HTTP-date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('waits what Retry-After asks within the budget, backs off exponentially without it, and gives up past the bounds', () => {
    const budget = new RetryBudget(60_000);
    expect(retryDelay(answer(429, [['Retry-After', '2']]), 0, budget)).toBe(2000);
    // Without Retry-After: base * 2^attempt, between half and all of it (jitter).
    expect(retryDelay(answer(503), 0, budget, { random: () => 0 })).toBe(500);
    expect(retryDelay(answer(503), 2, budget, { random: () => 0.999 })).toBeGreaterThan(3990);
    expect(retryDelay(answer(503), 4, budget)).toMatch(/^still HTTP 503 after 4 retries/);
    expect(retryDelay(answer(429, [['Retry-After', '3600']]), 0, budget)).toMatch(/Retry-After 3600: more than the 60\.0 s left/);
    budget.waitedMs = 59_000;
    expect(retryDelay(answer(429), 3, budget, { baseDelayMs: 1000 })).toMatch(/more than the 1\.0 s left/);
  });

  it('retries 429 and 503 against a real server, notes each wait in the budget, and returns what a caller asks for as it is', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'Retry-After': '0' }).end();
      else if (calls === 2) res.writeHead(503).end();
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    const sender = createSender({ baseUrl: server.url });
    try {
      const send = paced((path: string) => sender.send({ method: 'GET', path }), { retry: { baseDelayMs: 10 } });
      const budget = new RetryBudget();
      expect((await send('/x', { budget })).response.status).toBe(200);
      expect(calls).toBe(3);
      expect(budget.waits.map((w) => [w.request, w.status, w.retryAfter])).toEqual([['GET /x', 429, '0'], ['GET /x', 503, undefined]]);
      calls = 1; // the next answer is a 503
      expect((await send('/y', { expect: [503] })).response.status).toBe(503);
      expect(calls).toBe(2);
    } finally {
      sender.close();
    }
  });

  it('ends with RetriesExhausted, holding the last answer, when the quota outlasts what a case may wait', async () => {
    const server = await serve((_req, res) => { res.writeHead(429, { 'Retry-After': '3600' }).end(); });
    const sender = createSender({ baseUrl: server.url });
    try {
      const send = paced((path: string) => sender.send({ method: 'GET', path }), { retry: {} });
      const error = await send('/x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RetriesExhausted);
      expect((error as RetriesExhausted).exchange.response.status).toBe(429);
      expect(server.requests).toHaveLength(1);
    } finally {
      sender.close();
    }
  });
});

describe('the sender under a path prefix, and its connections', () => {
  it('puts every request under the base URL\'s path, and gives the checks the path as the contract has it', () => {
    expect(wireRequest('https://gw.example/some/prefix', { method: 'GET', path: '/checkid/fr/v1/userinfo' }).url).toBe('https://gw.example/some/prefix/checkid/fr/v1/userinfo');
    expect(targetUrl('https://gw.example/some/prefix/', '/_sandbox/admin/faults').toString()).toBe('https://gw.example/some/prefix/_sandbox/admin/faults');
    expect(wireRequest('http://h:8080', { method: 'GET', path: '/p', query: { a: 'b' } }).url).toBe('http://h:8080/p?a=b');
    const relative = onTarget('https://gw.example/some/prefix');
    expect(relative(wireRequest('https://gw.example/some/prefix', { method: 'GET', path: '/p/q', query: { s: '1' } })).url).toBe('https://gw.example/p/q?s=1');
    expect(onTarget('https://gw.example')(wireRequest('https://gw.example', { method: 'GET', path: '/p' })).url).toBe('https://gw.example/p');
  });

  it('sends a request again, once, when the server had closed the pooled connection it was sent on', async () => {
    // The first connection answers one request with keep-alive, then drops the next request sent on it unanswered.
    let connections = 0;
    const server: Server = createServer((socket: Socket) => {
      const id = ++connections;
      let requests = 0;
      socket.on('data', () => {
        requests++;
        if (id === 1 && requests === 2) return void socket.destroy();
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const sender = createSender({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxSockets: 1 });
    try {
      expect((await sender.send({ method: 'GET', path: '/a' })).response.status).toBe(200);
      expect((await sender.send({ method: 'POST', path: '/b', form: { code: 'c' } })).response.status).toBe(200);
      expect(connections).toBe(2);
    } finally {
      sender.close();
    }
  });

  it('probes a target by connecting only: no request is sent', async () => {
    const server = await serve((_req, res) => { res.end(); });
    await probeTarget(`${server.url}/some/prefix`);
    expect(server.requests).toHaveLength(0);
    await expect(probeTarget(await closedPortUrl())).rejects.toThrow(/ECONNREFUSED/);
  });
});
