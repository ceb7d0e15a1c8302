import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIVATE_JWK_ENV, privateJwkFromEnv, readPrivateJwk } from 'orange-identity-client/auth/private-key';
import { createTokenProvider } from 'orange-identity-client/auth/token-provider';
import { run } from '../helpers/pack.js';
import { fixtureKey, startSandbox, type RunningSandbox } from '../helpers/sandbox.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';

let dir: string;
let sandbox: RunningSandbox;
const key = fixtureKey('direct-match');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'private-key-'));
  await writeFile(path.join(dir, 'key.json'), JSON.stringify(key));
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

const refusal = (fn: () => unknown): Error & { code?: string } => {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a refusal');
};

describe('the private key from ORANGE_PRIVATE_JWK', () => {
  it('reads a path (absolute, or relative to the working directory or to baseDir), the JWK as JSON, or a JWK object', () => {
    expect(PRIVATE_JWK_ENV).toBe('ORANGE_PRIVATE_JWK');
    expect(privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: path.join(dir, 'key.json') } })).toEqual(key);
    expect(privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: path.relative(process.cwd(), path.join(dir, 'key.json')) } })).toEqual(key);
    expect(privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: 'key.json' }, baseDir: dir })).toEqual(key);
    expect(privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: `  ${JSON.stringify(key)}\n` } })).toEqual(key);
    expect(readPrivateJwk(key)).toBe(key);
  });

  it.each([
    ['unset', {}, /ORANGE_PRIVATE_JWK is not set/],
    ['empty', { ORANGE_PRIVATE_JWK: ' ' }, /ORANGE_PRIVATE_JWK is empty/],
    ['a file that is not there', { ORANGE_PRIVATE_JWK: '/nonexistent/key.json' }, /cannot read ORANGE_PRIVATE_JWK from \/nonexistent\/key\.json: ENOENT/],
    ['JSON that is not a JWK', { ORANGE_PRIVATE_JWK: '{"keys": []}' }, /ORANGE_PRIVATE_JWK is not a JWK/],
  ])('refuses %s with ERR_INVALID_OPTION naming the variable', (_case, env, message) => {
    const error = refusal(() => privateJwkFromEnv({ env }));
    expect(error).toMatchObject({ name: 'OrangeAuthError', code: 'ERR_INVALID_OPTION' });
    expect(error.message).toMatch(message);
  });

  it('never puts the key in a message, even when its JSON is broken', () => {
    const broken = JSON.stringify(key).slice(0, -10);
    const error = refusal(() => privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: broken } }));
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION' });
    expect(error.message).toBe('ORANGE_PRIVATE_JWK (JSON) is not JSON: expected a JWK');
    expect(error.message).not.toContain(key.d!.slice(0, 12));
  });

  it('has the meaning of the keys command: the file it writes, registered, gets a token from the sandbox', async () => {
    const out = path.join(dir, 'generated');
    const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/orange-identity.js'), 'keys', '--out', out], { cwd: dir });
    const exported = /export ORANGE_PRIVATE_JWK=("[^"]+")/.exec(stderr)?.[1];
    expect(exported).toBeDefined();
    const registered = await fetch(`${sandbox.url}/_sandbox/admin/clients/sandbox-direct-match/jwks`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: stdout });
    expect(registered.status).toBe(200);
    const tokens = createTokenProvider({
      baseUrl: sandbox.url, clientId: 'sandbox-direct-match', msisdn: '33600000000', scope: ['atp_kyc_plain'],
      privateKey: privateJwkFromEnv({ env: { ORANGE_PRIVATE_JWK: JSON.parse(exported!) } }),
    });
    expect(await tokens.getToken()).toMatch(/\S{16,}/);
  });
});
