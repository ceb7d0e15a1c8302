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
import { isMockOnly } from '../../conformance/types.js';
import { htmlReport, junitReport, textReport } from '../../conformance/report/index.js';
import type { ApiSlug } from '../../src/contract/load.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { resignHs256, setJson, startBreakingProxy, type Break, type Outgoing } from '../helpers/breaking-proxy.js';
import { startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
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
});
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
    const result = await run(process.execPath, ['bin/orange-identity.js', 'conformance', '--target', wrong.url, '--profile', 'mock', '--report', junit], { cwd: REPO_ROOT })
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

// The sandbox passes every case; each target below is the sandbox behind a proxy that breaks it in one way.
const sandboxProfile = loadProfile(resolveProfilePath('sandbox'));
const SECRET = sandboxProfile.profile.authentication!.clientSecret!;
const { cases: CATALOGUE } = loadCatalogue();
// Against the sandbox (its profile declares the admin API) every case runs, the mock-only ones through faults.
const LIVE = sandboxProfile.profile.sandboxAdmin ? CATALOGUE : CATALOGUE.filter((c) => !(c.trigger && isMockOnly(c.trigger)));
const ids = (filter: (c: (typeof CATALOGUE)[number]) => boolean) => LIVE.filter(filter).map((c) => c.id);
const A = 'authentication-fr';
const DM = 'direct-match-id-fr';
const ES = 'id-match-es';

/** The preconditions of the live runs: the end-user's code flow, the Direct Match key. */
const END_USER = `${A}/exchangeAuthorizationCode/200/Tokens#end-user-session`;
const PROFILE_KEY = `${DM}/requestJwtBearerToken/200/AccessToken#profile-key`;
/** Every case that sees a successful code exchange: its own request, or a step before it. */
const CODE_EXCHANGES = [
  END_USER,
  `${A}/exchangeAuthorizationCode/200/Tokens`,
  `${A}/exchangeAuthorizationCode/200/TokensWithRefreshToken`,
  `${A}/exchangeAuthorizationCode/400/InvalidGrant`, // the code is exchanged once, then again
  `${A}/refreshAccessToken/200/RefreshedAccessToken`, // the refresh token comes from a code exchange
  `${A}/refreshAccessToken/400/InvalidScope`,
  // The OpenID userinfo cases call with a token of the code flow.
  ...['getOpenIdUserInfo', 'postOpenIdUserInfo'].flatMap((op) => [`${A}/${op}/200/Subject`, `${A}/${op}/404/ResourceNotFound`]),
];
/** Every case that needs an authorization code first. */
const CODES = [...CODE_EXCHANGES, `${A}/exchangeAuthorizationCode/400/InvalidGrant#other-redirect-uri`];
/** Changes the JSON body of an operation's 200 responses. */
const whenOk = (operationId: string, change: (body: any) => void): Break => (r, ctx) => {
  if (ctx.operationId !== operationId || r.status !== 200) return;
  const body = ctx.json();
  change(body);
  setJson(r, body);
};
const idToken = (change: (claims: Record<string, unknown>) => Record<string, unknown>) =>
  whenOk('exchangeAuthorizationCode', (body) => { body.id_token = resignHs256(body.id_token, change, SECRET); });
const header = (r: Outgoing, name: string) => r.headers.find(([k]) => k.toLowerCase() === name.toLowerCase());

/** A server that compares ID Match Spain claims as they are, without the page's normalisation. */
const exactVerdict = (sent: Record<string, unknown>, held: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(sent).flatMap(([k, v]) =>
  v && typeof v === 'object' ? [[k, exactVerdict(v as Record<string, unknown>, (held[k] ?? {}) as Record<string, unknown>)]] : v === held[k] ? [[k, v], [`${k}_match`, true]] : [[`${k}_match`, false]]));

interface LiveBreak {
  name: string;
  apis: ApiSlug[];
  breaks: Break;
  /** The cases that must fail, and the check each must name (the `step` flag: on a step before its request). */
  fails: Record<string, { check: string; step?: boolean }>;
  /** The cases that must be skipped as blocked by a broken precondition, and that precondition. */
  blocked?: { by: string; cases: string[] };
}
const each = (list: string[], check: string, step?: boolean) => Object.fromEntries(list.map((id) => [id, { check, ...(step ? { step } : {}) }]));

const LIVE_BREAKS: LiveBreak[] = [
  { name: "the id_token's aud is another client", apis: [A], breaks: idToken((c) => ({ ...c, aud: 'another-client' })), fails: each(CODE_EXCHANGES, 'jwt') },
  { name: "the id_token's iss lacks its trailing slash", apis: [A], breaks: idToken((c) => ({ ...c, iss: String(c.iss).replace(/\/$/, '') })), fails: each(CODE_EXCHANGES, 'jwt') },
  { name: 'the id_token is about another end-user', apis: [A], breaks: idToken((c) => ({ ...c, sub: 'PBYJJF-200-someone-else' })), fails: each(CODE_EXCHANGES, 'jwt') },
  { name: 'the id_token carries another nonce', apis: [A], breaks: idToken((c) => ({ ...c, nonce: 'replayed-nonce' })), fails: each(CODE_EXCHANGES, 'jwt') },
  { name: 'the id_token expires before it is issued', apis: [A], breaks: idToken((c) => ({ ...c, exp: Number(c.iat) - 1 })), fails: each(CODE_EXCHANGES, 'jwt') },
  { name: "the id_token's claims are changed without the client secret", apis: [A], fails: each(CODE_EXCHANGES, 'jwt'),
    breaks: whenOk('exchangeAuthorizationCode', (body) => { const [h, , sig] = body.id_token.split('.'); body.id_token = `${h}.${resignHs256(body.id_token, (c) => ({ ...c, sub: 'someone-else' }), 'x').split('.')[1]}.${sig}`; }) },
  { name: 'error bodies carry a debug trace', apis: [A, 'form-id-fr', 'match-id-fr', ES, DM], fails: each(ids((c) => Number(c.status) >= 400 && c.example.mediaType === 'application/json'), 'undocumented-member'),
    breaks: (r, ctx) => { if (r.status >= 400 && header(r, 'content-type')?.[1].startsWith('application/json')) setJson(r, { ...ctx.json(), trace: 'at Handler.run (server.js:42)' }); } },
  { name: 'matchid sends X-OAPI-Request-Id twice', apis: [DM], fails: each(ids((c) => c.operation.operationId === 'matchIdentity' && ['200', '400'].includes(c.status)), 'header-once'),
    breaks: (r, ctx) => { if (ctx.operationId === 'matchIdentity') r.headers.push(['X-OAPI-Request-Id', 'again']); } },
  { name: 'premiuminfo declares its JSON as ISO-8859-1', apis: [ES], fails: each(ids((c) => c.slug === ES), 'content-type'),
    breaks: (r, ctx) => { if (ctx.operationId === 'verifyPremiumInfo') header(r, 'content-type')![1] = 'application/json; charset=iso-8859-1'; } },
  { name: 'the metadata issuer has a trailing slash, so it is not the assertion audience', apis: [DM], fails: each([`${DM}/getAuthorizationServerMetadata/200/Metadata`], 'cross-response'),
    breaks: whenOk('getAuthorizationServerMetadata', (body) => { body.issuer = `${body.issuer}/`; }) },
  { name: 'the code exchange grants a scope that was not asked for', apis: [A], fails: each(CODE_EXCHANGES, 'scope'),
    breaks: whenOk('exchangeAuthorizationCode', (body) => { body.scope = 'openid form_filling check_id'; }) },
  { name: 'matchid scores 100 for a near miss', apis: [DM], fails: each([`${DM}/matchIdentity/200/Scores#near-miss`, `${DM}/matchIdentity/200/Scores#partial`], 'score'),
    breaks: whenOk('matchIdentity', (body) => { for (const k of Object.keys(body)) if (typeof body[k] === 'number') body[k] = 100; else for (const f of Object.keys(body[k])) body[k][f] = 100; }) },
  { name: 'premiuminfo compares claims without normalising them', apis: [ES], fails: each(['case', 'spaces', 'special-characters', 'msisdn-prefix', 'accents'].map((rule) => `${ES}/verifyPremiumInfo/200/SeveralClaims#${rule}`), 'match'),
    breaks: (r, ctx) => { if (ctx.operationId === 'verifyPremiumInfo' && r.status === 200) setJson(r, exactVerdict(JSON.parse(ctx.request.body), sandboxProfile.profile.idMatchSubject!.claims)); } },
  { name: 'the code exchange gives no refresh token', apis: [A], fails: { [`${A}/exchangeAuthorizationCode/200/TokensWithRefreshToken`]: { check: 'example' }, ...each([`${A}/refreshAccessToken/200/RefreshedAccessToken`, `${A}/refreshAccessToken/400/InvalidScope`], 'trigger') },
    breaks: whenOk('exchangeAuthorizationCode', (body) => { delete body.refresh_token; }) },
  // The end-user precondition gets no code: it fails, naming the missing Location at its step; what needs a code is blocked.
  { name: 'authorize redirects without a Location', apis: [A], fails: { ...each([`${A}/authorize/302/AccessDenied`, `${A}/authorize/302/InvalidScope`], 'header'), [END_USER]: { check: 'precondition' } },
    blocked: { by: END_USER, cases: [`${A}/authorize/302/AuthorizationCode`, `${A}/authorizeWithForm/302/AuthorizationCode`, ...CODES.filter((id) => id !== END_USER)] },
    breaks: (r, ctx) => { if (ctx.operationId === 'authorize' && r.status === 302) r.headers = r.headers.filter(([k]) => k.toLowerCase() !== 'location'); } },
  { name: 'token responses lose Cache-Control', apis: [A], fails: each(CODE_EXCHANGES, 'header'),
    breaks: (r, ctx) => { if (ctx.operationId?.match(/^(exchangeAuthorizationCode|refreshAccessToken)$/) && r.status === 200) r.headers = r.headers.filter(([k]) => k.toLowerCase() !== 'cache-control'); } },
  { name: 'the metadata names a token endpoint the contract does not have', apis: [DM], fails: each([`${DM}/getAuthorizationServerMetadata/200/Metadata`], 'cross-response'),
    breaks: whenOk('getAuthorizationServerMetadata', (body) => { body.token_endpoint = body.token_endpoint.replace(/token$/, 'access_token'); }) },
  { name: 'the metadata drops the JWT bearer grant type', apis: [DM], fails: each([`${DM}/getAuthorizationServerMetadata/200/Metadata`], 'example'),
    breaks: whenOk('getAuthorizationServerMetadata', (body) => { body.grant_types_supported = ['client_credentials']; }) },
  // Every case that gets a Direct Match token checks the token response, as a step: all but the three matchid
  // cases that send no token or the profile's token without a user.
  { name: 'the JWT bearer token response loses Cache-Control', apis: [DM], breaks: (r, ctx) => { if (ctx.operationId === 'requestJwtBearerToken' && r.status === 200) r.headers = r.headers.filter(([k]) => k.toLowerCase() !== 'cache-control'); },
    fails: { ...each([`${DM}/requestJwtBearerToken/200/AccessToken`, PROFILE_KEY], 'header'), // Every matchid case that gets its token from the token endpoint first (the faults' cases send a fixed one).
    ...each(ids((c) => c.operation.operationId === 'matchIdentity' && !(c.trigger && isMockOnly(c.trigger)) && !['NoUserIdInAccessToken', 'MissingCredentials', 'InvalidCredentials'].includes(c.example.name)), 'header', true) } },
  { name: 'authorize redirects to a redirect URI that is not registered', apis: [A], fails: each([`${A}/authorize/400/InvalidRequestPage#unregistered-redirect-uri`], 'status'),
    breaks: (r, ctx) => { if (ctx.operationId === 'authorize' && r.status === 400 && r.body.includes('redirect_uri')) { r.status = 302; r.headers.push(['Location', `${new URL(ctx.request.url).searchParams.get('redirect_uri')}?code=leaked`]); r.body = ''; } } },
  { name: 'one matchid error row is reworded', apis: [DM], fails: each([`${DM}/matchIdentity/400/MsisdnMismatch`], 'error-value'),
    breaks: (r, ctx) => { if (ctx.operationId === 'matchIdentity' && r.body.includes("doesn't match")) setJson(r, { ...ctx.json(), error_description: 'MSISDN mismatch' }); } },
];

describe('the conformance suite against deliberately wrong live targets (the sandbox behind a breaking proxy)', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => { sandbox = await startSandbox(); });
  afterAll(async () => { await sandbox?.close(); });

  it.each(LIVE_BREAKS.map((b) => [b.name, b] as const))('catch a target where %s: exactly the cases it breaks fail, each naming the check', async (_name, b) => {
    const proxy = await startBreakingProxy(sandbox.url, b.breaks);
    try {
      const { entries } = await runConformance({ baseUrl: proxy.url, profile: sandboxProfile.profile, apis: b.apis });
      const failed = entries.filter((e) => e.outcome === 'failed');
      expect(failed.map((e) => e.id).sort()).toEqual(Object.keys(b.fails).sort());
      for (const [id, { check, step }] of Object.entries(b.fails)) {
        const found = failed.find((e) => e.id === id)!.failures.filter((f) => f.check === check);
        expect(found.length, `${id} names ${check}: ${JSON.stringify(failed.find((e) => e.id === id)!.failures)}`).toBeGreaterThan(0);
        if (step) expect(found.every((f) => f.step?.startsWith('step 1:')), id).toBe(true);
      }
      const blocked = entries.filter((e) => e.reason?.startsWith('blocked by '));
      expect(blocked.map((e) => e.id).sort()).toEqual([...(b.blocked?.cases ?? [])].sort());
      expect(blocked.every((e) => e.outcome === 'skipped' && e.reason === `blocked by ${b.blocked!.by}`)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('keep every token the target issued out of the text, JUnit and HTML reports, even when failures print them, and list every failed case', async () => {
    // Token responses echo what they issue in an undocumented member: each such failure prints the tokens.
    const proxy = await startBreakingProxy(sandbox.url, (r, ctx) => {
      if (r.status !== 200 || !ctx.operationId?.match(/Token|exchangeAuthorizationCode/)) return;
      const body = ctx.json();
      setJson(r, { ...body, debug: `issued ${body.access_token} ${body.refresh_token ?? ''} ${body.id_token ?? ''} for ${ctx.request.body}` });
    });
    try {
      const run = await runConformance({ baseUrl: proxy.url, profile: sandboxProfile.profile, secrets: sandboxProfile.secrets });
      const state = sandbox.sandbox.state;
      const issued = [...state.tokens.keys(), ...state.refreshTokens.keys()].filter((t) => !sandboxProfile.secrets.includes(t));
      expect(issued.length).toBeGreaterThan(10);
      const failed = run.entries.filter((e) => e.outcome === 'failed');
      expect(failed.length).toBeGreaterThan(10);
      for (const [name, output] of [['text', textReport(run)], ['text, short fields', textReport(run, { maxField: 40 })], ['junit', junitReport(run)], ['html', htmlReport(run)]] as const) {
        expect(issued.filter((t) => output.includes(t)), name).toEqual([]);
        expect(sandboxProfile.secrets.filter((t) => output.includes(t)), name).toEqual([]);
        expect(output, name).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
        for (const e of failed) expect(output, `${name} lists ${e.id}`).toContain(name === 'html' ? `<span class="name">${e.id.replace(/&/g, '&amp;')}</span>` : name === 'junit' ? `name="${e.id}"` : `✗ ${e.id}\n`);
      }
    } finally {
      await proxy.close();
    }
  });
});
