/**
 * The public surface of every subpath export of both packages, pinned: a name that appears or disappears here is
 * a change to a package's API, made on purpose. The root package re-exports the client package's clients and auth
 * helpers (the same objects, so that `OrangeAuthError` is one class); the client package has one entry per concern.
 * In the clone, tsconfig.json's `paths` lead the client package's names to its sources: they must lead each
 * exported subpath to the source of the file its `exports` name, and nothing may import a subpath it does not export.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/lib/contract.js';

const CLIENT = (name: string) => ['DEFAULT_BASE_URL', name, 'isOAuthError', 'isOrangeError'];
const CLIENTS = {
  './authentication-fr': CLIENT('createAuthenticationFrClient'),
  './form-id-fr': CLIENT('createFormIdFrClient'),
  './match-id-fr': CLIENT('createMatchIdFrClient'),
  './id-match-es': CLIENT('createIdMatchEsClient'),
  './direct-match-id-fr': CLIENT('createDirectMatchIdFrClient'),
};
const AUTH = [
  'DEFAULT_ASSERTION_LIFETIME_SECONDS', 'ID_TOKEN_ALG', 'MAX_ASSERTION_LIFETIME_SECONDS', 'ORANGE_OIDC_ISSUER', 'OrangeAuthError', 'PRIVATE_JWK_ENV',
  'basicAuthorization', 'buildAuthorizationRequest', 'createJwtBearerAssertion', 'createTokenProvider', 'exchangeAuthorizationCode', 'generateSigningKey',
  'isPrivateJwk', 'parseAuthorizationCallback', 'privateJwkFromEnv', 'readPrivateJwk', 'refreshAccessToken', 'requestJwtBearerToken', 'signingKeyFromJwk',
  'toPublicJwk', 'verifyIdToken',
];

const PACKAGES = {
  'orange-identity-contracts': {
    dir: '.',
    pinned: {
      './auth': AUTH,
      ...CLIENTS,
      './sandbox': ['DEFAULT_FIXTURE', 'FaultError', 'FixtureError', 'MAX_BODY_BYTES', 'STORE_CAPS', 'createClock', 'createSandbox', 'loadFixture'],
    } as Record<string, string[]>,
  },
  'orange-identity-client': {
    dir: 'packages/client',
    pinned: {
      './auth': AUTH,
      './auth/basic': ['basicAuthorization', 'parseBasicAuthorization'],
      './auth/errors': ['OrangeAuthError'],
      './auth/keys': ['MIN_MODULUS_LENGTH', 'generateSigningKey', 'isPrivateJwk', 'rs256PrivateKey', 'signingKeyFromJwk', 'toPublicJwk'],
      './auth/private-key': ['PRIVATE_JWK_ENV', 'privateJwkFromEnv', 'readPrivateJwk'],
      './auth/jwt-bearer': [
        'ASSERTION_ALG', 'ASSERTION_AUDIENCE', 'ASSERTION_SUB_TYPE', 'ASSERTION_TYP', 'DEFAULT_ASSERTION_LIFETIME_SECONDS', 'JWT_BEARER_GRANT_TYPE',
        'MAX_ASSERTION_LIFETIME_SECONDS', 'createAssertionSigner', 'createJwtBearerAssertion', 'requestJwtBearerToken',
      ],
      './auth/token-provider': ['createTokenProvider'],
      './auth/oidc': [
        'AUTHORIZATION_CODE_GRANT_TYPE', 'ID_TOKEN_ALG', 'ORANGE_OIDC_ISSUER', 'REFRESH_TOKEN_GRANT_TYPE', 'buildAuthorizationRequest', 'exchangeAuthorizationCode', 'parseAuthorizationCallback', 'refreshAccessToken', 'verifyIdToken',
      ],
      ...CLIENTS,
    } as Record<string, string[]>,
  },
};

type Manifest = { exports: Record<string, string | { import: string; types: string }> };
const manifest = (dir: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;
const codeExports = (dir: string) => Object.entries(manifest(dir).exports).filter((e): e is [string, { import: string; types: string }] => typeof e[1] === 'object');
/** The source behind a built file: `<dir>/dist/x/y.js` is `<dir>/x/y.ts`. */
const sourceOf = (dir: string, target: string) => path.join(REPO_ROOT, dir, target.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));

describe.each(Object.entries(PACKAGES))('the exports of %s', (_name, { dir, pinned }) => {
  it('pin a list for every subpath that exports code', () => {
    expect(codeExports(dir).map(([subpath]) => subpath).sort()).toEqual(Object.keys(pinned).sort());
  });

  it.each(codeExports(dir))('%s exports exactly its pinned names, its types beside its code', async (subpath, target) => {
    expect(target.types).toBe(target.import.replace(/\.js$/, '.d.ts'));
    const module = await import(sourceOf(dir, target.import));
    expect(Object.keys(module).sort()).toEqual([...pinned[subpath]!].sort());
  });
});

describe('the root package and the client package', () => {
  it('are one copy at run time: the root re-exports the very objects of the client package', async () => {
    for (const [subpath, target] of codeExports('.').filter(([s]) => s in PACKAGES['orange-identity-client'].pinned)) {
      const specifier = `orange-identity-client/${subpath.slice(2)}`;
      const [root, client] = await Promise.all([import(sourceOf('.', target.import)), import(/* @vite-ignore */ specifier)]);
      for (const name of Object.keys(client)) expect(root[name], `${subpath} ${name}`).toBe(client[name]);
    }
  });

  it('the clone reaches each exported subpath of the client package through tsconfig paths, at the source of its built file', () => {
    const paths = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')).compilerOptions.paths as Record<string, string[]>;
    // tsc's rule: the pattern with the longest prefix before its `*` wins.
    const resolve = (specifier: string) => {
      const [pattern, [target]] = Object.entries(paths)
        .filter(([p]) => (p.includes('*') ? specifier.startsWith(p.slice(0, p.indexOf('*'))) && specifier.length > p.indexOf('*') : specifier === p))
        .sort(([a], [b]) => b.replace('*', '').length - a.replace('*', '').length)[0]!;
      return path.join(REPO_ROOT, pattern.includes('*') ? target!.replace('*', specifier.slice(pattern.indexOf('*'))) : target!);
    };
    for (const [subpath, target] of codeExports('packages/client')) {
      expect(resolve(`orange-identity-client/${subpath.slice(2)}`), subpath).toBe(sourceOf('packages/client', target.import));
    }
  });

  it('nothing in the repository imports a subpath of the client package that the package does not export', () => {
    const exported = new Set(Object.keys(manifest('packages/client').exports).map((s) => `orange-identity-client${s.slice(1)}`));
    const imported = new Map<string, string>();
    for (const top of ['cli', 'conformance', 'sandbox', 'src', 'test', 'bench', 'scripts', 'packages/client/src']) {
      for (const file of readdirSync(path.join(REPO_ROOT, top), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
        const text = readFileSync(path.join(REPO_ROOT, top, file), 'utf8');
        for (const [, specifier] of text.matchAll(/from '(orange-identity-client[^']*)'/g)) imported.set(specifier!, `${top}/${file}`);
      }
    }
    expect(imported.size).toBeGreaterThan(10);
    expect([...imported].filter(([specifier]) => !exported.has(specifier))).toEqual([]);
  });
});
