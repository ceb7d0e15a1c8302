/**
 * The JWT bearer grant of Direct Match ID France (RFC 7523): each row of the page's error table under its own
 * condition, checked in the order docs/sandbox.md gives, so that the first that applies answers. The assertion is
 * parsed (rows 1-9), its client found and its signature verified with the client's registered key (rows 10-18),
 * then its claims checked (rows 19-28).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3 JWT format and processing requirements
 */
import { compactVerify, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { ASSERTION_ALG, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE, MAX_ASSERTION_LIFETIME_SECONDS } from 'orange-identity-client/auth/jwt-bearer';
import { validator } from '../src/contract/validators.js';
import type { Client } from './fixture.js';
import type { Form } from '../src/contract/form.js';
import { parseObject } from './http.js';
import { keyProblems } from './registration.js';
import { REMOTE_JWKS_LIFETIME, type SandboxParts } from './state.js';

/** Algorithms the server knows; a client registers RS256. Symmetric ones and `none` are refused outright. */
const SERVER_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);
const SEGMENT = /^[A-Za-z0-9_-]*$/;
/** The clock skew accepted on an assertion's `iat` and `nbf`, in seconds (docs/sandbox.md). */
export const CLOCK_SKEW_SECONDS = 60;
/** The latest NumericDate accepted, 9999-12-31T23:59:59Z: later values (milliseconds, 1e300, 2^60) are malformed. */
const MAX_NUMERIC_DATE = 253_402_300_799;
const NUMERIC_DATE_CLAIMS = ['exp', 'iat', 'nbf'] as const;
/** A NumericDate as the sandbox accepts it (RFC 7519 section 2): whole seconds from the epoch to the year 9999. */
const isNumericDate = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_NUMERIC_DATE;
/** How long an imported verification key is kept, in seconds (importing one again is cheap). */
const IMPORTED_KEY_LIFETIME = 3600;

type Json = Record<string, unknown>;
/** A documented error's example name (`JwtHasExpired`), or the token to grant. */
export type GrantResult = string | { clientId: string; msisdn: string; scopes: string[] };
interface Parsed { assertion: string; header: Json; claims: Json }

const decode = (segment: string): string | undefined => (SEGMENT.test(segment) ? Buffer.from(segment, 'base64url').toString('utf8') : undefined);

/** Rows 1 to 9: the form and the assertion's shape, header and payload. */
function parse(body: Form | undefined): string | Parsed {
  if (body?.repeated.length) return 'RepeatedParameter';
  const form = body?.params;
  if (form?.grant_type !== JWT_BEARER_GRANT_TYPE) return 'UnsupportedGrantType';
  const segments = (form.assertion ?? '').split('.');
  if (segments.length !== 3) return 'JwtValidationFailed';
  const [headerPart, payloadPart, signature] = segments as [string, string, string];
  if (headerPart === '') return 'MissingJwsHeader';
  const header = parseObject(decode(headerPart));
  const payloadText = decode(payloadPart);
  if (!header || payloadText === undefined || !SEGMENT.test(signature)) return 'JwtValidationFailed';
  const claims = parseObject(payloadText);
  if (!claims) return 'InvalidPayload';
  if (typeof header.kid !== 'string' || !header.kid) return 'MissingJwsHeaderKid';
  if (typeof header.alg !== 'string' || !SERVER_ALGS.has(header.alg)) return 'RequestHeaderAlgNotSupported';
  if (header.typ !== ASSERTION_TYP) return 'JwtValidationFailed';
  return { assertion: form.assertion!, header, claims };
}

export function jwtBearerGrant(parts: SandboxParts & { audience: string }) {
  const { state, now, audience } = parts;
  const claimsSchema = validator('direct-match-id-fr/JwtBearerAssertionClaims');
  const headerSchema = validator('direct-match-id-fr/JwtBearerAssertionHeader');

  /** The keys a client registered: inline, or fetched from its authorized JWKS URI (cached 5 minutes). */
  async function registeredKeys(client: Client): Promise<JWK[] | undefined> {
    if (client.jwks) return client.jwks.keys;
    if (!client.jwksUri) return undefined;
    const cached = state.remoteJwks.get(client.clientId);
    if (cached) return cached;
    try {
      const response = await fetch(client.jwksUri, { signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { keys?: JWK[] };
      if (!response.ok || !Array.isArray(body.keys)) return undefined;
      state.remoteJwks.set(client.clientId, body.keys, now() + REMOTE_JWKS_LIFETIME * 1000);
      return body.keys;
    } catch {
      return undefined;
    }
  }

  /** Rows 10 to 18: the client, its state, its keys, the signature. */
  async function verify({ assertion, header, claims }: Parsed): Promise<string | Client> {
    if (typeof claims.client_id !== 'string' || !claims.client_id) return 'ClientIdUndefined';
    const client = state.clients.get(claims.client_id);
    if (!client) return 'ClientNotFound';
    if (client.suspended) return 'AccessDenied';
    if (header.alg !== ASSERTION_ALG) return 'AlgNotSupportedInClient';
    if (client.jwksUri && client.jwksUriAuthorized === false) return 'JwksUriNotYetAuthorized';
    const jwks = await registeredKeys(client);
    if (!jwks || jwks.length === 0) return 'MissingJwks';
    if (jwks.some((k) => !k.kid)) return 'KidIsMissing';
    // A key unfit to verify RS256 (a weak one, one for encryption: a JWKS URI may serve anything) is no key.
    const jwk = jwks.find((k) => k.kid === header.kid && keyProblems(k, '').length === 0);
    if (!jwk) return 'NoKeyFound';
    const cacheKey = `${client.clientId} ${jwk.kid} ${jwk.n}`;
    let key = state.importedKeys.get(cacheKey);
    if (!key) state.importedKeys.set(cacheKey, (key = importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e } as JWK, ASSERTION_ALG) as Promise<CryptoKey | KeyObject>), now() + IMPORTED_KEY_LIFETIME * 1000);
    try {
      await compactVerify(assertion, await key, { algorithms: [ASSERTION_ALG] });
    } catch {
      return 'InvalidSignature';
    }
    return client;
  }

  /** Rows 19 to 28: the claims, the lifetime, the scopes and the subscriber. */
  function grantFor(client: Client, { header, claims }: Parsed): GrantResult {
    if (claims.iss !== client.clientId || claims.exp === undefined || NUMERIC_DATE_CLAIMS.some((c) => claims[c] !== undefined && !isNumericDate(claims[c])) ||
        !headerSchema(header)) {
      return 'JwtValidationFailed';
    }
    // A string, exactly: the page fixes the value, and Orange compares it for equality (an array is refused).
    if (claims.aud !== audience) return 'AudienceMismatch';
    const seconds = Math.floor(now() / 1000);
    const { exp, iat, nbf } = claims as { exp: number; iat?: number; nbf?: number };
    if (exp <= seconds) return 'JwtHasExpired';
    // RFC 7523 section 3: the 24 hours count from now, and neither iat nor nbf may be ahead of the clock.
    if (exp - seconds > MAX_ASSERTION_LIFETIME_SECONDS || (iat !== undefined && (iat > seconds + CLOCK_SKEW_SECONDS || exp - iat > MAX_ASSERTION_LIFETIME_SECONDS)) ||
        (nbf !== undefined && nbf > seconds + CLOCK_SKEW_SECONDS)) {
      return 'JwtLifetimeOver24h';
    }
    if (claims.sub_type !== ASSERTION_SUB_TYPE) return 'SubTypeNotAllowed';
    if (!claimsSchema(claims)) return 'InvalidPayload';
    const requested = claims.scope as string[];
    const allowed = requested.filter((s) => client.scopes?.includes(s));
    if (allowed.length === 0) return 'ClientNotAllowedForScopes';
    const subscriber = state.subscribers.get(claims.sub as string);
    if (!subscriber) return 'UnknownUser';
    if (subscriber.massMarket === false) return 'SubAuthenticateFalse';
    const eligible = allowed.filter((s) => !subscriber.eligibleScopes || subscriber.eligibleScopes.includes(s));
    if (eligible.length === 0) return 'NoScopeEligibleForUser';
    return { clientId: client.clientId, msisdn: subscriber.msisdn, scopes: eligible };
  }

  /** The documented error of the token request, or the granted token. */
  return async function grant(body: Form | undefined): Promise<GrantResult> {
    const parsed = parse(body);
    if (typeof parsed === 'string') return parsed;
    const client = await verify(parsed);
    return typeof client === 'string' ? client : grantFor(client, parsed);
  };
}
