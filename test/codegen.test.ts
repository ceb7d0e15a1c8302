/**
 * docs/guides/codegen.md, end to end: its `openapi-typescript` command run on the bundle, as a consuming
 * repository runs it, its TypeScript compiled under `tsc --strict` against the types that command wrote, and run
 * against the sandbox (in-process): a code exchanged for tokens through a form body, the userinfo's `sub`, and
 * each of the two error shapes.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/pack.js';
import { startSandbox, type RunningSandbox } from './helpers/sandbox.js';
import { REPO_ROOT } from '../scripts/lib/contract.js';
import { AUTHORIZATION_CODE_GRANT_TYPE } from 'orange-identity-client/auth/oidc';

const GUIDE = 'docs/guides/codegen.md';
const CLIENT = { id: 'sandbox-oidc-client', secret: 'sandbox-client-secret', redirectUri: 'http://www.myserver.com' };

let repo: string;
let sandbox: RunningSandbox;
let example: string;

/** The guide's generator command (`npx openapi-typescript <bundle> -o <file>`) and its TypeScript block. */
async function guide(): Promise<{ input: string; output: string; code: string; file: string }> {
  const text = await readFile(path.join(REPO_ROOT, GUIDE), 'utf8');
  const command = /^npx openapi-typescript (\S+) -o (\S+)$/m.exec(text);
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const file = /`(src\/[\w./-]+\.ts)`/.exec(text.slice(text.indexOf(command?.[0] ?? '\u0000')))?.[1];
  if (!command || blocks.length !== 1 || !file) throw new Error(`${GUIDE}: expected one openapi-typescript command, one TypeScript block and the file it goes in`);
  return { input: command[1]!, output: command[2]!, code: blocks[0]!, file };
}

beforeAll(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'codegen-'));
  // The consuming repository: its node_modules (openapi-fetch, openapi-typescript, @types/node) and the package's
  // bundle where an install puts it.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  const { input, output, code, file } = await guide();
  const bundle = input.replace(/^node_modules\/orange-identity-contracts\//, `${REPO_ROOT}/`);
  await mkdir(path.dirname(path.join(repo, output)), { recursive: true });
  await run(path.join(REPO_ROOT, 'node_modules/.bin/openapi-typescript'), [bundle, '-o', output], { cwd: repo });
  example = path.join(repo, file);
  await writeFile(example, code);
  await writeFile(path.join(repo, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(path.join(repo, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: ['node'], skipLibCheck: true },
    include: ['src'],
  }));
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
  if (repo) await rm(repo, { recursive: true, force: true });
});

/** A code of the sandbox's consenting session, as the end-user's browser brings it back. */
async function code(): Promise<string> {
  const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT.id, scope: 'openid', redirect_uri: CLIENT.redirectUri, state: 's', nonce: 'n' });
  const response = await fetch(`${sandbox.url}/openidconnect/fr/v1/authorize?${query}`, { headers: { Cookie: 'sandbox_session=sandbox-session-consenting' }, redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!).searchParams.get('code')!;
}

describe(`${GUIDE}: openapi-typescript and openapi-fetch from the bundle`, () => {
  it('compiles under tsc --strict against the types the guide\'s command generates', async () => {
    const result = await run(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: repo }).catch((e: { stdout: string }) => e);
    expect((result as { stdout: string }).stdout).toBe('');
  });

  it('exchanges a code through a form body, reads the sub, and tells the two error shapes apart, against the sandbox', async () => {
    process.env.ORANGE_BASE_URL = sandbox.url;
    try {
      const { exchangeCode, subject } = await import(/* @vite-ignore */ example) as {
        exchangeCode(code: string, client: typeof CLIENT): Promise<{ access_token: string; id_token: string; token_type: string }>;
        subject(accessToken: string): Promise<string>;
      };
      const tokens = await exchangeCode(await code(), CLIENT);
      expect(tokens.token_type).toBe('Bearer');
      expect(tokens.id_token.split('.')).toHaveLength(3);
      // The userinfo's sub is the id_token's.
      const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1]!, 'base64url').toString()) as { sub: string };
      expect(await subject(tokens.access_token)).toBe(claims.sub);
      expect(await subject('not-a-token')).toBe('oauth 401: invalid_token');
      sandbox.sandbox.faults.inject({ operationId: 'getOpenIdUserInfo', status: 404, example: 'ResourceNotFound' });
      expect(await subject(tokens.access_token)).toBe('gateway 404: code 60, Resource not found');
      // The guide's form body is what makes the exchange work: the same call as JSON is refused.
      const asJson = await fetch(`${sandbox.url}/openidconnect/fr/v1/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}` },
        body: JSON.stringify({ grant_type: AUTHORIZATION_CODE_GRANT_TYPE, code: await code(), redirect_uri: CLIENT.redirectUri }),
      });
      expect([asJson.status, ((await asJson.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
    } finally {
      delete process.env.ORANGE_BASE_URL;
    }
  });
});
