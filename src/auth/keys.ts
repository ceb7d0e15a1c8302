/**
 * RS256 signing keys for the JWT bearer grant of Direct Match ID France, as the page's prerequisites describe:
 * an RSA key pair of 2048 bits, `alg: RS256`, `use: sig`, and a `kid` that is the key's SHA-256 thumbprint.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4 JSON Web Key parameters
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5 JSON Web Key Set
 * @see https://www.rfc-editor.org/rfc/rfc7638#section-3 JWK thumbprint (the `kid`)
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { OrangeAuthError } from './errors.js';

/** The members of an RSA JWK that are private (RFC 7518 section 6.3.2): never in a registered JWKS. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

export interface RsaPublicJwk { kty: 'RSA'; e: string; n: string; kid: string; use: 'sig'; alg: 'RS256' }
export interface RsaPrivateJwk extends RsaPublicJwk { d: string; p: string; q: string; dp: string; dq: string; qi: string }
export interface Jwks { keys: RsaPublicJwk[] }

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
  const modulusLength = options.modulusLength ?? 2048;
  if (!Number.isInteger(modulusLength) || modulusLength < 2048) {
    throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', `RS256 keys need a modulus of at least 2048 bits, not ${modulusLength}`);
  }
  const { privateKey } = await generateKeyPair('RS256', { modulusLength, extractable: true });
  return signingKeyFromJwk(await exportJWK(privateKey));
}

/** Completes a private RSA JWK (from a file, a vault...) with `kid`, `use` and `alg`, and derives its public JWK and JWKS. */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || typeof jwk.d !== 'string') {
    throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', 'expected a private RSA JWK (kty "RSA" with n, e and d)');
  }
  if (jwk.alg !== undefined && jwk.alg !== 'RS256') {
    throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', `expected an RS256 key, not ${jwk.alg}`);
  }
  if (Buffer.from(jwk.n, 'base64url').length * 8 < 2048) {
    throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', 'RS256 keys need a modulus of at least 2048 bits');
  }
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

/** True when the JWK holds any private member. */
export const isPrivateJwk = (jwk: object): boolean => PRIVATE_MEMBERS.some((m) => m in jwk);
