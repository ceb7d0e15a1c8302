import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, type RunningMock } from '../../conformance/mock.js';
import { loadCatalogue } from '../../conformance/catalogue.js';
import { loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { runConformance } from '../../conformance/runner.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);

/** How the wrong target breaks a response: on `path`, for the example the runner asks for. */
type Mutation = (r: { status: number; headers: Record<string, string>; body: string }) => void;
const MUTATIONS: { id: string; check: string; path: string; example: string; mutate: Mutation }[] = [
  { id: 'form-id-fr/getFormFillingUserInfo/403/InsufficientScope', check: 'status', path: '/formfilling/', example: 'InsufficientScope', mutate: (r) => { r.status = 401; } },
  { id: 'direct-match-id-fr/requestJwtBearerToken/200/AccessToken', check: 'schema', path: '/oauth-jwt/', example: 'AccessToken', mutate: (r) => {
    const { access_token: _dropped, ...rest } = JSON.parse(r.body);
    r.body = JSON.stringify(rest);
  } },
  { id: 'direct-match-id-fr/matchIdentity/400/MsisdnMissing', check: 'example', path: '/direct-matchid/', example: 'MsisdnMissing', mutate: (r) => { r.body = r.body.replace('invalid_request', 'invalid_parameter'); } },
  { id: 'id-match-es/verifyPremiumInfo/400/InvalidBody', check: 'content-type', path: '/idmatch/', example: 'InvalidBody', mutate: (r) => { r.headers['content-type'] = 'text/plain'; } },
  { id: 'match-id-fr/getCheckIdUserInfo/200/CheckIdClaims', check: 'status', path: '/checkid/', example: 'CheckIdClaims', mutate: (r) => { r.status = 502; r.body = '{"error":"bad_gateway"}'; } },
  { id: 'form-id-fr/getFormFillingUserInfo/200/FormFillingClaims', check: 'header', path: '/formfilling/', example: 'FormFillingClaims', mutate: (r) => { delete r.headers['cache-control']; } },
];

let mock: RunningMock;
let wrong: TestServer;
beforeAll(async () => {
  mock = await startMock();
  // A deliberately wrong target: the mock, with some responses broken.
  wrong = await startServer(async (req, res) => {
    const upstream = await fetch(mock.url + req.url, {
      method: req.method, redirect: 'manual',
      headers: Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)) as [string, string][],
      ...(req.method === 'POST' ? { body: req.body } : {}),
    });
    const response = { status: upstream.status, headers: Object.fromEntries(upstream.headers), body: await upstream.text() };
    delete response.headers['content-length'];
    delete response.headers['transfer-encoding'];
    const example = /example=(\w+)/.exec(String(req.headers.prefer ?? ''))?.[1];
    MUTATIONS.find((m) => m.example === example && req.url.startsWith(m.path))?.mutate(response);
    res.writeHead(response.status, response.headers);
    res.end(response.body);
  });
}, 60_000);
afterAll(async () => { await wrong?.close(); await mock?.stop(); });

describe('the conformance suite against a deliberately wrong target', () => {
  it('fails each broken case, names it and the check that caught it, and passes the rest', async () => {
    const { entries: results } = await runConformance({ baseUrl: wrong.url, profile: loadProfile(resolveProfilePath('mock')).profile });
    const failed = results.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.id).sort()).toEqual(MUTATIONS.map((m) => m.id).sort());
    for (const { id, check } of MUTATIONS) {
      expect(failed.find((r) => r.id === id)!.failures.map((f) => f.check), id).toContain(check);
    }
    expect(results.filter((r) => r.outcome === 'passed')).toHaveLength(results.filter((r) => !r.variant).length - failed.length);
  });

  it('exits 1 from the command line, names the failures with expected and got, and writes them to JUnit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'teeth-'));
    const junit = path.join(dir, 'junit.xml');
    const result = await run(process.execPath, ['bin/orange-identity.js', 'conformance', '--target', wrong.url, '--report', junit], { cwd: REPO_ROOT })
      .then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ direct-match-id-fr/matchIdentity/400/MsisdnMissing');
    expect(result.stdout).toContain('example: expected {"error":"invalid_request","error_description":"REQUIRED parameter msisdn is missing"}');
    expect(result.stdout).toContain('got      {"error":"invalid_parameter","error_description":"REQUIRED parameter msisdn is missing"}');
    const { cases } = loadCatalogue();
    const valueCases = cases.filter((c) => c.variant).length;
    expect(result.stdout).toMatch(new RegExp(`total\\s+${cases.length - valueCases - MUTATIONS.length}\\s+${MUTATIONS.length}\\s+${valueCases}\\s+${cases.length}`));
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain(`failures="${MUTATIONS.length}"`);
    expect(xml).toContain('name="id-match-es/verifyPremiumInfo/400/InvalidBody"');
  });

  it('exits 2 on configuration errors: unknown API, invalid profile, unreachable target', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ name: 'bad', kind: 'sometimes' }));
    for (const args of [['--api', 'nope'], ['--profile', path.join(dir, 'bad.json')], ['--target', 'http://127.0.0.1:9']]) {
      const result = await run(process.execPath, ['bin/orange-identity.js', 'conformance', ...args], { cwd: REPO_ROOT })
        .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^error: (unknown API nope|profile .* is invalid: profile\/kind must be equal to one of the allowed values|cannot reach)/);
    }
  });
});
