/**
 * What a hostile or broken client does to the sandbox's connections: malformed Host headers, headers that never
 * end, bodies over the limit (declared, streamed, or pumped as fast as possible), aborted uploads. On every
 * endpoint: never a 5xx, always a status line, never a connection left open.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_ADMIN_ROUTES } from '../../generated/sandbox-admin.js';
import { OPERATIONS } from '../../src/contract/operations.js';
import { MAX_BODY_BYTES } from '../../sandbox/http.js';
import { collect, rawConnect, rawRequest, until } from '../helpers/raw.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';
import { LOGIN_FORM_PATH } from '../../sandbox/login-page.js';

const logged: string[] = [];
let target: RunningSandbox;
beforeAll(async () => { target = await startSandbox({ log: (m) => logged.push(m) }); });
afterAll(async () => { await target?.close(); });
// The admin endpoints below really run (they remove clients, reset, move the clock): each test starts afresh.
afterEach(() => target.sandbox.reset());

const concrete = (template: string) => template.replace('{clientId}', 'sandbox-direct-match').replace('{kid}', 'some-kid');
/** Every endpoint the sandbox serves: the contract's operations, the login form, the admin API, the docs, and an unknown path. */
const ENDPOINTS: [string, string][] = [
  ...OPERATIONS.map((o) => [o.method, o.path] as [string, string]),
  ['POST', LOGIN_FORM_PATH],
  ...SANDBOX_ADMIN_ROUTES.map((r) => [r.method, concrete(r.path)] as [string, string]),
  ['GET', '/docs/'],
  ['POST', '/direct-matchid/fr/v2/nothing'],
];
const HOSTS = ['[', 'a b', 'x:99999', '', '[::1', 'localhost:abc', ':80', 'exa mple.com:8080', '\u00e9vil.example', 'x'.repeat(4000)];

describe('any Host header', () => {
  it.each(ENDPOINTS)('%s %s answers every malformed Host with a status line below 500', async (method, path) => {
    for (const host of HOSTS) {
      const body = method === 'GET' ? '' : '{}';
      const reply = await rawRequest(target.url, `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close`, body);
      expect(reply.status, `Host ${JSON.stringify(host.slice(0, 20))}: ${reply.text.slice(0, 200)}`).toBeDefined();
      expect(reply.status!, `Host ${JSON.stringify(host.slice(0, 20))}`).toBeLessThan(500);
    }
  });

  it('answers a request without any Host header (HTTP/1.0), the admin API refusing it', async () => {
    expect((await rawRequest(target.url, `GET ${adminPath('getHealth')} HTTP/1.0`)).status).toBe(200);
    expect((await rawRequest(target.url, `GET ${adminPath('getClock')} HTTP/1.0`)).status).toBe(403);
  });
});

describe('slow and endless requests', () => {
  it('destroys a connection whose headers are not complete within the headers timeout', async () => {
    const slow = await startSandbox({ timeouts: { headersMs: 200, requestMs: 400 } });
    try {
      const socket = rawConnect(slow.url);
      const reply = collect(socket);
      socket.write(`GET ${adminPath('getHealth')} HTTP/1.1\r\nHost: localhost\r\n`);
      // One header line at a time, never the blank line that ends them (a slowloris client).
      const trickle = setInterval(() => { if (socket.writable) socket.write(`X-Slow-${Date.now()}: 1\r\n`); }, 50);
      const result = await reply.finally(() => clearInterval(trickle));
      expect(result.status ?? 408).toBe(408);
      expect(socket.destroyed).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('destroys a connection that sends nothing, and one whose declared body never comes', async () => {
    const slow = await startSandbox({ timeouts: { headersMs: 200, requestMs: 400 } });
    try {
      const silent = collect(rawConnect(slow.url));
      const unsent = rawRequest(slow.url, `POST ${adminPath('mintAccessToken')} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100`, '{"scope"');
      const [a, b] = await Promise.all([silent, unsent]);
      expect(a.text).toMatch(/^(HTTP\/1\.1 408 |)/);
      expect(b.status ?? 408).toBe(408);
    } finally {
      await slow.close();
    }
  });

  it('keeps the documented 10 s headers limit by default, checked every quarter of a second', () => {
    expect(target.sandbox.server.headersTimeout).toBe(10_000);
    expect(target.sandbox.server.requestTimeout).toBeGreaterThanOrEqual(10_000);
  });
});

const over = 'x'.repeat(MAX_BODY_BYTES + 1);

describe('bodies over the limit', () => {
  it.each(ENDPOINTS)('%s %s answers a declared 64 MiB body and closes, without waiting for it', async (method, path) => {
    // Only the first MAX_BODY_BYTES + 1 bytes are sent: a server that read the whole body would never answer.
    const reply = await rawRequest(target.url, `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}`, over);
    expect(reply.status, reply.text.slice(0, 200)).toBeDefined();
    expect(reply.status!).toBeLessThan(500);
    expect(reply.ended).toBe(true);
  });

  it.each(ENDPOINTS)('%s %s answers a streamed (chunked) body that crosses the limit and never ends, and closes', async (method, path) => {
    const socket = rawConnect(target.url);
    const reply = collect(socket);
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    for (let i = 0; i < 3; i++) socket.write(`${(8192).toString(16)}\r\n${'x'.repeat(8192)}\r\n`);
    const result = await reply;
    expect(result.status, result.text.slice(0, 200)).toBeDefined();
    expect(result.status!).toBeLessThan(500);
    expect(result.ended).toBe(true);
  });

  it.each([
    ['matchid', '/direct-matchid/fr/v1/matchid', { Authorization: 'Bearer sandbox-token-without-user' }, 400],
    ['the OIDC token endpoint', '/openidconnect/fr/v1/token', { Authorization: `Basic ${Buffer.from('sandbox-oidc-client:sandbox-client-secret').toString('base64')}` }, 400],
    ['the admin API', adminPath('mintAccessToken'), {}, 400],
  ])('gives a client pumping a chunked body into %s its documented status line, not a reset', async (_label, path, headers, status) => {
    const socket = rawConnect(target.url);
    const reply = collect(socket);
    const head = Object.entries({ Host: 'localhost', 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
    socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n\r\n`);
    const chunk = `${(65536).toString(16)}\r\n${'x'.repeat(65536)}\r\n`;
    const pump = () => { while (socket.writable && socket.write(chunk)); if (socket.writable) socket.once('drain', pump); };
    pump();
    const result = await reply;
    expect(result.status, result.text.slice(0, 200)).toBe(status);
    expect(result.text).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('keeps the connection of a body within the limit alive', async () => {
    const socket = rawConnect(target.url);
    const reply = collect(socket);
    const body = JSON.stringify({ msisdn: '33600000000', scope: 'check_id' });
    const request = `POST ${adminPath('mintAccessToken')} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    socket.write(request + request.replace('HTTP/1.1\r\n', 'HTTP/1.1\r\nConnection: close\r\n'));
    const result = await reply;
    expect(result.text.match(/HTTP\/1\.1 201 /g)).toHaveLength(2);
  });
});

describe('aborted requests', () => {
  it('are not logged as errors, and the sandbox keeps serving', async () => {
    const connections = () => new Promise<number>((resolve) => target.sandbox.server.getConnections((_e, n) => resolve(n)));
    const before = await connections();
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const socket = rawConnect(target.url);
      const path = [adminPath('mintAccessToken'), '/direct-matchid/fr/v1/matchid', '/oauth-jwt/fr/v1/token', '/idmatch/es/v1/premiuminfo'][i % 4];
      socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sandbox-token-id-match\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"msisdn": "336`);
      await new Promise((resolve) => socket.once('ready', resolve).once('connect', resolve));
      socket.destroy();
    }));
    await until(async () => (await connections()) === before);
    expect((await fetch(`${target.url}${adminPath('getHealth')}`)).status).toBe(200);
    expect(logged).toEqual([]);
  });
});
