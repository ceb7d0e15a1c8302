/**
 * RS256 signing keys for the JWT bearer grant of Direct Match ID France, as the page's prerequisites describe:
 * an RSA key pair of 2048 bits, `alg: RS256`, `use: sig`, and a `kid` that is the key's SHA-256 thumbprint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4 JSON Web Key parameters
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5 JSON Web Key Set
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3 JWK thumbprint (the `kid`)
 */
import { createPrivateKey, type JsonWebKey, type KeyObject as NodeKeyObject } from 'node:crypto';
import { types } from 'node:util';
// jose's key types, not node's, in signatures: the package's .d.ts files must not need @types/node.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { components } from '../../generated/direct-match-id-fr/types.js';
import { OrangeAuthError } from './errors.js';

/** The smallest RSA modulus RS256 accepts (RFC 7518 section 3.3), and the size the page asks for. */
export const MIN_MODULUS_LENGTH = 2048;

/** The members of an RSA JWK that are private (RFC 7518 section 6.3.2): never in a registered JWKS. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

type ContractJwk = components['schemas']['Jwk'];
/** A registered public key: the contract's `Jwk` (kty RSA, kid, n, e), with `use: sig` and `alg: RS256` set. */
export type RsaPublicJwk = Required<Pick<ContractJwk, 'kty' | 'e' | 'n' | 'kid' | 'use' | 'alg'>>;
/** The private key: the public members and RFC 7518 section 6.3.2's private ones, which a registered JWKS never holds. */
export interface RsaPrivateJwk extends RsaPublicJwk { d: string; p: string; q: string; dp: string; dq: string; qi: string }
/** The JWKS document to register: the contract's `Jwks`, of public keys only. */
export type Jwks = components['schemas']['Jwks'] & { keys: RsaPublicJwk[] };

export interface SigningKey {
  /** The private key as a JWK. Keep it secret: store it with restricted permissions, never log it. */
  privateJwk: RsaPrivateJwk;
  /** The public key as a JWK, with the same `kid`. */
  publicJwk: RsaPublicJwk;
  /** The JWKS document to register on the Orange Developer portal: the public key only. */
  jwks: Jwks;
  kid: string;
}

/** Generates an RS256 2048-bit key pair whose `kid` is its RFC 7638 SHA-256 thumbprint. */
export async function generateSigningKey(options: { modulusLength?: number } = {}): Promise<SigningKey> {
  const modulusLength = options.modulusLength ?? MIN_MODULUS_LENGTH;
  if (!Number.isInteger(modulusLength) || modulusLength < MIN_MODULUS_LENGTH) {
    throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', `RS256 keys need a modulus of at least ${MIN_MODULUS_LENGTH} bits, not ${modulusLength}`);
  }
  const { privateKey } = await generateKeyPair('RS256', { modulusLength, extractable: true });
  return signingKeyFromJwk(await exportJWK(privateKey));
}

/** Completes a private RSA JWK (from a file, a vault...) with `kid`, `use` and `alg`, and derives its public JWK and JWKS. */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  if (typeof jwk !== 'object' || jwk === null || types.isKeyObject(jwk) || types.isCryptoKey(jwk)) unsupported('expected a private RSA JWK');
  rs256PrivateKey(jwk);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk, 'sha256'));
  const publicJwk = toPublicJwk({ ...jwk, kid });
  const privateJwk = { ...(jwk as RsaPrivateJwk), ...publicJwk };
  return { privateJwk, publicJwk, jwks: { keys: [publicJwk] }, kid };
}

/** The public part of an RSA JWK, with `use: sig` and `alg: RS256`: the only members a registered JWKS may hold. */
export function toPublicJwk(jwk: JWK & { kid: string }): RsaPublicJwk {
  const { kty, e, n, kid } = jwk;
  if (kty !== 'RSA' || !e || !n) throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', 'expected an RSA JWK');
  return { kty: 'RSA', e, n, kid, use: 'sig', alg: 'RS256' };
}

const unsupported = (message: string, cause?: unknown): never => {
  throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', message, cause === undefined ? {} : { cause });
};

/**
 * Checks that `key` can sign RS256 and returns it in a form jose signs with: an RSA private key (RSASSA-PKCS1-v1_5,
 * not RSA-PSS) of at least 2048 bits, given as a private JWK, a `KeyObject` or a WebCrypto `CryptoKey` (which must
 * also be SHA-256 and allowed to sign). Synchronous, so that a token provider refuses a bad key at creation.
 * @throws OrangeAuthError `ERR_KEY_UNSUPPORTED` for anything else: a public or symmetric key, EC, OKP, RSA-PSS, fewer
 *   than 2048 bits, a JWK whose `alg` is not RS256, or a JWK that does not parse (with the parser's error as `cause`)
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3 RS256 needs a key of 2048 bits or larger
 */
export function rs256PrivateKey(key: unknown): KeyObject | CryptoKey {
  if (types.isCryptoKey(key)) {
    const cryptoKey = key as CryptoKey;
    const algorithm = cryptoKey.algorithm as { name: string; modulusLength?: number; hash?: { name: string } };
    if (cryptoKey.type !== 'private' || algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256' || !cryptoKey.usages.includes('sign')) {
      unsupported(`expected an RSASSA-PKCS1-v1_5 SHA-256 private CryptoKey usable to sign, not a ${cryptoKey.type} ${algorithm.name} key`);
    }
    if (!((algorithm.modulusLength ?? 0) >= MIN_MODULUS_LENGTH)) unsupported(`RS256 keys need a modulus of at least ${MIN_MODULUS_LENGTH} bits, not ${algorithm.modulusLength}`);
    return cryptoKey;
  }
  let keyObject: NodeKeyObject;
  if (types.isKeyObject(key)) {
    keyObject = key as NodeKeyObject;
  } else if (typeof key === 'object' && key !== null && 'kty' in key) {
    const jwk = key as JWK;
    if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string') unsupported(`expected a private RSA JWK (kty "RSA" with d), not ${jwk.kty === 'RSA' ? 'a public one' : `kty ${String(jwk.kty)}`}`);
    if (jwk.alg !== undefined && jwk.alg !== 'RS256') unsupported(`expected an RS256 key, not ${jwk.alg}`);
    try {
      keyObject = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch (cause) {
      return unsupported(`the private RSA JWK does not parse: ${(cause as Error).message}`, cause);
    }
  } else {
    return unsupported('expected a private RSA JWK, a KeyObject or a CryptoKey');
  }
  if (keyObject.type !== 'private' || keyObject.asymmetricKeyType !== 'rsa') {
    unsupported(`expected an RSA private key, not a ${keyObject.type} ${keyObject.asymmetricKeyType ?? 'secret'} key`);
  }
  const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_LENGTH) unsupported(`RS256 keys need a modulus of at least ${MIN_MODULUS_LENGTH} bits, not ${bits}`);
  return keyObject as KeyObject;
}

/** True when the JWK holds any private member. */
export const isPrivateJwk = (jwk: object): boolean => PRIVATE_MEMBERS.some((m) => m in jwk);
