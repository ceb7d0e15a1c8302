import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileError, loadProfile, resolveProfilePath } from '../../conformance/profile.js';
import { fixtureKey } from '../helpers/sandbox.js';

describe('conformance profiles', () => {
  it('resolve shipped names and validate against the published schema', () => {
    for (const name of ['mock', 'sandbox']) expect(loadProfile(resolveProfilePath(name)).profile.name).toBe(name);
  });

  it('take secrets from the environment, read the private JWK from a path, and list every secret for redaction', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
    await writeFile(path.join(dir, 'key.json'), JSON.stringify(fixtureKey('direct-match')));
    await writeFile(path.join(dir, 'p.json'), JSON.stringify({
      name: 'p', kind: 'live',
      authentication: { clientId: 'c', redirectUri: 'https://rp.example/cb' },
      directMatch: { clientId: 'd', scope: ['atp_kyc_plain'] },
    }));
    const { profile, secrets } = loadProfile(path.join(dir, 'p.json'), {
      ORANGE_CLIENT_SECRET: 'env-client-secret', ORANGE_ACCESS_TOKEN_CHECK_ID: 'env-check-id-token',
      ORANGE_SESSION_COOKIE: 'sandbox_session=env-session', ORANGE_PRIVATE_JWK: 'key.json',
    });
    expect(profile.authentication?.clientSecret).toBe('env-client-secret');
    expect(profile.accessTokens?.check_id).toBe('env-check-id-token');
    expect(profile.authentication?.session?.cookie).toBe('sandbox_session=env-session');
    expect(profile.directMatch?.privateJwk?.d).toBe(fixtureKey('direct-match').d);
    expect(secrets).toEqual(expect.arrayContaining(['env-client-secret', 'env-check-id-token', 'sandbox_session=env-session', fixtureKey('direct-match').d]));
  });

  it('refuse an invalid profile, naming the field', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'profile-'));
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ name: 'bad', kind: 'live', directMatch: { clientId: 'd', scope: [], subjects: { known: { msisdn: '+33', kyc: {} } } } }));
    expect(() => loadProfile(path.join(dir, 'bad.json'))).toThrow(ProfileError);
    expect(() => loadProfile(path.join(dir, 'bad.json'))).toThrow(/profile\/directMatch\/scope must NOT have fewer than 1 items; profile\/directMatch\/subjects\/known\/msisdn must match pattern/);
  });
});
