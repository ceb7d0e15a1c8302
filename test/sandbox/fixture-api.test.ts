/**
 * The sandbox as an in-process test fixture (`orange-identity-contracts/sandbox`): options, listen and close, the
 * clock, faults, reset, isolation between instances, and their admin-API equivalents.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClock, createSandbox, FaultError, FixtureError, type Sandbox } from '../../sandbox/index.js';
import { operation, type OperationId } from '../../src/contract/operations.js';
import { responseExample } from '../helpers/contract.js';
import { defaultFixture, post } from '../helpers/sandbox.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

const JSON_H = { 'Content-Type': 'application/json' };
const sandbox = createSandbox();
let url: string;
beforeAll(async () => { url = await sandbox.listen(); });
afterEach(() => sandbox.reset());
afterAll(() => sandbox.close());

const mint = async (base = url, scope = ['openid', 'check_id']) =>
  (await post(`${base}${adminPath('mintAccessToken')}`, { msisdn: '33600000000', scope }, JSON_H)).body.access_token as string;
const userinfo = (token: string, base = url) => fetch(`${base}/checkid/fr/v1/userinfo`, { headers: { Authorization: `Bearer ${token}` } });
const matchid = (headers: Record<string, string> = {}, base = url) =>
  fetch(`${base}/direct-matchid/fr/v1/matchid`, { method: 'POST', headers: { ...JSON_H, ...headers }, body: JSON.stringify({ msisdn: '33600000000' }) });
/** A named example of the contract, `slug/operationId/status/name`, read from the bundle. */
const faultsArmed = async () => (await (await fetch(`${url}${adminPath('listFaults')}`)).json()) as { faults: { operationId: string }[] };
const documented = (id: string) => {
  const [slug, operationId, status, name] = id.split('/') as [string, OperationId, string, string];
  const { path: at, method } = operation(operationId);
  return responseExample(slug, at, method.toLowerCase(), status, name);
};

describe('createSandbox', () => {
  it('listens on a free loopback port by default and tells its URL', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.url).toBe(url);
  });

  it('takes a fixture as an object or as a file, and refuses an invalid one naming the field', async () => {
    const fixture = defaultFixture();
    fixture.accessTokenLifetime = 5;
    const fromObject = createSandbox({ fixture });
    expect(fromObject.state.accessTokenLifetime).toBe(5);
    const dir = await mkdtemp(path.join(tmpdir(), 'fixture-'));
    try {
      await writeFile(path.join(dir, 'f.json'), JSON.stringify({ ...fixture, codeLifetime: 7 }));
      expect(createSandbox({ fixture: path.join(dir, 'f.json') }).state.codeLifetime).toBe(7);
      await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ subscribers: [{ msisdn: 'x', sub: 's' }], clients: [] }));
      expect(() => createSandbox({ fixture: path.join(dir, 'bad.json') })).toThrow(FixtureError);
      expect(() => createSandbox({ fixture: path.join(dir, 'bad.json') })).toThrow('/subscribers/0/msisdn');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('closes before or without listening', async () => {
    await createSandbox().close();
  });
});

describe('the clock', () => {
  it('expires a token once advanced past its lifetime, without waiting', async () => {
    const token = await mint();
    expect((await userinfo(token)).status).toBe(200);
    sandbox.clock.advance(3599);
    expect((await userinfo(token)).status).toBe(200);
    sandbox.clock.advance(1);
    const expired = await userinfo(token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual(documented('match-id-fr/getCheckIdUserInfo/401/InvalidToken'));
  });

  it('follows the clock it is given (a fake source), and can be set to an instant', async () => {
    let fake = Date.UTC(2030, 0, 1);
    const own = createSandbox({ clock: createClock(() => fake) });
    const base = await own.listen();
    try {
      const first = await mint(base);
      fake += 3_600_000;
      expect((await userinfo(first, base)).status).toBe(401);
      const second = await mint(base);
      own.clock.set(fake / 1000 + 3599);
      expect((await userinfo(second, base)).status).toBe(200);
      own.clock.advance(1);
      expect((await userinfo(second, base)).status).toBe(401);
    } finally {
      await own.close();
    }
  });

  it('moves on the admin API too: POST /_sandbox/admin/clock {advance} or {set}, GET tells the time', async () => {
    const token = await mint();
    const moved = await post(`${url}${adminPath('moveClock')}`, { advance: 3600 }, JSON_H);
    expect(moved.status).toBe(200);
    expect(moved.body.offset).toBeCloseTo(3600, 0);
    expect((await userinfo(token)).status).toBe(401);
    const set = await post(`${url}${adminPath('moveClock')}`, { set: 2_000_000_000 }, JSON_H);
    expect(Math.floor(set.body.now)).toBe(2_000_000_000);
    const read = (await (await fetch(`${url}${adminPath('getClock')}`)).json()) as { now: number };
    expect(read.now).toBeGreaterThanOrEqual(2_000_000_000);
    expect((await post(`${url}${adminPath('moveClock')}`, { advance: 'soon' }, JSON_H)).status).toBe(400);
  });
});

describe('faults', () => {
  it('answer the documented response of a status, its first named example by default, before any check', async () => {
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503 });
    const faulted = await matchid(); // no token at all: the fault answers first
    expect(faulted.status).toBe(503);
    expect(await faulted.json()).toEqual(documented('direct-match-id-fr/matchIdentity/503/ServiceUnavailable'));
    expect((await matchid()).status).toBe(401); // one call only, by default
  });

  it('answer the named example asked for, with its documented headers', async () => {
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 500, example: 'ConnectionProblem' });
    const faulted = await matchid();
    expect(await faulted.json()).toEqual(documented('direct-match-id-fr/matchIdentity/500/ConnectionProblem'));
    sandbox.faults.inject({ operationId: 'requestJwtBearerToken', status: 200 });
    const token = await post(`${url}/oauth-jwt/fr/v1/token`, { grant_type: 'nothing' });
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
  });

  it('answer `times` calls, then the operation behaves again', async () => {
    const armed = sandbox.faults.inject({ operationId: 'getCheckIdUserInfo', status: 401, times: 2 });
    expect(sandbox.faults.list()).toEqual([armed]);
    const token = await mint();
    expect((await userinfo(token)).status).toBe(401);
    expect(sandbox.faults.list()[0]!.remaining).toBe(1);
    expect((await userinfo(token)).status).toBe(401);
    expect((await userinfo(token)).status).toBe(200);
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('answer after `delayMs`, while the other calls go on', async () => {
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503, delayMs: 1000 });
    let answered = false;
    const late = matchid().then((r) => { answered = true; return r; });
    expect((await userinfo(await mint())).status).toBe(200);
    expect(answered).toBe(false);
    expect((await late).status).toBe(503);
  });

  it('with a delay, let a client give up first, and the sandbox keeps serving', async () => {
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503, delayMs: 10_000 });
    const aborted = await fetch(`${url}/direct-matchid/fr/v1/matchid`, { method: 'POST', signal: AbortSignal.timeout(100) }).catch((e: Error) => e.name);
    expect(aborted).toBe('TimeoutError');
    expect((await matchid()).status).toBe(401);
  });

  it('with a header, only answer the calls that carry it', async () => {
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503, header: { name: 'X-Test-Case', value: 'retry' } });
    expect((await matchid({ 'X-Test-Case': 'other' })).status).toBe(401);
    expect((await matchid({ 'X-Test-Case': 'retry' })).status).toBe(503);
  });

  it.each([
    [{ operationId: 'matchIdentity', status: 418 }, 'matchIdentity documents no status 418; it documents 200, 400, 401, 500, 503'],
    [{ operationId: 'matchIdentity', status: 500, example: 'Boom' }, 'matchIdentity status 500 has no example Boom; its named examples are InternalServerError, ConnectionProblem'],
    [{ operationId: 'noSuchOperation', status: 500 }, 'no operation noSuchOperation in the contract'],
    [{ operationId: 'matchIdentity', status: 503, times: 0 }, 'fault/times must be >= 1'],
    [{ operationId: 'matchIdentity', status: 503, delayMs: 120_000 }, 'fault/delayMs must be <= 60000'],
  ])('refuse %j with a clear error', (spec, message) => {
    expect(() => sandbox.faults.inject(spec)).toThrow(FaultError);
    expect(() => sandbox.faults.inject(spec)).toThrow(message);
  });

  it('are on the admin API: POST arms, GET lists, DELETE clears (one operation or all)', async () => {
    const armed = await post(`${url}${adminPath('listFaults')}`, { operationId: 'matchIdentity', status: 503, example: 'ServiceUnavailable', times: 3 }, JSON_H);
    expect(armed.status).toBe(201);
    expect(armed.body).toMatchObject({ operationId: 'matchIdentity', status: 503, example: 'ServiceUnavailable', remaining: 3, delayMs: 0 });
    await post(`${url}${adminPath('listFaults')}`, { operationId: 'requestJwtBearerToken', status: 500 }, JSON_H);
    expect((await faultsArmed()).faults).toHaveLength(2);
    expect((await matchid()).status).toBe(503);
    expect((await fetch(`${url}${adminPath('clearFaults')}?operationId=matchIdentity`, { method: 'DELETE' })).status).toBe(204);
    expect((await matchid()).status).toBe(401);
    expect((await faultsArmed()).faults.map((f) => f.operationId)).toEqual(['requestJwtBearerToken']);
    expect((await fetch(`${url}${adminPath('listFaults')}`, { method: 'DELETE' })).status).toBe(204);
    expect((await faultsArmed()).faults).toEqual([]);
    const refused = await post(`${url}${adminPath('listFaults')}`, { operationId: 'matchIdentity', status: 418 }, JSON_H);
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toContain('documents no status 418');
  });
});

describe('reset', () => {
  it('brings the sandbox back to its fixture: tokens, codes, sessions, consents, clients, faults and clock', async () => {
    const token = await mint();
    const session = (await post(`${url}${adminPath('openSession')}`, { msisdn: '33600000000', consent: 'grant' }, JSON_H)).body.cookie;
    await post(`${url}${adminPath('revokeConsent')}`, { msisdn: '33600000000', scope: 'form_filling' }, JSON_H);
    await post(`${url}${adminPath('registerClient')}`, { clientId: 'registered', scopes: ['openid'] }, JSON_H);
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503 });
    sandbox.clock.advance(100);
    sandbox.reset();
    expect((await userinfo(token)).status).toBe(401);
    expect(sandbox.state.sessions.get(session.split('=')[1])).toBeUndefined();
    expect((await userinfo('sandbox-token-check-id')).status).toBe(200); // the fixture's token
    expect((await fetch(`${url}/formfilling/fr/v1/userinfo`, { headers: { Authorization: 'Bearer sandbox-token-form-filling' } })).status).toBe(200);
    expect((await fetch(`${url}${adminPath('getClient', { clientId: 'registered' })}`)).status).toBe(404);
    expect(sandbox.faults.list()).toEqual([]);
    expect(Math.abs(sandbox.clock.now() - Date.now())).toBeLessThan(1000);
  });

  it('is on the admin API: POST /_sandbox/admin/reset', async () => {
    const token = await mint();
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503 });
    // A POST without a body says it is no web page's: the admin header (or Content-Type: application/json).
    expect((await fetch(`${url}${adminPath('resetSandbox')}`, { method: 'POST', headers: { 'X-Sandbox-Admin': '1' } })).status).toBe(204);
    expect((await userinfo(token)).status).toBe(401);
    expect(sandbox.faults.list()).toEqual([]);
  });
});

describe('two sandboxes in one process', () => {
  let other: Sandbox;
  let otherUrl: string;
  beforeAll(async () => { other = createSandbox(); otherUrl = await other.listen(); });
  afterAll(() => other.close());

  it('share no tokens, faults, clock, clients or consents', async () => {
    const token = await mint();
    expect((await userinfo(token)).status).toBe(200);
    expect((await userinfo(token, otherUrl)).status).toBe(401);
    sandbox.faults.inject({ operationId: 'matchIdentity', status: 503 });
    expect((await matchid({}, otherUrl)).status).toBe(401);
    sandbox.clock.advance(7200);
    expect(Math.abs(other.clock.now() - Date.now())).toBeLessThan(1000);
    await post(`${url}${adminPath('registerClient')}`, { clientId: 'only-here', scopes: ['openid'] }, JSON_H);
    expect((await fetch(`${otherUrl}${adminPath('getClient', { clientId: 'only-here' })}`)).status).toBe(404);
    await post(`${url}${adminPath('revokeConsent')}`, { msisdn: '33600000000' }, JSON_H);
    expect((await userinfo('sandbox-token-check-id', otherUrl)).status).toBe(200);
    expect((await userinfo('sandbox-token-check-id')).status).toBe(403);
  });
});
