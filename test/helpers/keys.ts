import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { generateKeyPair, type JWK } from 'jose';

/** Keys that cannot sign RS256, or not with 2048 bits: each is refused with ERR_KEY_UNSUPPORTED. */
export async function unsupportedKeys(): Promise<[string, unknown][]> {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const webRsa1024 = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
  const { privateKey: webEc } = await generateKeyPair('ES256');
  const { privateKey: webPs256 } = await generateKeyPair('PS256');
  const jwk = (key: KeyObject) => ({ ...(key.export({ format: 'jwk' }) as JWK), kid: 'k' });
  return [
    ['a 1024-bit RSA private JWK', jwk(rsa1024.privateKey)],
    ['an EC private JWK', jwk(ec.privateKey)],
    ['an OKP (Ed25519) private JWK', jwk(generateKeyPairSync('ed25519').privateKey)],
    ['a public RSA JWK', jwk(rsa2048.publicKey)],
    ['an RSA JWK with alg PS256', { ...jwk(rsa2048.privateKey), alg: 'PS256' }],
    ['an RSA JWK whose members do not parse', { ...jwk(rsa2048.privateKey), p: undefined }],
    ['a symmetric (oct) JWK', { kty: 'oct', k: 'c2VjcmV0', kid: 'k' }],
    ['a 1024-bit RSA KeyObject', rsa1024.privateKey],
    ['an EC KeyObject', ec.privateKey],
    ['an RSA-PSS KeyObject', generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey],
    ['a public RSA KeyObject', rsa2048.publicKey],
    ['a secret KeyObject', KeyObject.from(await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']))],
    ['a 1024-bit RSA CryptoKey', webRsa1024.privateKey],
    ['an EC CryptoKey', webEc],
    ['an RSA-PSS CryptoKey', webPs256],
    ['a public RSA CryptoKey', (await generateKeyPair('RS256')).publicKey],
    ['a PEM string', rsa2048.privateKey.export({ format: 'pem', type: 'pkcs8' })],
  ];
}
