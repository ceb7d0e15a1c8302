import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { pathOf } from '../../src/contract/operations.js';
import { HarError, HarWriteError, HarWriter, harEntry, harLog, readHar, readHarFile, type ObservedExchange } from '../../conformance/har.js';
import { validateHar, verdictLine, type ExchangeVerdict } from '../../conformance/proxy/index.js';
import { writeFile } from 'node:fs/promises';
import { HeaderList, wireRequest, type HttpRequest, type HttpResponse } from '../../conformance/http.js';
import { Redactor } from '../../conformance/report/index.js';
import { harSchemaErrors } from '../helpers/har-schema.js';

const UPSTREAM = 'http://127.0.0.1:9';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ID_TOKEN = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: 'https://openid.orange.fr/', sub: 'PBYJJF-1', aud: 'client-1', nonce: 'nonce-1', exp: 2, iat: 1 })}.c2lnbmF0dXJlLW9mLXRoZS1pZC10b2tlbg`;
const ASSERTION = `${b64url({ alg: 'RS256', kid: 'k1' })}.${b64url({ iss: 'dm-client', sub: '33600000000', aud: 'https://openid.orange.fr' })}.YXNzZXJ0aW9uLXNpZ25hdHVyZS1ieXRlcw`;
const STRAY_JWT = `${b64url({ alg: 'none' })}.${b64url({ note: 'a JWT in a header nobody declared secret' })}.c3RyYXktc2lnbmF0dXJl`;
const SECRETS = {
  clientSecret: 'client-secret-1234567', code: 'SBX-code-0123456789', access: 'access-token-abcdefghijklmnop', refresh: 'refresh-token-qrstuvwxyz012',
  session: 'session-cookie-value-42', other: 'other-cookie-value-43', idToken: ID_TOKEN, assertion: ASSERTION, stray: STRAY_JWT,
};

const json = (status: number, body: unknown, headers: [string, string][] = []): HttpResponse => {
  const text = JSON.stringify(body);
  return { status, headers: new HeaderList([['Content-Type', 'application/json'], ...headers]), bytes: Buffer.from(text), text };
};
const observe = (request: HttpRequest, response?: HttpResponse, extra: Partial<ObservedExchange> = {}): ObservedExchange => ({
  request: wireRequest(UPSTREAM, request), ...(response ? { response, statusText: 'OK' } : {}),
  startedAt: new Date('2026-01-02T03:04:05.678Z'), timings: { send: 1, wait: 2, receive: 3 }, httpVersion: 'HTTP/1.1', ...extra,
});

/** A code flow's exchanges, carrying every kind of secret, as the proxy sees them (unredacted). */
function codeFlow(): ObservedExchange[] {
  return [
    observe({ method: 'GET', path: pathOf('authorize'), query: { response_type: 'code', client_id: 'client-1', nonce: 'nonce-1', state: 's1', redirect_uri: 'http://rp/cb' }, headers: { Cookie: `sandbox_session=${SECRETS.session}; other=${SECRETS.other}` } },
      { status: 302, headers: new HeaderList([['Location', `http://rp/cb?code=${SECRETS.code}&state=s1`], ['Set-Cookie', `sandbox_session=${SECRETS.session}; Path=/; HttpOnly; Secure`], ['X-Debug', STRAY_JWT]]), bytes: Buffer.alloc(0), text: '' }),
    observe({ method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: basicAuthorization('client-1', SECRETS.clientSecret) }, form: { grant_type: 'authorization_code', code: SECRETS.code, redirect_uri: 'http://rp/cb', client_secret: SECRETS.clientSecret } },
      json(200, { token_type: 'Bearer', access_token: SECRETS.access, refresh_token: SECRETS.refresh, id_token: ID_TOKEN, expires_in: 3600 })),
    observe({ method: 'GET', path: pathOf('getFormFillingUserInfo'), query: { access_token: SECRETS.access }, headers: { Authorization: `Bearer ${SECRETS.access}` } },
      json(401, { error: 'invalid_token', error_description: `token ${SECRETS.access} expired` })),
    observe({ method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: ASSERTION } },
      json(400, { error: 'invalid_grant' })),
  ];
}

function record(observed: ObservedExchange[]) {
  const redactor = new Redactor([], { correlate: true });
  return harLog(observed.map((o) => {
    redactor.learn(o);
    return harEntry(o, redactor);
  }));
}

describe('the HAR recording', () => {
  it('writes HAR 1.2 that the HAR schema accepts, with request, response, cookies, query, post data and timings', () => {
    const har = record(codeFlow());
    expect(harSchemaErrors(har)).toEqual([]);
    expect(har.log.version).toBe('1.2');
    const [authorize, token] = har.log.entries;
    expect(authorize!.request.queryString.map((q) => q.name)).toEqual(['response_type', 'client_id', 'nonce', 'state', 'redirect_uri']);
    expect(authorize!.request.cookies.map((c) => c.name)).toEqual(['sandbox_session', 'other']);
    expect(authorize!.response.cookies).toEqual([{ name: 'sandbox_session', value: expect.stringMatching(/^REDACTED-\d+$/), path: '/', httpOnly: true, secure: true }]);
    expect(authorize!.response.redirectURL).toMatch(/^http:\/\/rp\/cb\?code=REDACTED-\d+&state=s1$/);
    expect(token!.request.postData).toEqual({ mimeType: 'application/x-www-form-urlencoded', text: expect.stringMatching(/^grant_type=authorization_code&code=REDACTED-\d+&redirect_uri=http%3A%2F%2Frp%2Fcb&client_secret=REDACTED-\d+$/) });
    expect(token!.time).toBe(6);
    expect(token!.timings).toEqual({ send: 1, wait: 2, receive: 3 });
  });

  it('redacts every secret: credentials, cookies, tokens and codes in bodies, query strings and Location, client secrets, assertions, anything JWT-shaped', () => {
    const text = JSON.stringify(record(codeFlow()));
    for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), name).toBe(false);
    // Nor any piece of a JWT: no base64url JSON object is left.
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
    const { entries } = record(codeFlow()).log;
    const header = (i: number, side: 'request' | 'response', name: string) => entries[i]![side].headers.find((h) => h.name === name)!.value;
    expect(header(1, 'request', 'Authorization')).toMatch(/^Basic REDACTED-\d+$/);
    expect(header(2, 'request', 'Authorization')).toMatch(/^Bearer REDACTED-\d+$/);
    expect(header(0, 'request', 'Cookie')).toMatch(/^sandbox_session=REDACTED-\d+; other=REDACTED-\d+$/);
    expect(header(0, 'response', 'X-Debug')).toMatch(/^REDACTED-\d+$/);
    expect(JSON.parse(entries[2]!.response.content.text!).error_description).toMatch(/^token REDACTED-\d+ expired$/);
    expect(entries[2]!.request.url).toMatch(/\?access_token=REDACTED-\d+$/);
    // A scheme with no credential after it holds no secret: kept, so that the check still sees it is empty.
    const [schemeOnly] = record([observe({ method: 'GET', path: pathOf('getCheckIdUserInfo'), headers: { Authorization: 'Bearer' } })]).log.entries;
    expect(schemeOnly!.request.headers).toEqual([{ name: 'Authorization', value: 'Bearer' }]);
  });

  it('gives each secret one placeholder wherever it appears, and keeps the decoded header and claims of each JWT it replaced', () => {
    const { entries } = record(codeFlow()).log;
    const code = /code=(REDACTED-\d+)/.exec(entries[0]!.response.redirectURL)![1]!;
    expect(entries[1]!.request.postData!.text).toContain(`code=${code}&`);
    const body = JSON.parse(entries[1]!.response.content.text!);
    expect(entries[2]!.request.headers.find((h) => h.name === 'Authorization')!.value).toBe(`Bearer ${body.access_token}`);
    expect(entries[1]!._jwts).toEqual({ [body.id_token]: { header: { alg: 'HS256', typ: 'JWT' }, payload: { iss: 'https://openid.orange.fr/', sub: 'PBYJJF-1', aud: 'client-1', nonce: 'nonce-1', exp: 2, iat: 1 }, signed: true } });
    const assertion = new URLSearchParams(entries[3]!.request.postData!.text).get('assertion')!;
    expect((entries[3]!._jwts as Record<string, { payload: unknown }>)[assertion]!.payload).toEqual({ iss: 'dm-client', sub: '33600000000', aud: 'https://openid.orange.fr' });
  });

  it('reads back what it recorded, a body that is not UTF-8 as its bytes, and a request that got no response', () => {
    const latin1 = Buffer.from('{"given_name":"Ren\xe9"}', 'latin1');
    const har = record([
      ...codeFlow(),
      observe({ method: 'GET', path: pathOf('getCheckIdUserInfo'), headers: { Authorization: 'Bearer x' } }, { status: 200, headers: new HeaderList([['Content-Type', 'application/json; charset=iso-8859-1']]), bytes: latin1, text: latin1.toString('utf8') }),
      observe({ method: 'GET', path: pathOf('getCheckIdUserInfo') }, undefined, { error: 'cannot forward to http://127.0.0.1:9: ECONNREFUSED' }),
    ]);
    expect(harSchemaErrors(har)).toEqual([]);
    const { entries } = readHar(JSON.stringify(har));
    expect(entries).toHaveLength(6);
    expect(entries[1]!.exchange.request.headers.get('authorization')).toMatch(/^Basic REDACTED-\d+$/);
    expect(entries[1]!.exchange.response!.status).toBe(200);
    expect(entries[1]!.jwts).toEqual(har.log.entries[1]!._jwts);
    expect(entries[4]!.exchange.response!.bytes).toEqual(latin1);
    expect(har.log.entries[4]!.response.content.encoding).toBe('base64');
    expect(entries[5]!.exchange).toMatchObject({ error: 'cannot forward to http://127.0.0.1:9: ECONNREFUSED' });
    expect(entries[5]!.exchange.response).toBeUndefined();
    expect(har.log.entries[5]!.response.status).toBe(0);
    expect(entries[0]!.startedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
  });

  it("reads a browser's HAR: HTTP/2 pseudo-headers left out, base64 content decoded, a failed request as no response", () => {
    const entry = (status: number, content: object) => ({
      startedDateTime: '2026-01-02T03:04:05.000Z', time: 12.6,
      request: { method: 'get', url: `https://api.orange.com${pathOf('getFormFillingUserInfo')}`, httpVersion: 'h2', headers: [{ name: ':authority', value: 'api.orange.com' }, { name: 'authorization', value: 'Bearer abc' }], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
      response: { status, statusText: '', httpVersion: 'h2', headers: [{ name: 'content-type', value: 'application/json' }], cookies: [], content, redirectURL: '', headersSize: -1, bodySize: -1, ...(status ? {} : { _error: 'net::ERR_CONNECTION_RESET' }) },
      cache: {}, timings: { send: 0, wait: 12.6, receive: 0 },
    });
    const { entries: [ok, failed] } = readHar(JSON.stringify({ log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, entries: [
      entry(200, { size: 11, mimeType: 'application/json', text: Buffer.from('{"sub":"x"}').toString('base64'), encoding: 'base64' }),
      entry(0, { size: 0, mimeType: 'x-unknown' }),
    ] } }));
    expect(ok!.exchange.request.method).toBe('GET');
    expect(ok!.exchange.request.headers.entries).toEqual([['authorization', 'Bearer abc']]);
    expect(ok!.exchange.response!.text).toBe('{"sub":"x"}');
    expect(ok!.exchange.ms).toBe(13);
    expect(failed!.exchange).toMatchObject({ error: 'net::ERR_CONNECTION_RESET' });
  });

  it('refuses what is not a HAR file, saying where', () => {
    expect(() => readHar('{')).toThrow(HarError);
    expect(() => readHar('{"log":{}}')).toThrow('no log.entries array: not a HAR file');
    expect(() => readHar('{"log":{"entries":[{"request":{"method":"GET","url":"/relative"},"response":{}}]}}')).toThrow('log.entries[0].request has no method and absolute url');
    expect(() => readHar(`{"log":{"entries":[{"startedDateTime":"x","request":{"method":"GET","url":"${UPSTREAM}/"},"response":{}}]}}`)).toThrow('log.entries[0].startedDateTime is not a date');
    expect(() => readHar(`{"log":{"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","request":{"method":"GET","url":"${UPSTREAM}/","headers":{}},"response":{}}]}}`)).toThrow('log.entries[0].request.headers is not an array');
  });
});

describe('the HAR file, written entry by entry', () => {
  const entries = () => {
    const redactor = new Redactor([], { correlate: true });
    return codeFlow().map((o) => { redactor.learn(o); return harEntry(o, redactor); });
  };

  it('holds every entry as soon as its write completes, and is a valid HAR 1.2 document once closed', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'har-writer-')), 'w.har');
    const writer = await HarWriter.create(file, 'a comment');
    const list = entries();
    for (const [i, entry] of list.entries()) {
      writer.add(entry);
      await writer.drained();
      const read = readHar(await readFile(file, 'utf8'));
      expect(read.entries).toHaveLength(i + 1);
      expect(read.cut).toMatchObject({ entries: i + 1, why: 'the file ends inside an entry' });
      expect(writer.written.entries).toBe(i + 1);
    }
    const written = await writer.close();
    const text = await readFile(file, 'utf8');
    expect(written).toEqual({ entries: list.length, bytes: Buffer.byteLength(text) });
    expect(harSchemaErrors(JSON.parse(text))).toEqual([]);
    expect(JSON.parse(text).log).toMatchObject({ comment: 'a comment', entries: list });
    // The head is one line, then one entry a line.
    expect(text.split('\n')).toHaveLength(1 + list.length + 2);
  });

  it('cut at any byte, still gives every entry written before the cut, and says where the cut is', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'har-cut-')), 'c.har');
    const writer = await HarWriter.create(file);
    const list = entries();
    for (const entry of list) writer.add(entry);
    await writer.close();
    const bytes = await readFile(file);
    const text = bytes.toString('utf8');
    // Where each entry ends: after its closing brace.
    const ends: number[] = [];
    let at = text.indexOf('"entries":[') + '"entries":['.length;
    const head = at;
    for (const entry of list) {
      at = bytes.indexOf(JSON.stringify(entry), at) + Buffer.byteLength(JSON.stringify(entry));
      ends.push(at);
    }
    // Every fifth byte, and every byte around the end of an entry.
    const cuts = [...new Set([...Array.from({ length: Math.ceil((bytes.length - 4 - head) / 5) }, (_, i) => head + 5 * i), ...ends.flatMap((end) => [end - 2, end - 1, end, end + 1, end + 2])])].filter((c) => c >= head && c < bytes.length - 4);
    for (const cut of cuts) {
      const read = readHar(new TextDecoder().decode(bytes.subarray(0, cut)));
      const complete = ends.filter((end) => end <= cut).length;
      expect(read.entries.length, `cut at ${cut}`).toBe(complete);
      expect(read.cut, `cut at ${cut}`).toMatchObject({ entries: complete, endsAt: complete ? ends[complete - 1] : head });
    }
    const streamed: number[] = [];
    const read = await readHarFile(file, (_entry, i) => { streamed.push(i); });
    expect(read).toEqual({ entries: list.length });
    expect(streamed).toEqual(list.map((_, i) => i));
    // Not a HAR, or cut before its entries: an error, not a cut.
    expect(() => readHar(text.slice(0, head - 3))).toThrow(HarError);
  });

  it('reports a write that fails (ENOSPC, EIO) when it happens, and never counts an entry the file does not hold; a file it cannot open (EACCES, ENOENT) at once', async () => {
    for (const [file, code] of [['/dev/full', 'ENOSPC'], ['/proc/version', 'EIO']] as const) {
      const writer = await HarWriter.create(file);
      const failures: string[] = [];
      writer.onFailure = (error) => failures.push(error.message);
      for (const entry of entries()) writer.add(entry);
      await writer.drained();
      expect(failures, file).toEqual([expect.stringMatching(new RegExp(`^cannot write ${file}: ${code} \\(`))]);
      expect(writer.failure?.code).toBe(code);
      expect(writer.written.entries).toBe(0);
      expect(writer.lost).toBe(entries().length);
      await writer.close();
    }
    for (const [file, code] of [['/sys/kernel/no-such.har', 'EACCES'], ['/proc/self/no-such.har', 'ENOENT']] as const) {
      const error = await HarWriter.create(file).catch((e: unknown) => e);
      expect(error, file).toBeInstanceOf(HarWriteError);
      expect((error as HarWriteError).code).toBe(code);
      expect((error as Error).message).toMatch(new RegExp(`^cannot write ${file}: ${code} \\(`));
    }
  });
});

describe('content still coded in a HAR', () => {
  const body = '{"sub":"x","given_name":"Ren\u00e9"}';
  const entry = (headers: [string, string][], content: object) => ({
    startedDateTime: '2026-01-02T03:04:05.000Z', time: 1,
    request: { method: 'GET', url: `https://api.orange.com${pathOf('getCheckIdUserInfo')}`, httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: headers.map(([name, value]) => ({ name, value })), cookies: [], content, redirectURL: '', headersSize: -1, bodySize: -1 },
    cache: {}, timings: { send: 0, wait: 1, receive: 0 },
  });

  it('is decoded when it decodes as its Content-Encoding says (gzip, deflate, br, base64 or not), and the coding is named; decoded text with the header is taken as it is', () => {
    const coded = { gzip: gzipSync(body), deflate: deflateSync(body), br: brotliCompressSync(body), 'br, gzip': gzipSync(brotliCompressSync(body)) };
    const har = { log: { version: '1.2', creator: { name: 'some tool', version: '1' }, entries: [
      ...Object.entries(coded).map(([coding, bytes]) => entry([['Content-Type', 'application/json'], ['Content-Encoding', coding]], { size: body.length, mimeType: 'application/json', text: bytes.toString('base64'), encoding: 'base64' })),
      entry([['Content-Encoding', 'gzip']], { size: body.length, mimeType: 'application/json', text: body }),
      entry([['Content-Encoding', 'gzip']], { size: 5, mimeType: 'application/json', text: Buffer.from([0x1f, 0x8b, 8, 0, 0xff]).toString('base64'), encoding: 'base64' }),
    ] } };
    const { entries } = readHar(JSON.stringify(har));
    expect(entries.map((e) => [e.exchange.response!.text, e.exchange.response!.contentCoding, e.decodeError])).toEqual([
      [body, 'gzip', undefined], [body, 'deflate', undefined], [body, 'br', undefined], [body, 'br, gzip', undefined],
      [body, undefined, undefined],
      [expect.any(String), undefined, expect.stringMatching(/^the body could not be decoded \(Content-Encoding: gzip\)/)],
    ]);
  });

  it('is judged decoded by validate, whose verdicts name the coding, and a body that does not decode fails its body check', async () => {
    const userinfo = JSON.stringify({ sub: 'PBYJJF-1', name: 'Christine Dupont' });
    const headers = (coding: string): [string, string][] => [['Content-Type', 'application/json'], ['Content-Encoding', coding], ['Cache-Control', 'no-store'], ['Pragma', 'no-cache']];
    const withAuth = (e: ReturnType<typeof entry>) => ({ ...e, request: { ...e.request, headers: [{ name: 'Authorization', value: 'Bearer abcdefghijkl' }] } });
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'har-coded-')), 'coded.har');
    await writeFile(file, JSON.stringify({ log: { version: '1.2', creator: { name: 'some tool', version: '1' }, entries: [
      ...([['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const).map(([coding, code]) => withAuth(entry(headers(coding), { size: userinfo.length, mimeType: 'application/json', text: code(userinfo).toString('base64'), encoding: 'base64' }))),
      withAuth(entry(headers('gzip'), { size: 5, mimeType: 'application/json', text: Buffer.from([0x1f, 0x8b, 8, 0, 0xff]).toString('base64'), encoding: 'base64' })),
    ] } }));
    const verdicts: ExchangeVerdict[] = [];
    const run = await validateHar(file, { onVerdict: (v) => verdicts.push(v) });
    expect(verdicts.map((v) => [v.contentCoding, v.outcome, v.failures.map((f) => f.check)])).toEqual([
      ['gzip', 'passed', []], ['deflate', 'passed', []], ['br', 'passed', []], [undefined, 'failed', ['body']],
    ]);
    expect(verdictLine(verdicts[0]!)).toMatch(/→ 200 \(gzip\) getCheckIdUserInfo: ok/);
    expect(run.counts).toMatchObject({ exchanges: 4, ok: 3, violations: 1 });
  });
});
