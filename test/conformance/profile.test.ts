import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILE_ENVIRONMENT, ProfileError, loadProfile, resolveProfilePath, shippedProfiles } from '../../conformance/profile.js';
import { REPO_ROOT } from '../../scripts/lib/contract.js';
import { fixtureKey } from '../helpers/sandbox.js';

const TEMPLATE = path.join(REPO_ROOT, 'conformance/profiles/orange.example.json');

describe('conformance profiles', () => {
  it('resolve shipped names and validate against the published schema', () => {
    expect(shippedProfiles()).toEqual(['mock', 'sandbox']);
    for (const name of shippedProfiles()) expect(loadProfile(resolveProfilePath(name)).profile.name).toBe(name);
  });

  it('ship a template for Orange\'s deployments that holds no secret, so that every one comes from the environment', () => {
    const { profile, secrets } = loadProfile(TEMPLATE, {});
    expect(profile.kind).toBe('live');
    expect(secrets).toEqual([]);
  });

  it('take every secret from its environment variable, each documented in the production guide', async () => {
    const env = Object.fromEntries(Object.keys(PROFILE_ENVIRONMENT).map((name) => [name, `value-of-${name.toLowerCase()}`]));
    env.ORANGE_PRIVATE_JWK = JSON.stringify(fixtureKey('direct-match'));
    const { profile, secrets } = loadProfile(TEMPLATE, env);
    const at = (dotted: string) => dotted.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], profile);
    for (const [name, what] of Object.entries(PROFILE_ENVIRONMENT)) {
      // Each description starts with the profile member it fills.
      const value = at(what.split(':')[0]!);
      expect(name === 'ORANGE_PRIVATE_JWK' ? (value as { d?: string }).d : value, name).toBe(name === 'ORANGE_PRIVATE_JWK' ? fixtureKey('direct-match').d : env[name]);
      if (name !== 'ORANGE_LOGIN_USERNAME') expect(secrets, name).toContain(name === 'ORANGE_PRIVATE_JWK' ? fixtureKey('direct-match').d : env[name]);
    }
    const guide = await readFile(path.join(REPO_ROOT, 'docs/guides/production.md'), 'utf8');
    for (const name of Object.keys(PROFILE_ENVIRONMENT)) expect(guide, name).toContain(`| \`${name}\` |`);
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
