/** The work of `orange-identity keys` (cli/keys.ts holds its options), loaded when the command runs. */
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSigningKey } from 'orange-identity-client/auth/keys';
import { PRIVATE_JWK_ENV } from 'orange-identity-client/auth/private-key';
import type { Values } from '../command.js';
import { defaultKeysDir } from '../defaults.js';

/** The nearest folder at or above `dir` that holds a project (package.json or .git), if any. */
function projectAbove(dir: string): string | undefined {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json')) || existsSync(path.join(d, '.git'))) return d;
  }
  return undefined;
}

export async function run(values: Values): Promise<number> {
  const dir = path.resolve(typeof values.out === 'string' ? values.out : defaultKeysDir());
  const privatePath = path.join(dir, 'private-key.jwk.json');
  const jwksPath = path.join(dir, 'jwks.json');
  if (existsSync(privatePath) && !values.force) {
    console.error(`error: ${privatePath} exists; pass --force to replace it`);
    return 2;
  }
  const key = await generateSigningKey();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(privatePath, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
  // The mode applies to a new file only: a key replaced with --force gets it too.
  await chmod(privatePath, 0o600);
  await writeFile(jwksPath, `${JSON.stringify(key.jwks, null, 2)}\n`);
  console.error(`private key (keep secret): ${privatePath}\nJWKS to register on the Orange Developer portal: ${jwksPath}\nkid: ${key.kid}\n` +
    `your application and the conformance profiles read the key from ${PRIVATE_JWK_ENV} (the path of this file, or the JWK itself):\n  export ${PRIVATE_JWK_ENV}=${JSON.stringify(privatePath)}`);
  const project = projectAbove(dir);
  if (project) {
    console.error(`warning: ${dir} is inside the project ${project}: add this line to its .gitignore so that the private key is never committed:\n  ${path.relative(project, privatePath) || 'private-key.jwk.json'}`);
  }
  console.log(JSON.stringify(key.jwks, null, 2));
  return 0;
}
