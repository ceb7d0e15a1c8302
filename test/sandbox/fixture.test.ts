import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FixtureError, loadFixture, validateFixture } from '../../sandbox/fixture.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { startChild, stopAll } from '../helpers/child.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

afterEach(stopAll);


describe('sandbox fixtures', () => {
  it('ships a default fixture that validates', () => {
    expect(loadFixture().subscribers.length).toBeGreaterThan(5);
  });

  it('reads a fixture file once per process, shared and frozen', () => {
    expect(loadFixture()).toBe(loadFixture());
    expect(Object.isFrozen(loadFixture().clients[0])).toBe(true);
  });

  it.each([
    ['a malformed MSISDN', { subscribers: [{ msisdn: '+33600000000', sub: 's' }], clients: [] }, '/subscribers/0/msisdn must match pattern'],
    ['an unknown field', { subscribers: [], clients: [{ clientId: 'c', colour: 'blue' }] }, '/clients/0 must NOT have additional properties (colour)'],
    ['a private key in a JWKS', { subscribers: [], clients: [{ clientId: 'c', jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'secret' }] } }] }, '/clients/0/jwks/keys/0/d is not allowed (a private key member'],
    ["a modulus that is not base64url (the page's elided /../)", { subscribers: [], clients: [{ clientId: 'c', jwks: { keys: [{ kty: 'RSA', n: '2Uzwog5-SClg42vs/../fxw', e: 'AQAB' }] } }] }, '/clients/0/jwks/keys/0/n must be base64url'],
    ['a padded exponent', { subscribers: [], clients: [{ clientId: 'c', jwks: { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB==' }] } }] }, '/clients/0/jwks/keys/0/e must be base64url'],
    ['two keys of one kid', { subscribers: [], clients: [{ clientId: 'c', jwks: { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k' }, { kty: 'RSA', n: 'AQAC', e: 'AQAB', kid: 'k' }] } }] }, '/clients/0/jwks/keys kid k is not unique'],
    ['a token of an unknown subscriber', { subscribers: [], clients: [{ clientId: 'c' }], tokens: [{ token: 'tttttttt', clientId: 'c', msisdn: '33600000009', scopes: [] }] }, '/tokens/0/msisdn 33600000009 is not a subscriber'],
    ['a duplicate client', { subscribers: [], clients: [{ clientId: 'c' }, { clientId: 'c' }] }, '/clients/1/clientId c is not unique'],
  ])('refuses %s, naming the field', (_label, fixture, message) => {
    expect(() => validateFixture(fixture)).toThrow(FixtureError);
    expect(() => validateFixture(fixture)).toThrow(message);
  });

  it('makes the sandbox command exit 2 with the field named', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fixture-'));
    await writeFile(path.join(dir, 'bad.yaml'), 'subscribers:\n  - msisdn: abc\n    sub: s\nclients: []\n');
    const result = await promisify(execFile)(process.execPath, ['bin/orange-identity.js', 'sandbox', '--fixture', path.join(dir, 'bad.yaml'), '--port', '0'], { cwd: REPO_ROOT })
      .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/subscribers/0/msisdn must match pattern');
  });

  it('starts with no arguments on PORT, and stops on Ctrl-C', async () => {
    const child = startChild(process.execPath, ['bin/orange-identity.js', 'sandbox'], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0' } });
    const url = (await child.waitFor(/listening on (http:\S+)/))[1]!;
    expect(await (await fetch(`${url}${adminPath('getHealth')}`)).json()).toEqual({ status: 'ok' });
    expect(await child.stop('SIGINT')).toBe(0);
  });
});
