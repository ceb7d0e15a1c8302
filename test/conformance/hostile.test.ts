/**
 * A hostile target: it plants secrets where no redactor used to look (camelCase members, JSON in strings, forms in
 * strings, relative Locations, X-Api-Key headers, the admin API's secrets, UTF-16 bodies), echoes the real ones it
 * is sent (the profile's credentials, its session cookies), and answers control characters that would clear or
 * rewrite a terminal. The conformance suite runs through the validating proxy in front of it; no report of either
 * (text, JUnit, HTML, JSON, the HAR, the verdict lines) holds a planted or a real secret, and the text reports hold
 * no ESC, NUL, BEL or other control character but their own newlines.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { startValidatingProxy } from '../../conformance/proxy/index.js';
import { htmlReport, jsonReport, junitReport, textReport } from '../../conformance/report/index.js';
import { runConformance } from '../../conformance/runner.js';
import { leaked, pieces, secretsIn } from '../helpers/secrets.js';
import { startServer, type RecordedRequest, type TestServer } from '../helpers/server.js';

const planted = (n: number) => `Pl4nted${n}x${'Qz7'.repeat(5)}${n}`;
const P = Array.from({ length: 12 }, (_, i) => planted(i));
const CONTROLS = '\x1b[2J\x1b[H\x1b[31mpwned\x1b[0m\x07\x00\r\x9b2J\u202e';
/** What node lets a header carry: C1 controls, as latin1 bytes (an 8-bit CSI clears a screen too). */
const HEADER_CONTROLS = '\x9b2J\x9b31mpwned\x85';
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function answer(req: RecordedRequest, res: ServerResponse): void {
  const url = new URL(req.url, 'http://h');
  const send = (status: number, headers: Record<string, string | string[]>, body: string | Buffer): void => { res.writeHead(status, headers).end(body); };
  if (url.pathname.startsWith('/_sandbox/admin')) {
    return send(201, { 'Content-Type': 'application/json', 'Set-Cookie': `sandbox_session=${P[10]}; Path=/; HttpOnly` }, JSON.stringify({ clientId: 'my-app', clientSecret: P[9], cookie: `sandbox_session=${P[10]}`, note: CONTROLS }));
  }
  if (url.pathname.endsWith('/authorize')) {
    return send(302, { Location: `/cb?code=${P[7]}&state=${url.searchParams.get('state') ?? ''}#access_token=${P[11]}`, 'Set-Cookie': `sid=${P[6]}; Path=/`, 'X-Note': HEADER_CONTROLS }, '');
  }
  if (url.pathname.endsWith('/token')) {
    return send(200, { 'Content-Type': 'application/json', 'X-Api-Key': P[4]!, 'X-Auth-Token': `Bearer ${P[5]}`, Location: `/cb?code=${P[7]}`, 'X-Note': HEADER_CONTROLS }, JSON.stringify({
      accessToken: P[1], token_type: 'Bearer', expires_in: 3600, scope: 'openid form_filling',
      id_token: `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: 'x', sub: 'y' })}.${P[0]}`,
      debug: JSON.stringify({ upstream: JSON.stringify({ refresh_token: P[2] }) }), note: `grant_type=authorization_code&code=${P[3]}&x=1`,
      echo: `you sent ${req.headers.authorization ?? 'nothing'} and ${req.body}`, control: CONTROLS,
    }));
  }
  if (url.pathname.endsWith('/userinfo')) {
    const body = Buffer.from(`\ufeff{"access_token":"${P[8]}","sub":"x","note":"${CONTROLS.replace(/[\x00-\x1f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}","echo":"${req.headers.authorization ?? ''}"}`, 'utf16le');
    return send(200, { 'Content-Type': 'application/json; charset=utf-16le' }, body);
  }
  return send(400, { 'Content-Type': 'text/plain', 'X-Auth-Token': P[5]! }, `${CONTROLS} refused: ${req.headers.authorization ?? ''} ${req.headers.cookie ?? ''} ${req.body}\nx_api_key=${P[4]}`);
}

const profile = loadProfile(resolveProfilePath('sandbox'));
let target: TestServer;
let dir: string;
beforeAll(async () => {
  target = await startServer(answer);
  dir = mkdtempSync(path.join(tmpdir(), 'hostile-'));
});
afterAll(async () => {
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a hostile target, behind the validating proxy, checked by the suite', () => {
  it('leaves no planted or real secret in any report of the suite or the proxy, and no control character in the text reports', async () => {
    const lines: string[] = [];
    const har = path.join(dir, 'hostile.har');
    const proxy = await startValidatingProxy({ upstream: target.url, har, onLine: (line) => lines.push(line) });
    const suite = await runConformance({ baseUrl: proxy.url, profile: profile.profile, secrets: profile.secrets, concurrency: 2 })
      .catch(async (error: unknown) => { await proxy.stop(); throw error; });
    const proxied = await proxy.stop();
    expect(target.requests.length).toBeGreaterThan(20);
    // The suite's traffic carried every planted secret (the UTF-16 one with NULs between its characters), the admin
    // API's too: registering the run's key is the first step of the Direct Match key's precondition case.
    const traffic = suite.entries.flatMap((e) => e.exchanges).map((e) => `${e.response?.headers.entries.join('\n')}\n${e.response?.bytes.toString('latin1')}`).join('\n');
    expect(P.filter((p, i) => !traffic.includes(i === 8 ? Buffer.from(p, 'utf16le').toString('latin1') : p))).toEqual([]);
    const real = [...new Set([...secretsIn(suite.entries.flatMap((e) => e.exchanges)), ...profile.secrets])];
    expect(real.length).toBeGreaterThan(5);
    const harText = readFileSync(har, 'utf8');
    // The proxy saw the admin API's exchanges too (the HAR holds every exchange).
    expect(harText).toMatch(/"method":"PUT","url":"[^"]*\/_sandbox\/admin\//);
    const bodies = (JSON.parse(harText) as { log: { entries: { response: { content: { text?: string; encoding?: string } } }[] } }).log.entries
      .flatMap((e) => (e.response.content.encoding === 'base64' ? [Buffer.from(e.response.content.text ?? '', 'base64')] : []))
      .flatMap((b) => [b.toString('utf8'), b.toString('utf16le')]);
    const texts = { 'suite text': textReport(suite), 'suite text with reproducers': textReport(suite, { reproducers: true }), 'proxy text': textReport(proxied.report), 'verdict lines': lines.join('\n') };
    const outputs = {
      ...texts, 'suite junit': junitReport(suite), 'suite html': htmlReport(suite), 'suite json': jsonReport(suite),
      'proxy junit': junitReport(proxied.report), 'proxy html': htmlReport(proxied.report), 'proxy json': jsonReport(proxied.report), har: [harText, ...bodies].join('\n'),
    };
    for (const [name, output] of Object.entries(outputs)) {
      expect(pieces(output, P), name).toEqual([]);
      expect(leaked(output, real), name).toEqual([]);
    }
    for (const [name, text] of Object.entries(texts)) {
      expect(text, name).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
      if (name !== 'verdict lines') expect(text, name).toMatch(/\\x1b\[2J/);
    }
    // What is no secret stays readable.
    expect(outputs['suite junit']).toContain('&quot;token_type&quot;: &quot;Bearer&quot;');
  });
});
