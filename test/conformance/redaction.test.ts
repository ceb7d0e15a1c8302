/**
 * The known places where a hostile target put secrets that reports published (issue 23), each with its own test
 * over every writer (text, JUnit, HTML, JSON, HAR, curl, verdict lines; test/helpers/secrets.ts writerOutputs),
 * then what must stay readable, what reaches a terminal, and the footer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_HEADER_WORDS, SECRET_SHORT_WORDS, SECRET_WORDS, VALUE_WORDS } from '../../conformance/report/rules.js';
import { ROOT } from '../helpers/structure.js';
import { HeaderList } from '../../conformance/http.js';
import { Redactor, htmlReport, junitReport, redactionSummary, terminalText, textReport, visible, type Report } from '../../conformance/report/index.js';
import { exchange, pieces, writerOutputs } from '../helpers/secrets.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

const S = (n: number) => `Zq${n}hostile-SECRET-${'xK9'.repeat(4)}${n}`;

/** The writers whose output holds a piece of one of `secrets`. */
function leaking(exchanges: Parameters<typeof writerOutputs>[0], secrets: string[], profile: string[] = []): string[] {
  return Object.entries(writerOutputs(exchanges, profile)).filter(([, output]) => pieces(output, secrets).length).map(([writer]) => writer);
}

describe('the known places of issue 23', () => {
  it('a camelCase accessToken member (and its other case styles: ACCESS_TOKEN, AccessToken, access-token, x_api_key)', () => {
    const names = ['accessToken', 'ACCESS_TOKEN', 'AccessToken', 'access-token', 'x_api_key', 'refreshToken', 'idToken', 'clientSecret', 'sessionId'];
    const body = JSON.stringify(Object.fromEntries(names.map((n, i) => [n, S(i)])));
    expect(leaking([exchange({ request: { headers: [['Content-Type', 'application/json']], body }, response: { body } })], names.map((_, i) => S(i)))).toEqual([]);
  });

  it('a refresh_token inside a JSON-encoded string, two levels deep', () => {
    const body = JSON.stringify({ debug: JSON.stringify({ upstream: JSON.stringify({ refresh_token: S(1) }) }) });
    expect(leaking([exchange({ response: { body } })], [S(1)])).toEqual([]);
  });

  it('code= inside a form-shaped string', () => {
    expect(leaking([exchange({ response: { body: JSON.stringify({ note: `grant_type=authorization_code&code=${S(1)}&redirect_uri=x` }) } })], [S(1)])).toEqual([]);
  });

  it('a relative Location /cb?code=…, and its fragment', () => {
    const redirect = exchange({ request: { method: 'GET', path: '/openidconnect/fr/v1/authorize' }, response: { status: 302, headers: [['Location', `/cb?code=${S(1)}&state=s#access_token=${S(2)}&token_type=Bearer`]], body: '' } });
    expect(leaking([redirect], [S(1), S(2)])).toEqual([]);
    const { junit, html } = writerOutputs([redirect]);
    expect(junit).toContain('Location: /cb?code=[REDACTED]&amp;state=s#access_token=[REDACTED]&amp;token_type=Bearer');
    expect(html).toContain('Location:</span> /cb?code=[REDACTED]&amp;state=s#access_token=[REDACTED]&amp;token_type=Bearer');
  });

  it('X-Api-Key and X-Auth-Token headers, request and response', () => {
    const e = exchange({ request: { headers: [['X-Api-Key', S(1)], ['X-Auth-Token', S(2)]] }, response: { headers: [['Content-Type', 'application/json'], ['X-Api-Key', S(3)], ['X-Auth-Token', `Bearer ${S(4)}`]], body: '{}' } });
    expect(leaking([e], [S(1), S(2), S(3), S(4)])).toEqual([]);
    const { har } = writerOutputs([e]);
    expect(har).toMatch(/"name":"X-Auth-Token","value":"Bearer REDACTED-\d+"/);
  });

  it("the admin API's clientSecret and its session cookie value, in the HAR too", () => {
    const client = { clientId: 'my-app', clientSecret: S(1), redirectUris: ['http://127.0.0.1:3000/cb'], scopes: ['openid'] };
    const register = exchange({ request: { path: '/_sandbox/admin/clients', headers: [['Content-Type', 'application/json']], body: JSON.stringify(client) }, response: { status: 201, body: JSON.stringify(client) } });
    const session = exchange({ request: { path: adminPath('openSession'), headers: [['Content-Type', 'application/json']], body: '{"msisdn":"33600000000"}' }, response: { status: 201, body: JSON.stringify({ cookie: `sandbox_session=${S(2)}` }) } });
    const authorize = exchange({ request: { method: 'GET', path: '/openidconnect/fr/v1/authorize', headers: [['Cookie', `sandbox_session=${S(2)}`]] }, response: { status: 302, headers: [['Location', 'http://127.0.0.1:3000/cb?code=x']], body: '' } });
    expect(leaking([register, session, authorize], [S(1), S(2)])).toEqual([]);
    const { har } = writerOutputs([register, session, authorize]);
    expect(har).toMatch(/\\"cookie\\":\\"sandbox_session=REDACTED-\d+\\"/);
    expect(har).toContain('\\"clientId\\":\\"my-app\\"');
  });

  it('a UTF-16 body (LE and BE, with or without BOM, declared or not), whose access_token is stored with NULs between its characters', () => {
    for (const [encoding, bom, declared] of [['utf-16le', true, true], ['utf-16le', false, false], ['utf-16be', true, false], ['utf-16be', false, true]] as const) {
      const bytes = Buffer.from(`${bom ? '\ufeff' : ''}{"access_token":"${S(1)}","token_type":"Bearer"}`, 'utf16le');
      if (encoding === 'utf-16be') bytes.swap16();
      const e = exchange({ response: { headers: [['Content-Type', `application/json${declared ? `; charset=${encoding}` : ''}`]], body: bytes } });
      expect(leaking([e], [S(1)]), `${encoding} ${bom} ${declared}`).toEqual([]);
      // Reports show the decoded body, its non-secrets readable.
      expect(writerOutputs([e]).text, `${encoding} ${bom} ${declared}`).toContain('"token_type": "Bearer"');
    }
  });

  it('a token issued once and echoed elsewhere: free text, another header, a path, a percent-encoded URL in a parameter', () => {
    const issue = exchange({ response: { status: 200, body: JSON.stringify({ accessToken: S(1), token_type: 'Bearer', expires_in: 3600 }) } });
    const echo = exchange({
      request: { method: 'GET', path: `/x/${S(1)}?redirect_uri=${encodeURIComponent(`https://rp/cb?code=${S(2)}`)}` },
      response: { headers: [['Content-Type', 'application/json'], ['X-Debug', `saw:${S(1)}`]], body: JSON.stringify({ error: 'invalid_token', error_description: `token ${S(1)} unknown` }) },
    });
    expect(leaking([issue, echo], [S(1), S(2)])).toEqual([]);
  });

  it("a HAR entry's reason phrase and media types are redacted as text", () => {
    const redactor = new Redactor([], { correlate: true });
    redactor.add(S(1));
    expect(redactor.text(`OK ${S(1)}`)).toMatch(/^OK REDACTED-\d+$/);
    const e = exchange({ response: { headers: [['Content-Type', `application/json; access_token=${S(2)}`]], body: '{}' } });
    expect(leaking([e], [S(2)])).toEqual([]);
  });

  it('private keys: PEM blocks and the private members of a JWK, the public ones kept', () => {
    const body = JSON.stringify({ pem: `-----BEGIN RSA PRIVATE KEY-----\n${S(1)}\n-----END RSA PRIVATE KEY-----`, jwk: { kty: 'RSA', kid: 'k1', e: 'AQAB', n: 'public-modulus', d: S(2), p: S(3) } });
    expect(leaking([exchange({ response: { body } })], [S(1), S(2), S(3)])).toEqual([]);
    expect(new Redactor().body(body)).toContain('"n": "public-modulus"');
  });
});

describe('a hostile body of megabytes', () => {
  // Each once took time in the square of its length (every pair, or every part, scanned to the end): minutes for a
  // few megabytes, while the run learned from its responses and wrote its reports.
  it('of pairs, pairs in URLs, and Content-Disposition lines with no blank line, is redacted in one pass, its secret found', () => {
    const redactor = new Redactor();
    for (const filler of ['a=', 'u=http://x/?a=b&', 'a=%41', 'Content-Disposition: form-data; name="x"\n']) {
      const body = `${filler.repeat(Math.ceil(2_000_000 / filler.length))}&token=${S(1)}`;
      const out = redactor.text(body);
      expect(out, filler).not.toContain(S(1));
      expect(out.length, filler).toBeGreaterThan(2_000_000);
    }
  });
});

describe('what is no secret stays readable', () => {
  const redactor = new Redactor();
  const token = JSON.parse(redactor.body(JSON.stringify({ access_token: S(1), token_type: 'Bearer', expires_in: 3600, refresh_token_expires_in: 7200, scope: 'openid form_filling', id_token_signed_response_alg: 'HS256', token_endpoint: 'https://h/token', token_endpoint_auth_method: 'client_secret_basic' }))) as Record<string, unknown>;

  it('token_type, expires_in, scopes, endpoints and methods named after tokens', () => {
    expect(token).toEqual({ access_token: '[REDACTED]', token_type: 'Bearer', expires_in: 3600, refresh_token_expires_in: 7200, scope: 'openid form_filling', id_token_signed_response_alg: 'HS256', token_endpoint: 'https://h/token', token_endpoint_auth_method: 'client_secret_basic' });
  });

  it('error codes and descriptions, OAuth and Orange shapes, and codes that are no authorization code', () => {
    expect(redactor.value({ error: 'invalid_grant', error_description: 'The authorization code has expired' })).toEqual({ error: 'invalid_grant', error_description: 'The authorization code has expired' });
    expect(redactor.value({ code: 41, message: 'Invalid credentials', description: 'Expired credentials' })).toEqual({ code: 41, message: 'Invalid credentials', description: 'Expired credentials' });
    expect(redactor.value({ postal_code: '75001', country_code: 'FR', error_code: 'E42' })).toEqual({ postal_code: '75001', country_code: 'FR', error_code: 'E42' });
    expect(redactor.text('WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="The access token expired"')).toBe('WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="The access token expired"');
  });

  it('Authorization schemes, cookie names and attributes, claim names', () => {
    const headers = redactor.headers(new HeaderList([['Authorization', `DPoP ${S(1)}`], ['Cookie', `theme=dark; sid=${S(2)}`], ['Set-Cookie', `sandbox_session=${S(3)}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; SameSite=Lax`]]));
    expect(headers).toEqual([['Authorization', 'DPoP [REDACTED]'], ['Cookie', 'theme=[REDACTED]; sid=[REDACTED]'], ['Set-Cookie', 'sandbox_session=[REDACTED]; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; SameSite=Lax']]);
    expect(redactor.value({ claims: { sub: 'PBYJJF-1', nonce: 'n-1', auth_time: 1 } })).toEqual({ claims: { sub: 'PBYJJF-1', nonce: 'n-1', auth_time: 1 } });
  });

  it('a scheme with no credential after it is kept and never learned as a secret', () => {
    const learner = new Redactor();
    learner.learn({ request: { method: 'GET', url: 'http://h/x', headers: new HeaderList([['Authorization', 'Bearer'], ['X-Auth-Token', 'Basic']]), body: '' } });
    expect(learner.headers(new HeaderList([['Authorization', 'Bearer']]))).toEqual([['Authorization', 'Bearer']]);
    expect(learner.text('Bearer and Basic are schemes')).toBe('Bearer and Basic are schemes');
  });
});

describe('allow(value)', () => {
  it('keeps a generated value where a secret would stand and does not learn it from a request; known secrets stay redacted', () => {
    const fuzzed = 'fuzz-generated-value-0042';
    const profile = 'profile-client-secret-42';
    const redactor = new Redactor([profile]);
    redactor.allow(fuzzed);
    redactor.allow(profile);
    const request = { method: 'POST', url: `http://h/token?code=${fuzzed}`, headers: new HeaderList([['Authorization', `Bearer ${fuzzed}`]]), body: `client_secret=${profile}` };
    redactor.learn({ request });
    const redacted = redactor.exchange({ request });
    expect(redacted.request.url).toBe(`http://h/token?code=${fuzzed}`);
    expect(redacted.request.headers).toEqual([['Authorization', `Bearer ${fuzzed}`]]);
    expect(redacted.request.body).toBe('client_secret=[REDACTED]');
    // A token the run is issued stays redacted, allowed or not.
    const issued = 'issued-access-token-0007';
    redactor.allow(issued);
    redactor.learn({ request, response: { status: 200, headers: new HeaderList([['Content-Type', 'application/json']]), bytes: Buffer.from(`{"access_token":"${issued}"}`), text: `{"access_token":"${issued}"}` } });
    expect(redactor.text(`got ${issued}, sent ${fuzzed}`)).toBe(`got [REDACTED], sent ${fuzzed}`);
  });
});

describe('what reaches a terminal', () => {
  const HOSTILE = 'a\x1b[2J\x1b[31mred\x1b[0m\rover\x00nul\x07bel\x7fdel\x9bcsi\u202eevil\u2066iso\u200bzw\u2028ls';
  const report = (): Report => {
    const e = exchange({ request: { method: 'GET', path: '/openidconnect/fr/v1/authorize' }, response: { headers: [['Content-Type', 'text/plain'], ['X-Note', HOSTILE]], body: `${HOSTILE}\nline two` } });
    return {
      title: 'conformance', target: 'http://127.0.0.1:9', startedAt: new Date(0).toISOString(), ms: 1, redactor: new Redactor(),
      entries: [{ suite: 'hostile', name: `case ${HOSTILE}`, outcome: 'failed', ms: 1, failures: [{ check: 'status', expected: '200', got: HOSTILE, step: 'step 1' }], exchanges: [{ ...e, label: 'step 1' }, e] },
        { suite: 'hostile', name: 'skipped', outcome: 'skipped', reason: HOSTILE, ms: 0, failures: [], exchanges: [] }],
    };
  };

  it('text reports show C0 and C1 controls, DEL, bidi and zero-width characters as visible escapes, and keep only their own newlines', () => {
    for (const text of [textReport(report()), textReport(report(), { reproducers: true })]) {
      expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029]/);
      expect(text).toContain('a\\x1b[2J\\x1b[31mred\\x1b[0m\\x0dover\\x00nul\\x07bel\\x7fdel\\x9bcsi\\u202eevil\\u2066iso\\u200bzw\\u2028ls');
      // The target's newline stays inside its entry.
      expect(text).toContain('⏎ line two');
      expect(text.split('\n').some((l) => l.startsWith('line two'))).toBe(false);
    }
  });

  it('progress and verdict lines are redacted and shown rather than obeyed', () => {
    expect(terminalText(`#3 GET /cb?code=${S(1)} ${HOSTILE}\nforged`)).toBe(`#3 GET /cb?code=[REDACTED] ${visible(HOSTILE)}\\x0aforged`);
    expect(visible(HOSTILE)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it('JUnit holds nothing XML 1.0 cannot and shows controls as escapes; HTML escapes markup and shows controls', () => {
    const junit = junitReport(report());
    expect(junit).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/);
    expect(junit).toContain('\\x1b[2J');
    const html = htmlReport({ ...report(), entries: [{ ...report().entries[0]!, name: '<script>alert(1)</script>' }] });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]/);
  });

  it('curl reproducers write what a terminal would obey with $\'…\' escapes, exactly', () => {
    const curl = new Redactor().curl({ method: 'POST', url: 'http://h/x', headers: new HeaderList([['X-Note', 'a\x1b[2Jb']]), body: 'raw \x07 body' });
    expect(curl).toBe("curl -sS -i -g -X POST 'http://h/x' -H $'X-Note: a\\x1b[2Jb' --data-raw $'raw \\x07 body'");
  });
});

describe('the footer', () => {
  it('and the guide name every word the rules read', () => {
    const guide = readFileSync(path.join(ROOT, 'docs/conformance.md'), 'utf8');
    const section = guide.slice(guide.indexOf('### What is redacted'), guide.indexOf('### What reaches a terminal'));
    for (const word of [...SECRET_WORDS, ...SECRET_SHORT_WORDS, ...SECRET_HEADER_WORDS, ...VALUE_WORDS]) {
      expect(section, word).toMatch(new RegExp(`\\b${word}\\b`));
      expect(redactionSummary(), word).toContain(`\`${word}\``);
    }
  });

  it('states what is redacted, from the rules the redactor applies, and what stays readable', () => {
    const footer = redactionSummary();
    for (const word of ['`key`', '`token`', '`secret`', '`auth`', '`session`', '`cookie`', '`password`', 'userinfo', 'JWTs', 'PEM private keys', 'UTF-16', 'any case style']) expect(footer).toContain(word);
    expect(footer).toMatch(/Left readable: .*token types, scopes, expiry times, error codes and descriptions/);
    expect(redactionSummary(true)).toContain('REDACTED-n');
    const html = htmlReport({ title: 'conformance', target: 'http://h', startedAt: new Date(0).toISOString(), ms: 1, entries: [], redactor: new Redactor() });
    expect(html).toContain(`<footer><p>${footer.replace(/'/g, '&#39;')}</p>`);
  });
});
