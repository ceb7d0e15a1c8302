/**
 * The Direct Match ID private key from the environment: one variable, `ORANGE_PRIVATE_JWK`, with one meaning
 * everywhere (this library, the `orange-identity` command, the conformance profiles): the path of a JWK file (as
 * `orange-identity keys` writes it), or the JWK itself, as JSON. A value whose first character is `{` is the JWK;
 * anything else is a path, resolved against `baseDir` (the working directory by default).
 *
 * Nothing here ever prints the key: errors name the variable or the path, never the text.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4 JSON Web Key parameters
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { OrangeAuthError } from './errors.js';

/** The environment variable that holds the private key: a path to a JWK file, or the JWK as JSON. */
export const PRIVATE_JWK_ENV = 'ORANGE_PRIVATE_JWK';

export interface PrivateJwkOptions {
  /** Where a relative path is resolved; the working directory by default. */
  baseDir?: string;
  /** What the value is called in error messages (`ORANGE_PRIVATE_JWK` for the environment). */
  name?: string;
}

const invalid = (message: string, cause?: unknown): never => {
  throw new OrangeAuthError('ERR_INVALID_OPTION', message, cause === undefined ? {} : { cause });
};

/**
 * Reads a JWK given as the path of a JWK file, its JSON text (first character `{`), or an object (returned as is).
 * It must be a JSON object with a string `kty`; whether it can sign RS256 is checked where it is used
 * (`createTokenProvider`, `signingKeyFromJwk`: `ERR_KEY_UNSUPPORTED`).
 * @throws OrangeAuthError `ERR_INVALID_OPTION`: an empty value, a file that cannot be read, text that is not JSON,
 *   JSON that is not a JWK
 */
export function readPrivateJwk(value: string | JWK, options: PrivateJwkOptions = {}): JWK {
  const name = options.name ?? 'the private JWK';
  let jwk: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text) invalid(`${name} is empty: give the path of a JWK file or the JWK itself`);
    let source = text;
    const from = text.startsWith('{') ? `${name} (JSON)` : resolve(options.baseDir ?? '.', text);
    if (!text.startsWith('{')) {
      try {
        source = readFileSync(from, 'utf8');
      } catch (cause) {
        invalid(`cannot read ${name} from ${from}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, cause);
      }
    }
    try {
      jwk = JSON.parse(source);
    } catch {
      // The parser's message quotes the text: a key must never reach a message.
      invalid(`${from} is not JSON: expected a JWK`);
    }
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof (jwk as JWK).kty !== 'string') {
    invalid(`${name} is not a JWK: expected a JSON object with "kty"`);
  }
  return jwk as JWK;
}

/**
 * The private JWK named by `ORANGE_PRIVATE_JWK`: a path to a JWK file, or the JWK itself.
 *
 * ```ts
 * const privateKey = privateJwkFromEnv(); // ORANGE_PRIVATE_JWK=~/.config/orange-identity/keys/private-key.jwk.json
 * const tokens = createTokenProvider({ clientId, msisdn, scope: ['atp_kyc_plain'], privateKey });
 * ```
 * @param options.env the environment (`process.env` by default)
 * @throws OrangeAuthError `ERR_INVALID_OPTION` when the variable is unset or does not hold a JWK (see readPrivateJwk)
 */
export function privateJwkFromEnv(options: PrivateJwkOptions & { env?: Record<string, string | undefined> } = {}): JWK {
  const value = (options.env ?? process.env)[PRIVATE_JWK_ENV];
  if (value === undefined) invalid(`${PRIVATE_JWK_ENV} is not set: give it the path of your private JWK file (npx orange-identity keys writes one) or the JWK itself`);
  return readPrivateJwk(value!, { name: PRIVATE_JWK_ENV, ...options });
}
