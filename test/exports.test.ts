/**
 * The public surface of every subpath export, pinned: a name that appears or disappears here is a change to
 * the package's API, made on purpose. Internals (assertion signers, constants read from the contract) stay out.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../scripts/lib/contract.js';

const CLIENT = (name: string) => ['DEFAULT_BASE_URL', name, 'isOAuthError', 'isOrangeError'];
const PINNED: Record<string, string[]> = {
  './auth': [
    'DEFAULT_ASSERTION_LIFETIME_SECONDS', 'ID_TOKEN_ALG', 'MAX_ASSERTION_LIFETIME_SECONDS', 'ORANGE_OIDC_ISSUER', 'OrangeAuthError', 'basicAuthorization',
    'buildAuthorizationRequest', 'createJwtBearerAssertion', 'createTokenProvider', 'exchangeAuthorizationCode', 'generateSigningKey',
    'isPrivateJwk', 'parseAuthorizationCallback', 'refreshAccessToken', 'requestJwtBearerToken', 'signingKeyFromJwk', 'toPublicJwk', 'verifyIdToken',
  ],
  './authentication-fr': CLIENT('createAuthenticationFrClient'),
  './form-id-fr': CLIENT('createFormIdFrClient'),
  './match-id-fr': CLIENT('createMatchIdFrClient'),
  './id-match-es': CLIENT('createIdMatchEsClient'),
  './direct-match-id-fr': CLIENT('createDirectMatchIdFrClient'),
  './sandbox': ['DEFAULT_FIXTURE', 'FaultError', 'FixtureError', 'MAX_BODY_BYTES', 'STORE_CAPS', 'createClock', 'createSandbox', 'loadFixture'],
};

const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { import: string }> };
const codeExports = Object.entries(manifest.exports).filter(([, target]) => typeof target === 'object');

describe('the package exports', () => {
  it('pins a list for every subpath that exports code', () => {
    expect(codeExports.map(([subpath]) => subpath).sort()).toEqual(Object.keys(PINNED).sort());
  });

  it.each(codeExports)('%s exports exactly its pinned names', async (subpath, target) => {
    // The sources behind dist/: dist/src/x/y.js is src/x/y.ts.
    const source = path.join(REPO_ROOT, (target as { import: string }).import.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'));
    const module = await import(source);
    expect(Object.keys(module).sort()).toEqual([...PINNED[subpath]!].sort());
  });
});
