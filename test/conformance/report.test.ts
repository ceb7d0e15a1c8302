import { describe, expect, it } from 'vitest';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { pathOf } from '../../src/contract/operations.js';
import { failure } from '../../conformance/failures.js';
import { FlowMemory } from '../../conformance/flow.js';
import { checkResponse } from '../../conformance/operation-checks.js';
import { HeaderList, wireRequest, type Exchange, type HttpResponse } from '../../conformance/http.js';
import { JSON_REPORT_FORMAT, Redactor, htmlReport, redactionSummary, jsonReport, junitReport, lineDiff, textReport, type Report, type ReportEntry } from '../../conformance/report/index.js';
import { AUTHORIZATION_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from 'orange-identity-client/auth/oidc';
import { JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';

const BASE = 'http://127.0.0.1:9';
const json = (status: number, body: unknown, headers: [string, string][] = []): HttpResponse => {
  const text = JSON.stringify(body);
  return { status, headers: new HeaderList([['Content-Type', 'application/json'], ...headers]), bytes: Buffer.from(text), text };
};

// Tokens a run "issues", long enough that a cut can fall inside them.
const ACCESS = `OFR_issued_access_${'a'.repeat(60)}`;
const REFRESH = `OFR-issued-refresh-${'r'.repeat(60)}`;
const CODE = 'SBX-issued-code-0123456789';
const ID_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIzMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const PROFILE_SECRET = 'profile-client-secret-42';
const SECRETS = [ACCESS, REFRESH, CODE, ID_TOKEN, PROFILE_SECRET];

/** A run's report: tokens issued by one exchange, then echoed by many failing entries in bodies, headers, URLs. */
function reportWithTokens(): Report {
  const redactor = new Redactor([PROFILE_SECRET]);
  const issue: Exchange = {
    request: wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: basicAuthorization('client', PROFILE_SECRET) }, form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: CODE, redirect_uri: 'http://rp/cb' } }),
    response: json(200, { token_type: 'Bearer', access_token: ACCESS, refresh_token: REFRESH, id_token: ID_TOKEN, expires_in: 3600 }),
    ms: 3,
  };
  redactor.learn(issue);
  const entries: ReportEntry[] = [];
  for (let i = 0; i < 12; i++) {
    const echo: Exchange = {
      request: wireRequest(BASE, { method: 'GET', path: pathOf('getFormFillingUserInfo'), query: { access_token: ACCESS }, headers: { Authorization: `Bearer ${ACCESS}` } }),
      // A body whose tokens sit where a cut falls, and free text echoing them.
      response: json(400, { error: 'invalid_request', error_description: `token ${ACCESS} refused; refresh with ${REFRESH}`, access_token: ACCESS }, [['Location', `http://rp/cb?code=${CODE}&state=s`], ['Set-Cookie', `session=${PROFILE_SECRET}; HttpOnly`]]),
      ms: 1,
    };
    entries.push({
      suite: i % 2 ? 'form-id-fr' : 'authentication-fr', name: `case-${i}`, group: 'op', outcome: 'failed', ms: 1,
      failures: [
        failure('status', '200', `400 ${echo.response.text}`),
        failure('value', { access_token: 'expected', note: `<&"'> ${ACCESS}` }, JSON.parse(echo.response.text), '/error_description'),
      ],
      exchanges: [{ ...issue, label: 'step 1' }, echo],
    });
  }
  entries.push({ suite: 'form-id-fr', name: 'case-passed', outcome: 'passed', ms: 1, failures: [], exchanges: [] });
  entries.push({ suite: 'form-id-fr', name: 'case-skipped', outcome: 'skipped', reason: `needs ${PROFILE_SECRET}`, ms: 0, failures: [], exchanges: [] });
  return { title: 'conformance', target: BASE, profile: 'test', startedAt: new Date(0).toISOString(), ms: 1234, entries, redactor };
}

/** Every secret, and every 8-character piece of one, that a cut or an escape could leave behind. */
function leaks(output: string): string[] {
  return SECRETS.flatMap((s) => Array.from({ length: s.length - 7 }, (_, i) => s.slice(i, i + 8)))
    .filter((piece) => !/^(.)\1+$/.test(piece) && output.includes(piece))
    .concat(SECRETS.filter((s) => output.includes(s)));
}

describe('reports', () => {
  const report = reportWithTokens();

  it('hold no token of the run nor secret of the profile, in text, JUnit and HTML, even when failures print those bodies', () => {
    for (const [name, output] of [['text', textReport(report, { maxField: 70 })], ['junit', junitReport(report, { maxField: 70 })], ['html', htmlReport(report, { maxField: 70 })],
      ['text, long fields', textReport(report, { maxField: 5000 })], ['junit, long fields', junitReport(report)], ['html, long fields', htmlReport(report)],
      ['json', jsonReport(report)]] as const) {
      expect(leaks(output), name).toEqual([]);
      expect(output, name).toContain('[REDACTED');
    }
  });

  it('write JSON with the tallies, every entry, its failures and redacted exchanges', () => {
    const json = JSON.parse(jsonReport(report)) as { format: string; totals: Record<string, number>; suites: Record<string, unknown>; entries: { name: string; failures: unknown[]; exchanges: unknown[] }[] };
    expect(json.format).toBe(JSON_REPORT_FORMAT);
    expect((json as unknown as { redaction: string }).redaction).toBe(redactionSummary());
    expect(json.totals).toEqual({ passed: 1, failed: report.entries.length - 2, skipped: 1, total: report.entries.length });
    expect(Object.keys(json.suites).sort()).toEqual(['authentication-fr', 'form-id-fr']);
    expect(json.entries.map((e) => e.name)).toEqual(report.entries.map((e) => e.name));
    const failed = json.entries.find((e) => e.name === 'case-0')!;
    expect(failed.failures).toHaveLength(2);
    expect(failed.exchanges).toHaveLength(2);
  });

  it('list every failed entry with each of its failures, however the fields are cut', () => {
    for (const max of [20, 45, 70, 133, 5000]) {
      const text = textReport(report, { maxField: max });
      const failedNames = report.entries.filter((e) => e.outcome === 'failed').map((e) => e.name);
      expect(failedNames.filter((n) => !text.includes(`✗ ${n}\n`)), `max ${max}`).toEqual([]);
      expect(text.match(/^ {6}status: expected/gm), `max ${max}`).toHaveLength(failedNames.length);
      expect(text.match(/^ {6}value \(\/error_description\): expected/gm), `max ${max}`).toHaveLength(failedNames.length);
      expect(text).toContain('- case-skipped: needs [REDACTED]');
      expect(text).toMatch(/14 cases in 1\.2 s: 1 passed, 12 failed, 1 skipped/);
      const junit = junitReport(report, { maxField: max });
      expect(junit.match(/<testcase /g), `max ${max}`).toHaveLength(14);
      expect(junit.match(/<failure /g), `max ${max}`).toHaveLength(24);
    }
  });

  it('escape JUnit XML after redaction, and keep Authorization schemes, cookie names, error codes and harmless query members', () => {
    const junit = junitReport(report);
    expect(junit).toContain('&lt;&amp;\\&quot;&apos;&gt; [REDACTED]');
    expect(junit).toContain('Authorization: Bearer [REDACTED]');
    expect(junit).toContain('Authorization: Basic [REDACTED]');
    expect(junit).toContain('Set-Cookie: session=[REDACTED]; HttpOnly');
    expect(junit).toContain('Location: http://rp/cb?code=[REDACTED]&amp;state=s');
    expect(junit).toContain('code=[REDACTED]&amp;redirect_uri=http://rp/cb');
    expect(junit).toContain('&quot;error&quot;: &quot;invalid_request&quot;');
    const orange = new Redactor().value({ code: 41, message: 'Invalid credentials' });
    expect(orange).toEqual({ code: 41, message: 'Invalid credentials' });
  });

  it('redact a form declared as one whatever its shape (a trailing &, a bare field, spaces), in the body and in curl', () => {
    const secret = 'code-0123456789-abcdef';
    const request = wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, rawBody: `grant_type=authorization_code&debug&code=${secret}& ` });
    const redactor = new Redactor();
    redactor.learn({ request });
    const redacted = redactor.exchange({ request });
    expect(redacted.request.body).not.toContain(secret);
    expect(redactor.curl(request)).not.toContain(secret);
    // Learned, so that the value is redacted wherever else it appears.
    expect(redactor.text(`the code ${secret} again`)).toBe('the code [REDACTED] again');
    // A URL is never learned as a secret: a code sent as `http://` would otherwise hide every address.
    const url = wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'http://' } });
    redactor.learn({ request: url });
    expect(redactor.text('see http://rp/cb')).toBe('see http://rp/cb');
  });

  it('write HTML that loads nothing from anywhere, with a summary per suite and a diff of expected against got', () => {
    const html = htmlReport(report);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/);
    expect(html).toMatch(/<a href="#s-authentication-fr">authentication-fr<\/a>.*?<td>0<\/td><td>6<\/td><td>0<\/td><td>6<\/td>/s);
    expect(html).toContain('<span class="ddel">-   &quot;access_token&quot;: &quot;[REDACTED]&quot;,</span>');
    expect(lineDiff(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual([{ op: ' ', line: 'a' }, { op: '-', line: 'b' }, { op: ' ', line: 'c' }, { op: '+', line: 'd' }]);
  });
});

describe('the flow memory', () => {
  const exchange = (request: Exchange['request'], response: HttpResponse): Exchange => ({ request, response, ms: 1 });

  it('remembers the client, nonce and scope an authorization code was asked with, and the scope a refresh token was granted', () => {
    const memory = new FlowMemory();
    const authorize = wireRequest(BASE, { method: 'GET', path: pathOf('authorize'), query: { response_type: 'code', client_id: 'c', scope: 'openid form_filling', redirect_uri: 'http://rp/cb', state: 's', nonce: 'n-1' } });
    memory.learn(exchange(authorize, { status: 302, headers: new HeaderList([['Location', 'http://rp/cb?code=C1&state=s']]), bytes: Buffer.alloc(0), text: '' }));
    const codeExchange = wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'C1', redirect_uri: 'http://rp/cb' } });
    expect(memory.contextFor(codeExchange)).toEqual({ clientId: 'c', nonce: 'n-1', scope: ['openid', 'form_filling'] });
    memory.learn(exchange(codeExchange, json(200, { access_token: 'a', refresh_token: 'R1', token_type: 'Bearer', expires_in: 1 })));
    const refresh = (scope?: string) => wireRequest(BASE, { method: 'POST', path: pathOf('refreshAccessToken'), form: { grant_type: REFRESH_TOKEN_GRANT_TYPE, refresh_token: 'R1', ...(scope ? { scope } : {}) } });
    expect(memory.contextFor(refresh())).toEqual({ scope: ['openid', 'form_filling'] });
    expect(memory.contextFor(refresh('openid check_id'))).toEqual({ scope: ['openid'] });
    expect(memory.contextFor(wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'unknown' } }))).toEqual({});
  });

  it("remembers the end-user of a code flow's access token, whose userinfo sub must be the id_token's", () => {
    const memory = new FlowMemory();
    const idToken = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'user-1' })).toString('base64url')}.sig`;
    const codeExchange = wireRequest(BASE, { method: 'POST', path: pathOf('exchangeAuthorizationCode'), form: { grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: 'C1', redirect_uri: 'http://rp/cb' } });
    memory.learn(exchange(codeExchange, json(200, { access_token: 'AT-1', id_token: idToken, token_type: 'Bearer', expires_in: 1 })));
    const userinfo = wireRequest(BASE, { method: 'GET', path: pathOf('getFormFillingUserInfo'), headers: { Authorization: 'Bearer AT-1' } });
    expect(memory.contextFor(userinfo)).toEqual({ subject: 'user-1' });
    const checks = (sub: string) => checkResponse('getFormFillingUserInfo', { ...json(200, { sub }, [['Cache-Control', 'no-store'], ['Pragma', 'no-cache']]) }, memory.contextFor(userinfo)).failures.map((f) => f.check);
    expect(checks('user-1')).toEqual([]);
    expect(checks('user-2')).toEqual(['cross-response']);
  });

  it('reads the scope a JWT bearer assertion asks for', () => {
    const payload = Buffer.from(JSON.stringify({ scope: ['atp_kyc_plain'] })).toString('base64url');
    const token = wireRequest(BASE, { method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: JWT_BEARER_GRANT_TYPE, assertion: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig` } });
    expect(new FlowMemory().contextFor(token)).toEqual({ scope: ['atp_kyc_plain'] });
  });
});
