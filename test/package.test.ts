/**
 * Both packages as a consumer gets them, from their tarballs: `orange-identity-contracts` (with the client package
 * it depends on) in one fresh folder, `orange-identity-client` alone in another. What is installed, what it weighs,
 * what compiles against it, what it does against the sandbox, and what a bundler makes of it.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from './helpers/child.js';
import { bytesUnder, filesWithPrivateKeys, installOffline, installedPackages, pack, privateKeyMaterial, run } from './helpers/pack.js';
import { startSandbox, type RunningSandbox } from './helpers/sandbox.js';
import { REPO_ROOT } from '../scripts/lib/contract.js';

const TSC = path.join(REPO_ROOT, 'node_modules/.bin/tsc');
/** The most the client package may weigh installed, with its dependencies, and its Direct Match path bundled. */
const MAX_INSTALLED_BYTES = 3_000_000;
const MAX_BUNDLE_BYTES = 25_000;
/** Guides whose TypeScript runs against something else than the packages, compiled and run by their own test. */
const OWN_TEST = { 'docs/guides/codegen.md': 'test/codegen.test.ts' };

let work: string;
let consumer: string;
let clientConsumer: string;
let sandbox: RunningSandbox;

const CONSUMER_TS = `
import { createFormIdFrClient, isOAuthError, isOrangeError, type components } from 'orange-identity-contracts/form-id-fr';
import { createDirectMatchIdFrClient } from 'orange-identity-contracts/direct-match-id-fr';
import { createIdMatchEsClient } from 'orange-identity-contracts/id-match-es';
import { createMatchIdFrClient } from 'orange-identity-contracts/match-id-fr';
import { createAuthenticationFrClient } from 'orange-identity-contracts/authentication-fr';
import { buildAuthorizationRequest, createTokenProvider, OrangeAuthError, type OrangeAuthErrorCode } from 'orange-identity-contracts/auth';
import { OrangeAuthError as ClientAuthError } from 'orange-identity-client/auth';

type Claims = components['schemas']['FormFillingUserInfo'];
const formId = createFormIdFrClient({ accessToken: 'token' });
export async function userName(): Promise<string | undefined> {
  const { data, error } = await formId.GET('/formfilling/fr/v1/userinfo');
  if (isOAuthError(error)) return error.error;
  if (isOrangeError(error)) return error.message;
  const claims: Claims | undefined = data;
  return claims?.given_name;
}
export async function score(provider: ReturnType<typeof createTokenProvider>): Promise<number | undefined> {
  const client = createDirectMatchIdFrClient({ accessToken: provider });
  const { data } = await client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'Dumontel' } });
  return data?.family_name_score;
}
// Type checks only: never called, so that running the consumer sends nothing beyond this machine.
export function typeChecks() {
  // @ts-expect-error the contract has no such path
  void formId.GET('/formfilling/fr/v1/nothing');
  // @ts-expect-error msisdn is required by the contract
  void createDirectMatchIdFrClient().POST('/direct-matchid/fr/v1/matchid', { body: { family_name: 'x' } });
}
void createIdMatchEsClient, createMatchIdFrClient, createAuthenticationFrClient;
const code: OrangeAuthErrorCode = 'ERR_STATE_MISMATCH';
const request = buildAuthorizationRequest({ clientId: 'c', redirectUri: 'https://rp.example/cb' }, { scope: ['check_id'] });
console.log(JSON.stringify({ url: request.url, code, isError: new OrangeAuthError(code, 'x') instanceof Error, oneClass: OrangeAuthError === ClientAuthError }));
`;

/** A consumer of the client package alone: the status narrows each result to the documented body of that status. */
const CLIENT_CONSUMER_TS = `
import { createTokenProvider, privateJwkFromEnv, type OAuthErrorBody } from 'orange-identity-client/auth';
import { createTokenProvider as tokenProvider } from 'orange-identity-client/auth/token-provider';
import { createAuthenticationFrClient } from 'orange-identity-client/authentication-fr';
import { createDirectMatchIdFrClient, type OAuthError, type OrangeError } from 'orange-identity-client/direct-match-id-fr';

export async function score(): Promise<number | string | undefined> {
  const tokens = createTokenProvider({ clientId: 'c', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: privateJwkFromEnv() });
  const result = await createDirectMatchIdFrClient({ accessToken: tokens }).POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'x' } });
  if (result.status === 200) return result.data.family_name_score; // data is defined: no ?.
  if (result.status === 400) { const oauth: OAuthError = result.error; return oauth.error; }
  if (result.status === 401) { const gateway: OrangeError = result.error; return gateway.code; }
  return result.status;
}
export async function refresh(refreshToken: string) {
  const client = createAuthenticationFrClient({ baseUrl: 'http://127.0.0.1:8080' });
  const result = await client.POST('/oauth/v2/token', { body: { grant_type: 'refresh_token', refresh_token: refreshToken }, headers: { Authorization: 'Basic x' } });
  if (result.status === 400) { const refused: OAuthErrorBody = result.error; return refused.error; }
  return result.status === 200 ? result.data.access_token : undefined;
}
export function typeChecks() {
  // @ts-expect-error the contract's grant_type of the refresh endpoint is refresh_token
  void createAuthenticationFrClient().POST('/oauth/v2/token', { body: { grant_type: 'password', refresh_token: 'r' } });
  void tokenProvider;
}
`;

/** The Direct Match path a consumer bundles: the key from the environment, a token provider, the client, a call. */
const DIRECT_MATCH_ENTRY = `
import { createTokenProvider, privateJwkFromEnv } from 'orange-identity-client/auth';
import { createDirectMatchIdFrClient } from 'orange-identity-client/direct-match-id-fr';

const target = { baseUrl: process.env.ORANGE_BASE_URL };
const tokens = createTokenProvider({ ...target, clientId: 'sandbox-direct-match', msisdn: '33600000000', scope: ['atp_kyc_plain'], privateKey: privateJwkFromEnv() });
const client = createDirectMatchIdFrClient({ ...target, accessToken: tokens });
const result = await client.POST('/direct-matchid/fr/v1/matchid', { body: { msisdn: '33600000000', family_name: 'Dumontel' } });
console.log(JSON.stringify({ status: result.status, score: result.status === 200 ? result.data.family_name_score : undefined }));
`;

/** Tokens from the sandbox through the Authentication France client: authorize with a consenting session, then the
 *  code exchange and the refresh, each a form body given as an object, and a reused code's documented 400. */
const TOKENS_SCRIPT = `
import { basicAuthorization } from 'orange-identity-client/auth';
import { createAuthenticationFrClient } from 'orange-identity-client/authentication-fr';

const client = createAuthenticationFrClient({ baseUrl: process.env.ORANGE_BASE_URL });
const redirect_uri = 'http://www.myserver.com';
const headers = { Authorization: basicAuthorization('sandbox-oidc-client', 'sandbox-client-secret') };
const authorized = await client.GET('/openidconnect/fr/v1/authorize', {
  params: { query: { response_type: 'code', client_id: 'sandbox-oidc-client', scope: 'openid form_filling', redirect_uri, state: 'st', nonce: 'no' } },
  headers: { Cookie: 'sandbox_session=sandbox-session-consenting' }, redirect: 'manual',
});
const code = new URL(authorized.response.headers.get('location')).searchParams.get('code');
const exchanged = await client.POST('/openidconnect/fr/v1/token', { body: { grant_type: 'authorization_code', code, redirect_uri }, headers });
const refreshed = await client.POST('/oauth/v2/token', { body: { grant_type: 'refresh_token', refresh_token: exchanged.data.refresh_token, redirect_uri }, headers });
const reused = await client.POST('/openidconnect/fr/v1/token', { body: { grant_type: 'authorization_code', code, redirect_uri }, headers });
console.log(JSON.stringify({
  authorize: authorized.status, exchange: exchanged.status, tokenType: exchanged.data.token_type, idToken: typeof exchanged.data.id_token,
  refresh: refreshed.status, refreshedToken: typeof refreshed.data.access_token, reused: [reused.status, reused.error.error],
}));
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'packages-'));
  consumer = path.join(work, 'consumer');
  clientConsumer = path.join(work, 'client-consumer');
  await Promise.all([mkdir(consumer), mkdir(clientConsumer)]);
  // One after the other: packing the root package builds the client package too.
  const root = await pack(consumer);
  const client = await pack(clientConsumer, 'orange-identity-client');
  await writeFile(path.join(consumer, path.basename(client.tarball)), await readFile(client.tarball));
  await installOffline(consumer, [root, { ...client, tarball: path.join(consumer, path.basename(client.tarball)) }]);
  await installOffline(clientConsumer, [client]);
  const compilerOptions = { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, types: [], outDir: 'out', lib: ['ES2022', 'DOM'] };
  for (const [dir, source] of [[consumer, CONSUMER_TS], [clientConsumer, CLIENT_CONSUMER_TS]] as const) {
    await writeFile(path.join(dir, 'consumer.ts'), source);
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  }
  sandbox = await startSandbox();
}, 240_000);
afterAll(async () => {
  await sandbox?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const tsc = async (dir: string, project = 'tsconfig.json') => ((await run(TSC, ['-p', project], { cwd: dir }).catch((e: { stdout: string }) => e)) as { stdout: string }).stdout;

describe('the packed package', () => {
  const installed = () => path.join(consumer, 'node_modules/orange-identity-contracts');

  it('ships only bin, dist, generated, openapi, the conformance profiles, the sandbox fixtures, docs, the README and the LICENSE', async () => {
    const top = (await readdir(installed())).sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'bin', 'conformance', 'dist', 'docs', 'generated', 'openapi', 'package.json', 'sandbox'].sort());
  });

  it('has the Apache License 2.0 its package.json names', async () => {
    const license = await readFile(path.join(installed(), 'LICENSE'), 'utf8');
    expect(JSON.parse(await readFile(path.join(installed(), 'package.json'), 'utf8')).license).toBe('Apache-2.0');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it('holds no private key material: no private JWK member, no PEM private key, in any file of either package', async () => {
    for (const dir of [installed(), path.join(consumer, 'node_modules/orange-identity-client')]) {
      const { scanned, found } = await filesWithPrivateKeys(dir);
      expect(scanned).toBeGreaterThan(40);
      expect(found).toEqual([]);
    }
  });

  it('recognises the private key material it looks for', async () => {
    // The detector itself, on this repository's test keys (which the package must not ship) and a PEM key.
    const keys = path.join(REPO_ROOT, 'test/fixtures/keys');
    const jwkFile = path.join(keys, (await readdir(keys)).find((f) => f.endsWith('.private.jwk.json'))!);
    const jwk = await readFile(jwkFile, 'utf8');
    expect(privateKeyMaterial(jwkFile, jwk)).toBe('a private JWK');
    expect(privateKeyMaterial('fixture.yaml', `clients:\n  - key: ${JSON.stringify(JSON.parse(jwk))}\n`)).toBe('a private JWK');
    expect(privateKeyMaterial('page.html', `<pre>${JSON.stringify(JSON.parse(jwk), null, 2)}</pre>`)).toMatch(/^a private JWK written/);
    expect(privateKeyMaterial('key.txt', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...')).toBe('a PEM private key');
    expect(privateKeyMaterial('jwks.json', JSON.stringify({ keys: [{ ...JSON.parse(jwk), d: undefined, p: undefined, q: undefined, dp: undefined, dq: undefined, qi: undefined }] }))).toBeUndefined();
  });

  it('compiles a consumer under tsc --strict, with the contract types reaching it', async () => {
    expect(await tsc(consumer)).toBe('');
  });

  it('runs the compiled consumer as ESM on Node, with one OrangeAuthError for both packages', async () => {
    const { stdout } = await run(process.execPath, ['out/consumer.js'], { cwd: consumer });
    const printed = JSON.parse(stdout);
    expect(printed.url).toMatch(/^https:\/\/api\.orange\.com\/openidconnect\/fr\/v1\/authorize\?response_type=code&client_id=c&scope=openid\+check_id/);
    expect(printed.isError).toBe(true);
    expect(printed.oneClass).toBe(true);
  });

  it('installs the orange-identity command, whose conformance help and profile loading work from the package', async () => {
    const bin = path.join(consumer, 'node_modules/.bin/orange-identity');
    const { stdout } = await run(bin, ['conformance', '--help'], { cwd: consumer });
    expect(stdout).toContain('usage: orange-identity conformance');
    const noTarget = await run(bin, ['conformance', '--profile', 'sandbox-does-not-exist.json'], { cwd: consumer }).catch((e: { code: number; stderr: string }) => e);
    expect((noTarget as { code: number }).code).toBe(2);
    expect((noTarget as { stderr: string }).stderr).toContain('the shipped profiles are mock, sandbox');
  });

  it('runs the sandbox from the package, with its default fixture', async () => {
    const child = startChild(path.join(consumer, 'node_modules/.bin/orange-identity'), ['sandbox', '--port', '0'], { cwd: consumer });
    try {
      const url = (await child.waitFor(/listening on (http:\S+)/))[1]!;
      const metadata = (await (await fetch(`${url}/oauth-jwt/fr/v1/.well-known/oauth-authorization-server`)).json()) as { issuer: string };
      expect(metadata.issuer).toBe('https://openid.orange.fr');
      // The documentation site ships in the package: /docs/ answers from the install, Redoc pages and Redoc included.
      const index = await fetch(`${url}/docs/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await index.text()).toContain('href="api/direct-match-id-fr.html"');
      for (const [page, type] of [['api/direct-match-id-fr.html', /^text\/html/], ['api/redoc.standalone.js', /javascript/], ['guides/getting-started.html', /^text\/html/]] as const) {
        const response = await fetch(`${url}/docs/${page}`);
        expect(response.status, page).toBe(200);
        expect(response.headers.get('content-type'), page).toMatch(type);
      }
    } finally {
      await child.stop('SIGINT');
    }
  });

  it('runs the sandbox export in-process from the package: a fault, the clock, a reset', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `
      import { createSandbox } from 'orange-identity-contracts/sandbox';
      const sandbox = createSandbox();
      const url = await sandbox.listen();
      sandbox.faults.inject({ operationId: 'matchIdentity', status: 503, example: 'ServiceUnavailable' });
      const faulted = await fetch(url + '/direct-matchid/fr/v1/matchid', { method: 'POST' });
      sandbox.clock.advance(60);
      sandbox.reset();
      await sandbox.close();
      console.log(faulted.status + '|' + (await faulted.json()).error);`], { cwd: consumer });
    expect(stdout.trim()).toBe('503|service_unavailable');
  });

  it('exports the bundles and the JSON Schemas for other repos', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const doc = require('orange-identity-contracts/direct-match-id-fr/openapi.json');
      const schema = require('orange-identity-contracts/direct-match-id-fr/schemas/MatchIdRequest.json');
      console.log(doc.info.title + '|' + schema.$id);`], { cwd: consumer });
    expect(stdout.trim()).toBe('Direct Match ID France|https://orange-identity-contracts.invalid/schemas/direct-match-id-fr/MatchIdRequest.json');
  });
});

/** Every TypeScript block of the READMEs and docs/ (the guides that have their own test apart), one file each. */
async function writeSnippets(dir: string): Promise<string[]> {
  const docs = (await readdir(path.join(REPO_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const snippets: string[] = [];
  await mkdir(dir, { recursive: true });
  for (const source of ['README.md', 'packages/client/README.md', ...docs].filter((s) => !(s in OWN_TEST))) {
    const blocks = [...(await readFile(path.join(REPO_ROOT, source), 'utf8')).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    for (const [i, block] of blocks.entries()) {
      const name = `${source.replace(/[/.]/g, '_')}_${i + 1}.ts`;
      await writeFile(path.join(dir, name), `${block}\nexport {};\n`);
      snippets.push(name);
    }
  }
  return snippets;
}

describe('the documentation against the packed packages', () => {
  it('compiles every TypeScript block of both READMEs and docs/ against the packages, under tsc --strict', async () => {
    const snippets = await writeSnippets(path.join(consumer, 'snippets'));
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    await writeFile(path.join(consumer, 'snippets', 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'],
        typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')], types: ['node'], skipLibCheck: true,
        // The standard OpenID Connect clients the guides show, and vitest, which the testing guide's examples run
        // under, are this repository's devDependencies, installed by a consumer beside the package.
        paths: {
          ...Object.fromEntries(['openid-client', 'oauth4webapi'].map((name) => [name, [path.join(REPO_ROOT, 'node_modules', name, 'build/index.d.ts')]])),
          vitest: [path.join(REPO_ROOT, 'node_modules/vitest/dist/index.d.ts')],
        } },
      include: ['*.ts'],
    }));
    expect(await tsc(consumer, 'snippets/tsconfig.json')).toBe('');
  });

  it('leaves no guide untested: those apart from the compiled blocks have their test', async () => {
    for (const [guide, test] of Object.entries(OWN_TEST)) {
      expect((await readFile(path.join(REPO_ROOT, guide), 'utf8')).match(/^```ts$/gm)?.length, guide).toBeGreaterThan(0);
      expect(await readFile(path.join(REPO_ROOT, test), 'utf8'), test).toContain(guide);
    }
  });
});

describe('the packed client package, installed alone', () => {
  const installed = () => path.join(clientConsumer, 'node_modules/orange-identity-client');

  it('ships its built code, its README and the LICENSE, and no tool, no docs site, no contract bundle', async () => {
    expect((await readdir(installed())).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
    const files = await readdir(path.join(installed(), 'dist'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => /\.(json|html|ya?ml)$/.test(f))).toEqual([]);
    expect(JSON.parse(await readFile(path.join(installed(), 'package.json'), 'utf8')).sideEffects).toBe(false);
  });

  it(`installs openapi-fetch and jose and nothing else of this repository's, in at most ${MAX_INSTALLED_BYTES / 1e6} MB`, async () => {
    // openapi-typescript-helpers: openapi-fetch's own dependency (its types).
    expect(await installedPackages(clientConsumer)).toEqual(['jose', 'openapi-fetch', 'openapi-typescript-helpers', 'orange-identity-client']);
    const bytes = await bytesUnder(path.join(clientConsumer, 'node_modules'));
    console.log(`orange-identity-client installed with its dependencies: ${bytes} bytes (${(bytes / 1e6).toFixed(2)} MB)`);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
  });

  it('compiles a consumer under tsc --strict (skipLibCheck off, no @types/node) in which the status narrows data and error', async () => {
    expect(await tsc(clientConsumer)).toBe('');
  });

  it('gets tokens from the sandbox through the Authentication France client, with form bodies given as objects', async () => {
    await writeFile(path.join(clientConsumer, 'tokens.mjs'), TOKENS_SCRIPT);
    const { stdout } = await run(process.execPath, ['tokens.mjs'], { cwd: clientConsumer, env: { ...process.env, ORANGE_BASE_URL: sandbox.url } });
    expect(JSON.parse(stdout)).toEqual({
      authorize: 302, exchange: 200, tokenType: 'Bearer', idToken: 'string', refresh: 200, refreshedToken: 'string', reused: [400, 'invalid_grant'],
    });
  });

  it(`bundles the Direct Match path (key, token provider, client) in at most ${MAX_BUNDLE_BYTES / 1000} KB minified, without the code flow, and the bundle scores against the sandbox`, async () => {
    await writeFile(path.join(clientConsumer, 'direct-match.mjs'), DIRECT_MATCH_ENTRY);
    const bundled = await build({
      entryPoints: ['direct-match.mjs'], absWorkingDir: clientConsumer, bundle: true, minify: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent',
    });
    const code = bundled.outputFiles[0]!.text;
    console.log(`Direct Match path bundled and minified with esbuild: ${code.length} bytes`);
    expect(code.length).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect(code).not.toContain('/openidconnect/fr/v1/');
    // The bundle alone, in a folder without node_modules, against the sandbox with its fixture's key.
    const alone = await mkdtemp(path.join(work, 'bundle-'));
    await writeFile(path.join(alone, 'bundle.mjs'), code);
    const { stdout } = await run(process.execPath, ['bundle.mjs'], {
      cwd: alone, env: { ...process.env, ORANGE_BASE_URL: sandbox.url, ORANGE_PRIVATE_JWK: path.join(REPO_ROOT, 'test/fixtures/keys/direct-match.private.jwk.json') },
    });
    expect(JSON.parse(stdout)).toEqual({ status: 200, score: 100 });
  });
});
