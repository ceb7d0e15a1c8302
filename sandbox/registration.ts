/**
 * What a registered client must hold beyond its schema, as the portal would check it: public keys fit to verify
 * RS256 assertions, redirect URIs a browser may be sent to, a JWKS URI the sandbox may fetch. Every registration
 * path applies them (the fixture, the admin API), and the keys fetched from a JWKS URI are held to the same rules
 * before they verify anything. Each problem names the field and the rule.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.3 RS256: a key of 2048 bits or more
 * @see https://www.rfc-editor.org/rfc/rfc8017#section-3.1 RSA public key: an odd exponent of at least 3
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-4.2 use, 4.3 key_ops, 4.4 alg
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2 Redirection endpoint: absolute, no fragment
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3 Loopback redirection
 */
import type { JWK } from 'jose';
import jwkSchema from '../generated/direct-match-id-fr/schemas/Jwk.json' with { type: 'json' };
import { ASSERTION_ALG } from 'orange-identity-client/auth/jwt-bearer';

/** The bounds of an RS256 verification key: the modulus's bits, and the exponent's. */
const KEY_BOUNDS = { minModulusBits: 2048, maxModulusBits: 16_384, minExponent: 3, maxExponentBits: 256 } as const;
/** The `use` and the `key_ops` member the contract's `Jwk` asks of a registered key. */
const USE = jwkSchema.properties.use.const;
const VERIFY = jwkSchema.properties.key_ops.contains.const;

const bitLength = (bytes: Buffer) => (bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!)));

/** What makes a Base64urlUInt member unfit: nothing, a leading zero octet; else its octets. */
function unsigned(value: unknown, where: string, problems: string[]): Buffer | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length > 1 && bytes[0] === 0) {
    problems.push(`${where} starts with a zero octet: a Base64urlUInt is written in the fewest octets (RFC 7518 section 2)`);
    return undefined;
  }
  return bytes;
}

/** What makes a registered public key unfit to verify RS256 assertions: its size, its exponent, its purpose. */
export function keyProblems(jwk: JWK, where: string): string[] {
  const problems: string[] = [];
  if (jwk.kty !== 'RSA') return [`${where}/kty is ${JSON.stringify(jwk.kty)}: an RS256 key is RSA`];
  const n = unsigned(jwk.n, `${where}/n`, problems);
  if (n) {
    const bits = bitLength(n);
    if (bits < KEY_BOUNDS.minModulusBits) problems.push(`${where}/n is a ${bits}-bit modulus: an RS256 key has ${KEY_BOUNDS.minModulusBits} bits or more (RFC 7518 section 3.3)`);
    else if (bits > KEY_BOUNDS.maxModulusBits) problems.push(`${where}/n is a ${bits}-bit modulus: the sandbox takes at most ${KEY_BOUNDS.maxModulusBits} bits`);
    else if ((n.at(-1)! & 1) === 0) problems.push(`${where}/n is even: not an RSA modulus (RFC 8017 section 3.1)`);
  }
  const e = unsigned(jwk.e, `${where}/e`, problems);
  if (e) {
    const bits = bitLength(e);
    if (bits > KEY_BOUNDS.maxExponentBits) problems.push(`${where}/e has ${bits} bits: an RSA public exponent has at most ${KEY_BOUNDS.maxExponentBits} (FIPS 186-5 section A.1.1)`);
    else if ((e.at(-1)! & 1) === 0 || (bits <= 2 && e.at(-1)! < KEY_BOUNDS.minExponent)) {
      problems.push(`${where}/e is ${bits <= 32 ? e.readUIntBE(0, e.length) : 'even'}: an RSA public exponent is odd and at least ${KEY_BOUNDS.minExponent} (RFC 8017 section 3.1; with e = 1 any signature verifies)`);
    }
  }
  if (jwk.use !== undefined && jwk.use !== USE) problems.push(`${where}/use is ${JSON.stringify(jwk.use)}: a key that verifies assertions has use "${USE}" (RFC 7517 section 4.2)`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes(VERIFY))) {
    problems.push(`${where}/key_ops is ${JSON.stringify(jwk.key_ops)}: a key that verifies assertions has "${VERIFY}" among its key_ops (RFC 7517 section 4.3)`);
  }
  if (jwk.alg !== undefined && jwk.alg !== ASSERTION_ALG) problems.push(`${where}/alg is ${JSON.stringify(jwk.alg)}: the assertions are ${ASSERTION_ALG} (RFC 7517 section 4.4)`);
  return problems;
}

/** A loopback host of a URL: `localhost`, 127.0.0.0/8 or `[::1]` (RFC 8252 section 8.3). */
const isLoopbackHost = (hostname: string) => hostname === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';

/** What makes a redirect URI unfit: relative, another scheme than http(s) (`javascript:`, `data:`, `file:`), a fragment. */
function redirectUriProblem(uri: string, where: string): string | undefined {
  if (!URL.canParse(uri)) return `${where} ${JSON.stringify(uri)} is not an absolute URI (RFC 6749 section 3.1.2)`;
  const url = new URL(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${where} ${JSON.stringify(uri)} has the scheme ${url.protocol.slice(0, -1)}: a redirect URI is http or https`;
  if (uri.includes('#')) return `${where} ${JSON.stringify(uri)} has a fragment: a redirect URI has none (RFC 6749 section 3.1.2)`;
  return undefined;
}

/** What makes a JWKS URI unfit: relative, another scheme than https, or http beyond the loopback. */
function jwksUriProblem(uri: string, where: string): string | undefined {
  if (!URL.canParse(uri)) return `${where} ${JSON.stringify(uri)} is not an absolute URI`;
  const url = new URL(uri);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined;
  return `${where} ${JSON.stringify(uri)} is not an https URI: a JWKS URI is https, or http on a loopback address (localhost, 127.0.0.1, [::1])`;
}

/** Every problem of a client's keys, redirect URIs and JWKS URI, each naming its field under `where`. */
export function registrationProblems(client: { redirectUris?: readonly string[]; jwksUri?: string; jwks?: { keys: readonly JWK[] } }, where: string): string[] {
  return [
    ...(client.jwks?.keys ?? []).flatMap((key, i) => keyProblems(key, `${where}/jwks/keys/${i}`)),
    ...(client.redirectUris ?? []).map((uri, i) => redirectUriProblem(uri, `${where}/redirectUris/${i}`)),
    client.jwksUri === undefined ? undefined : jwksUriProblem(client.jwksUri, `${where}/jwksUri`),
  ].filter((p): p is string => p !== undefined);
}
