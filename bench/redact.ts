/**
 * `npm run bench:redact`: what redaction costs in reports of thousands of entries. A run of N failed entries, each
 * with a token exchange (a token issued, learned) and an echo of it in a body, a header, a URL and free text, so
 * that the redactor knows N secrets; the four writers (text, JUnit, HTML, JSON) and the HAR entries are timed
 * against a baseline measured in the same run: the same exchanges serialized as JSON with no redaction. Run for
 * two sizes, so that the cost per entry shows whether it grows with the number of secrets known (it should not:
 * known secrets are found in one rolling-hash pass, whatever their number). Figures are printed; nothing asserted.
 */
import { harEntry, type ObservedExchange } from '../conformance/har.js';
import { HeaderList, type HttpResponse, type WireRequest } from '../conformance/http.js';
import { Redactor, htmlReport, jsonReport, junitReport, textReport, type RecordedExchange, type Report, type ReportEntry } from '../conformance/report/index.js';

const ORIGIN = 'http://127.0.0.1:9';

function exchanges(i: number): RecordedExchange[] {
  const token = `OFR_access_${i}_${(i * 2654435761 % 2 ** 32).toString(36)}_${'x'.repeat(20)}`;
  const code = `SBX-code-${i}-${(i * 40503 % 65536).toString(16)}`;
  const json = (status: number, body: unknown, headers: [string, string][] = []): HttpResponse => {
    const text = JSON.stringify(body);
    return { status, headers: new HeaderList([['Content-Type', 'application/json'], ...headers]), bytes: Buffer.from(text), text };
  };
  const request = (method: string, path: string, headers: [string, string][], body = ''): WireRequest => ({ method, url: `${ORIGIN}${path}`, headers: new HeaderList(headers), body });
  return [
    { label: 'step 1', request: request('POST', '/openidconnect/fr/v1/token', [['Content-Type', 'application/x-www-form-urlencoded'], ['Authorization', 'Basic Y2xpZW50OnNlY3JldA==']], `grant_type=authorization_code&code=${code}&redirect_uri=http%3A%2F%2Frp%2Fcb`),
      response: json(200, { token_type: 'Bearer', access_token: token, refresh_token: `${token}-r`, expires_in: 3600, scope: 'openid form_filling' }), ms: 2 },
    { request: request('GET', `/formfilling/fr/v1/userinfo?access_token=${token}`, [['Authorization', `Bearer ${token}`]]),
      response: json(401, { error: 'invalid_token', error_description: `token ${token} refused`, data: JSON.stringify({ accessToken: token, note: `code=${code}` }), given_name: 'Jean', family_name: 'Dupont', address: { street: '1 rue de la Paix', postal_code: '75002', country: 'FR' } },
        [['Location', `/cb?code=${code}&state=s`], ['X-Api-Key', token], ['Set-Cookie', `session=${token}; Path=/; HttpOnly`]]), ms: 1 },
  ];
}

function run(n: number) {
  const redactor = new Redactor(['profile-client-secret-42']);
  const recorded = Array.from({ length: n }, (_, i) => exchanges(i));
  let start = performance.now();
  for (const pair of recorded) for (const e of pair) redactor.learn(e);
  const learn = performance.now() - start;
  const entries: ReportEntry[] = recorded.map((pair, i) => ({
    suite: i % 2 ? 'form-id-fr' : 'authentication-fr', name: `case-${i}`, group: 'op', outcome: 'failed', ms: 1,
    failures: [{ check: 'status', expected: '200', got: `401 ${pair[1]!.response!.text}` }, { check: 'value', expected: { error: 'x' }, got: JSON.parse(pair[1]!.response!.text), at: '/error' }],
    exchanges: pair,
  }));
  const report: Report = { title: 'conformance', target: ORIGIN, startedAt: new Date(0).toISOString(), ms: 1, entries, redactor };

  start = performance.now();
  const baseline = JSON.stringify(recorded.map((pair) => pair.map((e) => ({ ...e, request: { ...e.request, headers: e.request.headers.entries }, response: { ...e.response, bytes: undefined, headers: e.response?.headers.entries } }))), null, 2);
  const serialize = performance.now() - start;

  start = performance.now();
  const written = [textReport(report), junitReport(report), htmlReport(report), jsonReport(report)];
  const writers = performance.now() - start;

  const recorder = new Redactor([], { correlate: true });
  start = performance.now();
  let harBytes = 0;
  for (const pair of recorded) {
    for (const e of pair) {
      const observed: ObservedExchange = { request: e.request, ...(e.response ? { response: e.response } : {}), startedAt: new Date(0), timings: { send: 1, wait: 1, receive: 1 }, httpVersion: 'HTTP/1.1' };
      recorder.learn(observed);
      harBytes += JSON.stringify(harEntry(observed, recorder)).length;
    }
  }
  const har = performance.now() - start;
  return { n, learn, serialize, writers, har, bytes: baseline.length + written.reduce((s, w) => s + w.length, 0) + harBytes };
}

run(200); // warm-up
const figures = [run(1000), run(5000)];
const ms = (v: number) => `${v.toFixed(0).padStart(6)} ms`;
console.log('entries  secrets  learn      4 writers  HAR        baseline (JSON, no redaction)  writers/baseline  per entry (writers)');
for (const f of figures) {
  console.log(`${String(f.n).padStart(7)}  ${String(f.n * 2).padStart(7)}  ${ms(f.learn)}  ${ms(f.writers)}  ${ms(f.har)}  ${ms(f.serialize)}                      ${(f.writers / f.serialize).toFixed(1).padStart(5)}x            ${(f.writers / f.n).toFixed(3)} ms`);
}
const [small, large] = figures as [ReturnType<typeof run>, ReturnType<typeof run>];
console.log(`cost per entry, ${large.n} entries against ${small.n}: ${((large.writers / large.n) / (small.writers / small.n)).toFixed(2)}x (1.0 = linear in the entries, whatever the secrets known); ${(large.bytes / 2 ** 20).toFixed(0)} MB written`);
