/** `orange-identity keys`: an RS256 key pair for Direct Match ID France, written where no commit picks it up; its
 *  options here, its work in run/keys.ts. */
import { homedir } from 'node:os';
import { PRIVATE_JWK_ENV } from 'orange-identity-client/auth/private-key';
import type { Command } from './command.js';
import { defaultKeysDir } from './defaults.js';

export const keys: Command = {
  name: 'keys',
  summary: 'generate an RS256 2048-bit key pair for Direct Match ID France: the private JWK (mode 0600) and the JWKS to register on the portal',
  options: {
    out: { type: 'string', value: '<dir>', description: `folder for private-key.jwk.json and jwks.json (default: ${defaultKeysDir().replace(homedir(), '~')}, outside any project)` },
    force: { type: 'boolean', description: 'replace an existing private-key.jwk.json' },
  },
  details: `Prints the JWKS (public key only) on stdout; the private key is written, never printed. Give its path to your application as ${PRIVATE_JWK_ENV}.`,
  run: (values) => import('./run/keys.js').then((m) => m.run(values)),
};
