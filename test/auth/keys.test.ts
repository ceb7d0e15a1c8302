import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { generateSigningKey, isPrivateJwk, signingKeyFromJwk } from 'orange-identity-client/auth/keys';
import { main } from '../../cli/main.js';
import { validateAgainst } from '../helpers/contract.js';
import { unsupportedKeys } from '../helpers/keys.js';

describe('generateSigningKey', () => {
  it('makes an RS256 2048-bit key pair whose kid is its RFC 7638 SHA-256 thumbprint', async () => {
    const key = await generateSigningKey();
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig', alg: 'RS256' });
    expect(Buffer.from(key.publicJwk.n, 'base64url').length * 8).toBe(2048);
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: 'RSA', e: key.publicJwk.e, n: key.publicJwk.n }, 'sha256'));
    expect(key.privateJwk.kid).toBe(key.kid);
    expect(key.publicJwk.kid).toBe(key.kid);
  });

  it('exports a JWKS that holds the public key only and follows the contract Jwks schema', async () => {
    const { jwks } = await generateSigningKey();
    expect(jwks.keys).toHaveLength(1);
    expect(isPrivateJwk(jwks.keys[0]!)).toBe(false);
    const result = validateAgainst('direct-match-id-fr', 'Jwks', jwks);
    expect(result.ok, result.errors).toBe(true);
  });

  it('refuses a modulus under 2048 bits', async () => {
    await expect(generateSigningKey({ modulusLength: 1024 })).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' });
  });
});

describe('signingKeyFromJwk', () => {
  it('keeps the kid a private JWK already has, and derives the public JWK from it', async () => {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'my-key' };
    const key = await signingKeyFromJwk(jwk);
    expect(key.kid).toBe('my-key');
    expect(key.publicJwk).toEqual({ kty: 'RSA', e: jwk.e, n: jwk.n, kid: 'my-key', use: 'sig', alg: 'RS256' });
  });

  it('refuses public keys, EC keys and RSA keys under 2048 bits', async () => {
    const { publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const { privateKey: ec } = await generateKeyPair('ES256', { extractable: true });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }) as JWK;
    for (const jwk of [await exportJWK(publicKey), await exportJWK(ec), small]) {
      await expect(signingKeyFromJwk(jwk)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' });
    }
  });

  it('refuses with ERR_KEY_UNSUPPORTED whatever cannot sign RS256, and keys that are not JWKs', async () => {
    const keys = [...await unsupportedKeys(), ['a 2048-bit RSA KeyObject', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey] as const];
    for (const [label, key] of keys) {
      await expect(signingKeyFromJwk(key as JWK), label).rejects.toMatchObject({ name: 'OrangeAuthError', code: 'ERR_KEY_UNSUPPORTED' });
    }
  });
});

describe('orange-identity keys', () => {
  it('writes the private key with mode 0600 and prints only the public JWKS', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'keys-'));
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const err = vi.spyOn(console, 'error').mockImplementation((s: string) => void out.push(s));
    try {
      expect(await main(['keys', '--out', dir])).toBe(0);
      const privateJwk = JSON.parse(await readFile(path.join(dir, 'private-key.jwk.json'), 'utf8'));
      expect((await stat(path.join(dir, 'private-key.jwk.json'))).mode & 0o777).toBe(0o600);
      const jwks = JSON.parse(await readFile(path.join(dir, 'jwks.json'), 'utf8'));
      expect(jwks.keys[0].kid).toBe(privateJwk.kid);
      expect(JSON.parse(log.mock.calls[0]![0] as string)).toEqual(jwks);
      const printed = out.join('\n');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(printed).not.toContain(privateJwk[member]);
      expect(await main(['keys', '--out', dir])).toBe(2);
      // Replaced with --force: a new key, still 0600 even when the old file was readable by others.
      await chmod(path.join(dir, 'private-key.jwk.json'), 0o644);
      expect(await main(['keys', '--out', dir, '--force'])).toBe(0);
      expect(JSON.parse(await readFile(path.join(dir, 'private-key.jwk.json'), 'utf8')).kid).not.toBe(privateJwk.kid);
      expect((await stat(path.join(dir, 'private-key.jwk.json'))).mode & 0o777).toBe(0o600);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});
