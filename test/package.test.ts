import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startChild } from './helpers/child.js';
import { REPO_ROOT } from '../scripts/lib/contract.js';

const run = promisify(execFile);
const TSC = path.join(REPO_ROOT, 'node_modules/.bin/tsc');
let consumer: string;

const CONSUMER_TS = `
import { createFormIdFrClient, isOAuthError, isOrangeError, type components } from 'orange-identity-contracts/form-id-fr';
import { createDirectMatchIdFrClient } from 'orange-identity-contracts/direct-match-id-fr';
import { createIdMatchEsClient } from 'orange-identity-contracts/id-match-es';
import { createMatchIdFrClient } from 'orange-identity-contracts/match-id-fr';
import { createAuthenticationFrClient } from 'orange-identity-contracts/authentication-fr';
import { buildAuthorizationRequest, createTokenProvider, OrangeAuthError, type OrangeAuthErrorCode } from 'orange-identity-contracts/auth';

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
console.log(JSON.stringify({ url: request.url, code, isError: new OrangeAuthError(code, 'x') instanceof Error }));
`;

/**
 * Installs the tarball as a consumer would, with `npm ci`, but offline: the consumer's lockfile lists the
 * package (from the tarball) and its run-time dependencies exactly as this repository's lockfile resolves them
 * (every entry not marked dev), with their integrity. `npm ci` of this repository put those tarballs in the
 * npm cache, so no network and no package metadata are needed, even on a cache that was empty before `npm ci`.
 */
async function installOffline(dir: string, tarball: string): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  const spec = `file:${path.basename(tarball)}`;
  // With `resolved` (the registry's tarball address, which this machine's npm config may leave out of lockfiles)
  // and `integrity`, npm takes each tarball from the cache by its integrity and never asks for metadata.
  const tarballUrl = (key: string, version: string) => {
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`;
  };
  const runtime = Object.entries(lock.packages as Record<string, { dev?: boolean; link?: boolean; version: string; resolved?: string }>)
    .filter(([key, entry]) => key && !entry.dev && !entry.link)
    .map(([key, entry]) => [key, { resolved: tarballUrl(key, entry.version), ...entry }] as const);
  const bin = Object.fromEntries(Object.entries(manifest.bin as Record<string, string>).map(([k, v]) => [k, v.replace(/^\.\//, '')]));
  const root = { name: 'consumer', private: true, type: 'module', dependencies: { [manifest.name]: spec } };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(root));
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({
    name: 'consumer', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'consumer', dependencies: root.dependencies },
      [`node_modules/${manifest.name}`]: { version: manifest.version, resolved: spec, license: manifest.license, dependencies: manifest.dependencies, bin, engines: manifest.engines },
      ...Object.fromEntries(runtime),
    },
  }));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** True when `node` holds, at any depth, an object with a string `kty` and a string private member (a private JWK). */
function holdsPrivateJwk(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false;
  const object = node as Record<string, unknown>;
  if (typeof object.kty === 'string' && PRIVATE_MEMBERS.some((m) => typeof object[m] === 'string')) return true;
  return Object.values(object).some(holdsPrivateJwk);
}

/** What in `text` (a file of the package) is private key material: a PEM private key, or a private JWK in a JSON or
 *  YAML file, or written as a JSON object inside any other file (code, HTML, Markdown). */
function privateKeyMaterial(file: string, text: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(text)) return 'a PEM private key';
  let parsed: unknown[] = [];
  try {
    if (file.endsWith('.json')) parsed = [JSON.parse(text)];
    if (/\.ya?ml$/.test(file)) parsed = parseAllDocuments(text).map((d) => d.toJS());
  } catch { /* not data: scanned as text below */ }
  if (parsed.some(holdsPrivateJwk)) return 'a private JWK';
  const member = new RegExp(`["'](?:${PRIVATE_MEMBERS.join('|')})["']\\s*:\\s*["'][A-Za-z0-9_-]{16,}`);
  for (const [object] of text.matchAll(/\{[^{}]*\}/g)) {
    if (/["']kty["']\s*:\s*["']/.test(object) && member.test(object)) return `a private JWK written in the text: ${object.slice(0, 60)}...`;
  }
  return undefined;
}

beforeAll(async () => {
  consumer = await mkdtemp(path.join(tmpdir(), 'consumer-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: REPO_ROOT });
  await installOffline(consumer, path.join(consumer, stdout.trim().split('\n').pop()!));
  await writeFile(path.join(consumer, 'consumer.ts'), CONSUMER_TS);
  await writeFile(path.join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false, types: [], outDir: 'out', lib: ['ES2022', 'DOM'] },
    files: ['consumer.ts'],
  }));
}, 180_000);
afterAll(async () => { if (consumer) await rm(consumer, { recursive: true, force: true }); });

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

  it('holds no private key material: no private JWK member, no PEM private key, in any file', async () => {
    const files = (await readdir(installed(), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const entry of files) {
      const file = path.join(entry.parentPath, entry.name);
      const material = privateKeyMaterial(file, await readFile(file, 'utf8'));
      if (material) found.push(`${path.relative(installed(), file)}: ${material}`);
    }
    expect(found).toEqual([]);
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
    const result = await run(TSC, ['-p', 'tsconfig.json'], { cwd: consumer }).catch((e: { stdout: string }) => e);
    expect((result as { stdout: string }).stdout).toBe('');
  });

  it('runs the compiled consumer as ESM on Node', async () => {
    const { stdout } = await run(process.execPath, ['out/consumer.js'], { cwd: consumer });
    const printed = JSON.parse(stdout);
    expect(printed.url).toMatch(/^https:\/\/api\.orange\.com\/openidconnect\/fr\/v1\/authorize\?response_type=code&client_id=c&scope=openid\+check_id/);
    expect(printed.isError).toBe(true);
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

  it('compiles every TypeScript block of README.md and docs/ against the package, under tsc --strict', async () => {
    const sources = ['README.md', ...(await readdir(path.join(REPO_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const snippets: string[] = [];
    await mkdir(path.join(consumer, 'snippets'), { recursive: true });
    for (const source of sources) {
      const blocks = [...(await readFile(path.join(REPO_ROOT, source), 'utf8')).matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
      for (const [i, block] of blocks.entries()) {
        const name = `${source.replace(/[/.]/g, '_')}_${i + 1}.ts`;
        await writeFile(path.join(consumer, 'snippets', name), `${block}\nexport {};\n`);
        snippets.push(name);
      }
    }
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
    const result = await run(TSC, ['-p', 'snippets/tsconfig.json'], { cwd: consumer }).catch((e: { stdout: string }) => e);
    expect((result as { stdout: string }).stdout).toBe('');
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
