/**
 * JWT-valued members: decoded, validated against the contract's `contentSchema` (which describes the decoded JWS
 * as `{header, payload}`), and their registered claims checked against what the exchange knows: the issuer and
 * audience expected, the nonce sent, the clock, and the HMAC key of an HS256 token (OpenID Connect Core 1.0
 * section 3.1.3.7; RFC 7519 section 4.1), and the end-user it is about.
 *
 * Entry points: `decodeJws(value)`, `checkJwt(value, { contentValidator, expect, at })` → Failure[],
 * `JwtExpectations`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { schemaErrors, type Validator } from '../src/contract/validators.js';
import { failure, type Failure } from './failures.js';

export interface DecodedJws {
  header: unknown;
  payload: unknown;
  signingInput: string;
  signature: string;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

const parseSegment = (segment: string): unknown => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

/** A JWS in compact serialization, its header and payload parsed as JSON; undefined when it is not one. */
export function decodeJws(value: string): DecodedJws | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || !parts[0] || !parts[1]) return undefined;
  try {
    return { header: parseSegment(parts[0]), payload: parseSegment(parts[1]), signingInput: `${parts[0]}.${parts[1]}`, signature: parts[2]! };
  } catch {
    return undefined;
  }
}

export interface JwtExpectations {
  /** `iss` must equal it. */
  issuer?: string;
  /** `aud` must be it, or an array holding it. */
  audience?: string;
  /** `sub` must equal it (the end-user the token is about). */
  subject?: string;
  /** `nonce` must be present and equal it. */
  nonce?: string;
  /** The clock, in seconds since the epoch: without it, no claim is compared with the time. */
  now?: number;
  /** Clock skew allowed, in seconds (60 by default). */
  leewaySeconds?: number;
  /** The key of an HMAC-signed token (the client secret of an HS256 id_token): its signature must verify. */
  hmacSecret?: string;
}

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The registered-claim rules, against what the exchange knows. */
function claimFailures(claims: Record<string, unknown>, expect: JwtExpectations, at: string): Failure[] {
  const failures: Failure[] = [];
  const claim = (name: string) => `${at}.${name}`;
  if (expect.issuer !== undefined && claims.iss !== expect.issuer) failures.push(failure('jwt', `iss ${expect.issuer}`, claims.iss ?? 'absent', claim('iss')));
  if (expect.audience !== undefined) {
    const aud = claims.aud;
    if (!(aud === expect.audience || (Array.isArray(aud) && aud.includes(expect.audience)))) failures.push(failure('jwt', `aud ${expect.audience}`, aud ?? 'absent', claim('aud')));
  }
  if (expect.subject !== undefined && claims.sub !== expect.subject) failures.push(failure('jwt', `sub ${expect.subject}`, claims.sub ?? 'absent', claim('sub')));
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) failures.push(failure('jwt', 'nonce: the one sent in the authorization request', claims.nonce ?? 'absent', claim('nonce')));
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const iat = typeof claims.iat === 'number' ? claims.iat : undefined;
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  if (exp !== undefined && iat !== undefined && !(exp > iat)) failures.push(failure('jwt', `exp after iat (${iat})`, exp, claim('exp')));
  if (expect.now !== undefined) {
    const leeway = expect.leewaySeconds ?? 60;
    if (exp !== undefined && !(exp > expect.now - leeway)) failures.push(failure('jwt', `exp in the future (now ${expect.now})`, exp, claim('exp')));
    if (iat !== undefined && iat > expect.now + leeway) failures.push(failure('jwt', `iat not in the future (now ${expect.now})`, iat, claim('iat')));
    if (authTime !== undefined && authTime > expect.now + leeway) failures.push(failure('jwt', `auth_time not in the future (now ${expect.now})`, authTime, claim('auth_time')));
  }
  if (authTime !== undefined && iat !== undefined && authTime > iat) failures.push(failure('jwt', `auth_time not after iat (${iat})`, authTime, claim('auth_time')));
  return failures;
}

function signatureFailures(jws: DecodedJws, expect: JwtExpectations, at: string): Failure[] {
  if (expect.hmacSecret === undefined || !isObject(jws.header)) return [];
  const hash = HMAC[jws.header.alg as keyof typeof HMAC];
  if (!hash) return [];
  const want = createHmac(hash, expect.hmacSecret).update(jws.signingInput).digest();
  const got = Buffer.from(jws.signature, 'base64url');
  return want.length === got.length && timingSafeEqual(want, got) ? [] : [failure('jwt', `a ${jws.header.alg} signature made with the client secret`, 'a signature that does not verify', `${at} signature`)];
}

/**
 * Checks a JWT-valued member. `contentValidator` is the precompiled validator of its `contentSchema` (given the
 * decoded `{header, payload}`); `at` names the member in failures (`id_token`).
 */
export function checkJwt(value: unknown, options: { contentValidator?: Validator; expect?: JwtExpectations; at: string }): Failure[] {
  const { at } = options;
  const jws = typeof value === 'string' ? decodeJws(value) : undefined;
  if (!jws) return [failure('jwt', 'a JWS in compact serialization whose header and payload are base64url JSON', typeof value === 'string' ? 'a value that does not decode' : value, at)];
  const failures: Failure[] = [];
  if (options.contentValidator) {
    const errors = schemaErrors(options.contentValidator, { header: jws.header, payload: jws.payload }, at);
    if (errors) failures.push(failure('jwt', 'header and claims valid against the contentSchema', errors, at));
  }
  if (isObject(jws.payload)) failures.push(...claimFailures(jws.payload, options.expect ?? {}, at));
  failures.push(...signatureFailures(jws, options.expect ?? {}, at));
  return failures;
}
