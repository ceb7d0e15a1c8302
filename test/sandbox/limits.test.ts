/**
 * The sandbox's bounds under pressure (issue 22): its clock stays within the range every expiry can be written in;
 * after a clock jump the expired entries go (the admin purge, the periodic purge); slow headers and slow bodies of
 * 500 connections at once are closed at the configured limits; a reset releases the requests a delay fault holds.
 * Limits are asserted in the server's configuration and in what each connection gets, never as a wall-clock
 * budget that a busy machine would miss.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { CLOCK_RANGE, ClockRangeError, createClock } from '../../sandbox/clock.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../sandbox/connections.js';
import { DocumentedResponses } from '../../sandbox/contract.js';
import { pathOf } from '../../src/contract/operations.js';
import { collect, rawConnect, type RawReply } from '../helpers/raw.js';
import { adminCall, adminExample, startSandbox, type AdminOperationId, type RunningSandbox } from '../helpers/sandbox.js';

let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox(); });
afterAll(async () => { await target?.close(); });
afterEach(() => target.sandbox.reset());

const admin = (operationId: AdminOperationId, body?: unknown, at = target.url) => adminCall(at, operationId, { body });

/** The documented ClockOutOfRange text, for any value. */
const RANGE = /^the clock would be at -?[\d.e+]+ s since the epoch: it stays within 0 \(1970-01-01T00:00:00Z\) and 253370764799 \(9998-12-31T23:59:59Z\)$/;

describe('the clock', () => {
  it.each([
    ['advance 1e20', { advance: 1e20 }, RANGE],
    ['advance -1e20', { advance: -1e20 }, RANGE],
    ['set -1', { set: -1 }, /body\/set must be >= 0/],
    ['set past 9998-12-31', { set: CLOCK_RANGE.max + 1 }, RANGE],
    ['advance past 9998-12-31', { advance: CLOCK_RANGE.max }, RANGE],
    ['advance before 1970', { advance: -(Date.now() / 1000) - 10 }, RANGE],
  ])('refuses %s with the documented 400, and does not move', async (_label, move, message) => {
    const before = (await admin('getClock')).body.offset;
    const refused = await admin('moveClock', move);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_request');
    expect(refused.body.error_description).toMatch(message);
    expect((await admin('getClock')).body.offset).toBeCloseTo(before, 0);
  });

  it('documents the refusal in the admin API document', () => {
    const example = adminExample('BadRequest', 'ClockOutOfRange');
    expect(example.error_description).toMatch(RANGE);
  });

  it('throws ClockRangeError in process for a move out of range, a NaN or an infinity, and stays where it was', () => {
    const clock = createClock(() => 1_700_000_000_000);
    for (const move of [() => clock.advance(1e20), () => clock.advance(Number.NaN), () => clock.set(Number.POSITIVE_INFINITY), () => clock.set(-1), () => clock.advance(-2e9)]) {
      expect(move).toThrow(ClockRangeError);
      expect(clock.now()).toBe(1_700_000_000_000);
    }
    clock.set(CLOCK_RANGE.max);
    expect(clock.now()).toBe(CLOCK_RANGE.max * 1000);
  });

  it('issues working tokens at the last instant of its range: every expiry is still a valid date', async () => {
    expect((await admin('moveClock', { set: CLOCK_RANGE.max })).status).toBe(200);
    const minted = await admin('mintAccessToken', { msisdn: '33600000000', scope: ['openid', 'check_id'] });
    expect(minted.status).toBe(201);
    expect((await fetch(`${target.url}${pathOf('getCheckIdUserInfo')}`, { headers: { Authorization: `Bearer ${minted.body.access_token}` } })).status).toBe(200);
  });
});

describe('expired entries after a clock jump', () => {
  const mint = (count: number, sandbox = target.sandbox) => {
    for (let i = 0; i < count; i++) sandbox.state.issueAccessToken('sandbox-direct-match', '33600000000', ['atp_kyc_plain']);
  };

  it('go on POST /_sandbox/admin/purge, which says how many went', async () => {
    const fixtureTokens = target.sandbox.state.tokens.size;
    mint(2000);
    expect((await admin('moveClock', { advance: 7200 })).status).toBe(200);
    expect(target.sandbox.state.tokens.size).toBe(fixtureTokens + 2000);
    const purged = await admin('purgeExpired');
    expect(purged.status).toBe(200);
    expect(purged.body.purged).toBeGreaterThanOrEqual(2000);
    expect(target.sandbox.state.tokens.size).toBe(fixtureTokens);
  });

  it('go by themselves while the sandbox listens (the periodic purge), with no write to trigger it', async () => {
    const periodic = await startSandbox({ purgeIntervalMs: 20 });
    try {
      const fixtureTokens = periodic.sandbox.state.tokens.size;
      mint(2000, periodic.sandbox);
      periodic.sandbox.clock.advance(7200);
      await expect.poll(() => periodic.sandbox.state.tokens.size, { timeout: 20_000 }).toBe(fixtureTokens);
    } finally {
      await periodic.close();
    }
  });
});

/** `count` raw connections, each fed by `feed` every `everyMs` until the server closes it; what each got, and when. */
async function slowClients(url: string, count: number, head: string, feed: string, everyMs: number): Promise<(RawReply & { ms: number })[]> {
  const started = performance.now();
  return Promise.all(Array.from({ length: count }, async () => {
    const socket: Socket = rawConnect(url);
    const reply = collect(socket);
    socket.write(head);
    const timer = setInterval(() => { if (socket.writable) socket.write(feed); }, everyMs);
    const result = await reply.finally(() => clearInterval(timer));
    return { ...result, ms: performance.now() - started };
  }));
}

describe('500 slow connections at once', () => {
  it('keeps the documented limits by default: headers 10 s, whole request 30 s, checked every quarter of a second, keep-alive 65 s', () => {
    const server = target.sandbox.server;
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(HEADERS_TIMEOUT_MS).toBe(10_000);
    expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBe(65_000);
  });

  it('closes every slow-header connection (a header line at a time, never the end) at the headers limit, with a 408', async () => {
    const slow = await startSandbox({ timeouts: { headersMs: 600, requestMs: 1200 } });
    try {
      expect(slow.sandbox.server.headersTimeout).toBe(600);
      const replies = await slowClients(slow.url, 500, `GET ${adminPath('getHealth')} HTTP/1.1\r\nHost: localhost\r\n`, 'X-Slow: 1\r\n', 100);
      for (const reply of replies) {
        expect(reply.status).toBe(408);
        // Closed by the limit, not before it: the connection was held open until then.
        expect(reply.ms).toBeGreaterThanOrEqual(600);
      }
      expect(await new Promise((resolve) => slow.sandbox.server.getConnections((_e, n) => resolve(n)))).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('closes every slow-body connection (a byte at a time of a declared body) at the whole-request limit', async () => {
    const slow = await startSandbox({ timeouts: { headersMs: 600, requestMs: 1200 } });
    try {
      expect(slow.sandbox.server.requestTimeout).toBe(1200);
      const head = `POST ${pathOf('matchIdentity')} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sandbox-token-without-user\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{`;
      const replies = await slowClients(slow.url, 500, head, ' ', 100);
      for (const reply of replies) {
        expect(reply.status).toBe(408);
        expect(reply.ms).toBeGreaterThanOrEqual(1200);
      }
      expect(await new Promise((resolve) => slow.sandbox.server.getConnections((_e, n) => resolve(n)))).toBe(0);
    } finally {
      await slow.close();
    }
  });
});

describe('a reset and the requests a delay fault holds', () => {
  it('answers each held request at once with its fault, instead of after the delay', async () => {
    const docs = new DocumentedResponses();
    target.sandbox.faults.inject({ operationId: 'matchIdentity', status: 503, times: 3, delayMs: 60_000 });
    const calls = Array.from({ length: 3 }, () => fetch(`${target.url}${pathOf('matchIdentity')}`, {
      method: 'POST', headers: { Authorization: 'Bearer sandbox-token-without-user', 'Content-Type': 'application/json' }, body: '{}',
    }));
    // Each call has taken its fault (the last one disarms it): all three are held.
    await expect.poll(() => target.sandbox.faults.list().length, { timeout: 60_000 }).toBe(0);
    const reset = await fetch(`${target.url}${adminPath('resetSandbox')}`, { method: 'POST', headers: { 'X-Sandbox-Admin': '1' } });
    expect(reset.status).toBe(204);
    for (const response of await Promise.all(calls)) {
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual(JSON.parse(docs.get('direct-match-id-fr/matchIdentity/503/ServiceUnavailable').body));
    }
  });
});
