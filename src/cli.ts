/**
 * `orange-identity <command>`: the toolkit's command line.
 *
 *   conformance [...]              replay every documented response against a target (see --help)
 *   mock [--port 4010]             Prism mock of the five APIs on one port
 *   sandbox [--port 8080]          the stateful reference sandbox of the five APIs
 *   keys [--out <dir>] [--force]   generate an RS256 2048-bit key pair for Direct Match ID France: writes
 *                                  <dir>/private-key.jwk.json (mode 0600) and <dir>/jwks.json, prints the JWKS
 *                                  to register on the Orange Developer portal. The private key is never printed.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { conformanceCommand, mockCommand } from '../conformance/cli.js';
import { sandboxCommand } from '../sandbox/cli.js';
import { generateSigningKey } from './auth/keys.js';

const USAGE = `usage: orange-identity <command>

  conformance [--target <baseURL>] [--profile <name|file>] [--api <slug>]... [--report <junit.xml>]
  mock [--port 4010] [--host 127.0.0.1] [--verbose]
  sandbox [--port 8080] [--host 127.0.0.1] [--fixture <file>]
  keys [--out <dir>] [--force]`;

async function keys(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: '.' }, force: { type: 'boolean', default: false } } });
  const dir = path.resolve(values.out!);
  const privatePath = path.join(dir, 'private-key.jwk.json');
  const jwksPath = path.join(dir, 'jwks.json');
  if (existsSync(privatePath) && !values.force) {
    console.error(`error: ${privatePath} exists; pass --force to replace it`);
    return 2;
  }
  const key = await generateSigningKey();
  await mkdir(dir, { recursive: true });
  await writeFile(privatePath, `${JSON.stringify(key.privateJwk, null, 2)}\n`, { mode: 0o600 });
  await writeFile(jwksPath, `${JSON.stringify(key.jwks, null, 2)}\n`);
  console.error(`private key (keep secret): ${privatePath}\nJWKS to register on the Orange Developer portal: ${jwksPath}\nkid: ${key.kid}`);
  console.log(JSON.stringify(key.jwks, null, 2));
  return 0;
}

const commands: Record<string, (args: string[]) => Promise<number>> = { conformance: conformanceCommand, mock: mockCommand, sandbox: sandboxCommand, keys };

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(USAGE);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
}
