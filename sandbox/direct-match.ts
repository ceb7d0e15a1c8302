/**
 * Direct Match ID France in the sandbox: the discovery document, the JWT bearer token endpoint (each row of
 * the page's error table under its own condition, checked in the order docs/sandbox.md gives), and matchid with
 * Jaro-Winkler scores.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3 JWT format and processing requirements
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3 Authorization server metadata
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import jaroWinkler from 'jaro-winkler';
import { compactVerify, importJWK, type JWK, type KeyObject, type CryptoKey } from 'jose';
import { ASSERTION_ALG, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE, MAX_ASSERTION_LIFETIME_SECONDS } from 'orange-identity-client/auth/jwt-bearer';
import addressSchema from '../generated/direct-match-id-fr/schemas/MatchIdAddress.json' with { type: 'json' };
import requestSchema from '../generated/direct-match-id-fr/schemas/MatchIdRequest.json' with { type: 'json' };
import { pathOf } from '../src/contract/operations.js';
import { validator } from '../src/contract/validators.js';
import type { Client, Kyc } from './fixture.js';
import { CLOSE, bearerToken, parseForm, parseJsonObject, parseObject, readBodyWithinLimit, sendJson, type Form } from './http.js';
import { REMOTE_JWKS_LIFETIME, type SandboxParts } from './state.js';

const TOKEN = 'direct-match-id-fr/requestJwtBearerToken/400/';
const MATCHID = 'direct-match-id-fr/matchIdentity/';
/** Algorithms the server knows; a client registers RS256. Symmetric ones and `none` are refused outright. */
const SERVER_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);
const SEGMENT = /^[A-Za-z0-9_-]*$/;
/** Compared length: longer values are compared on their first characters, so a score stays cheap. */
const MAX_COMPARED = 256;
/** The scored attributes: the request schema's members, the MSISDN and the address apart, and the address's. */
const ATTRIBUTES = Object.keys(requestSchema.properties).filter((k) => k !== 'msisdn' && k !== 'address') as (keyof Kyc & string)[];
const ADDRESS = Object.keys(addressSchema.properties);

const ASCII = /^[\x20-\x7e]*$/;

/** The clock skew accepted on an assertion's `iat` and `nbf`, in seconds (docs/sandbox.md). */
export const CLOCK_SKEW_SECONDS = 60;
/** The latest NumericDate accepted, 9999-12-31T23:59:59Z: later values (milliseconds, 1e300, 2^60) are malformed. */
const MAX_NUMERIC_DATE = 253_402_300_799;
const NUMERIC_DATE_CLAIMS = ['exp', 'iat', 'nbf'] as const;
/** A NumericDate as the sandbox accepts it (RFC 7519 section 2): whole seconds from the epoch to the year 9999. */
const isNumericDate = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_NUMERIC_DATE;

/** Lower case, accents removed, spaces collapsed and trimmed (docs/sandbox.md). */
export function normaliseForScore(value: string): string {
  const plain = ASCII.test(value) ? value : value.normalize('NFD').replace(/\p{M}/gu, '');
  return plain.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, MAX_COMPARED);
}

/** Jaro-Winkler similarity of the normalised values, from 0 to 100, with one decimal. */
export function score(provided: string, held: string | undefined): number {
  if (held === undefined) return 0;
  if (provided === held) return 100;
  const a = normaliseForScore(provided);
  const b = normaliseForScore(held);
  if (a === b) return 100;
  return Math.round(jaroWinkler(a, b) * 1000) / 10;
}

type Json = Record<string, unknown>;
const decode = (segment: string): string | undefined => (SEGMENT.test(segment) ? Buffer.from(segment, 'base64url').toString('utf8') : undefined);

/** How long an imported verification key is kept, in seconds (importing one again is cheap). */
const IMPORTED_KEY_LIFETIME = 3600;

export interface DirectMatchOptions extends SandboxParts {
  audience: string;
  matchIdScope: string;
}

export function directMatch(options: DirectMatchOptions) {
  const { state, docs, audience, matchIdScope, now } = options;
  const claimsSchema = validator('direct-match-id-fr/JwtBearerAssertionClaims');
  const headerSchema = validator('direct-match-id-fr/JwtBearerAssertionHeader');
  const documentedMetadata = JSON.parse(docs.get('direct-match-id-fr/getAuthorizationServerMetadata/200/Metadata').body) as Record<string, unknown>;
  const matchIdSchema = validator('direct-match-id-fr/matchIdentity/request/application/json');

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

  /** The documented error of the assertion, or the granted token. */
  async function grant(body: Form | undefined): Promise<string | { clientId: string; msisdn: string; scopes: string[] }> {
    if (body?.repeated.length) return 'RepeatedParameter';
    const form = body?.params;
    if (form?.grant_type !== JWT_BEARER_GRANT_TYPE) return 'UnsupportedGrantType';
    const segments = (form.assertion ?? '').split('.');
    if (segments.length !== 3) return 'JwtValidationFailed';
    const [headerPart, payloadPart] = segments as [string, string, string];
    if (headerPart === '') return 'MissingJwsHeader';
    const header = parseObject(decode(headerPart));
    const payloadText = decode(payloadPart);
    if (!header || payloadText === undefined || !SEGMENT.test(segments[2]!)) return 'JwtValidationFailed';
    const claims = parseObject(payloadText);
    if (!claims) return 'InvalidPayload';
    if (typeof header.kid !== 'string' || !header.kid) return 'MissingJwsHeaderKid';
    if (typeof header.alg !== 'string' || !SERVER_ALGS.has(header.alg)) return 'RequestHeaderAlgNotSupported';
    if (header.typ !== ASSERTION_TYP) return 'JwtValidationFailed';
    if (typeof claims.client_id !== 'string' || !claims.client_id) return 'ClientIdUndefined';
    const client = state.clients.get(claims.client_id);
    if (!client) return 'ClientNotFound';
    if (client.suspended) return 'AccessDenied';
    if (header.alg !== ASSERTION_ALG) return 'AlgNotSupportedInClient';
    if (client.jwksUri && client.jwksUriAuthorized === false) return 'JwksUriNotYetAuthorized';
    const jwks = await registeredKeys(client);
    if (!jwks || jwks.length === 0) return 'MissingJwks';
    if (jwks.some((k) => !k.kid)) return 'KidIsMissing';
    const jwk = jwks.find((k) => k.kid === header.kid);
    if (!jwk) return 'NoKeyFound';
    const cacheKey = `${client.clientId} ${jwk.kid} ${jwk.n}`;
    let key = state.importedKeys.get(cacheKey);
    if (!key) state.importedKeys.set(cacheKey, (key = importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e } as JWK, ASSERTION_ALG) as Promise<CryptoKey | KeyObject>), now() + IMPORTED_KEY_LIFETIME * 1000);
    try {
      await compactVerify(form.assertion!, await key, { algorithms: [ASSERTION_ALG] });
    } catch {
      return 'InvalidSignature';
    }
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

  let requests = 0;
  const requestId = () => `sandbox-${process.pid}-${++requests}`;

  return {
    /** The contract's metadata document, with the sandbox's issuer, token endpoint and its clients' scopes. */
    metadata(_req: IncomingMessage, res: ServerResponse) {
      sendJson(res, 200, {
        ...documentedMetadata,
        issuer: audience,
        token_endpoint: `${options.origin()}${pathOf('requestJwtBearerToken')}`,
        scopes_supported: [...new Set([...state.clients.values()].flatMap((c) => (c.jwks || c.jwksUri ? c.scopes ?? [] : [])))],
      }, docs.headers('getAuthorizationServerMetadata', 200));
    },

    async token(req: IncomingMessage, res: ServerResponse) {
      const text = await readBodyWithinLimit(req);
      if (text === undefined) return docs.send(res, `${TOKEN}JwtValidationFailed`, CLOSE);
      const result = await grant(parseForm(req, text));
      if (typeof result === 'string') return docs.send(res, `${TOKEN}${result}`);
      sendJson(res, 200, { ...state.issueAccessToken(result.clientId, result.msisdn, result.scopes) }, docs.headers('requestJwtBearerToken', 200));
    },

    async matchid(req: IncomingMessage, res: ServerResponse) {
      const headers = { 'X-OAPI-Request-Id': requestId() };
      const bearer = bearerToken(req);
      if (bearer === undefined) return docs.send(res, `${MATCHID}401/MissingCredentials`, headers);
      const token = bearer ? state.accessToken(bearer) : undefined;
      if (!token) return docs.send(res, `${MATCHID}401/InvalidCredentials`, headers);
      const text = await readBodyWithinLimit(req);
      const body = text === undefined ? undefined : parseJsonObject(req, text);
      if (!body) return docs.send(res, `${MATCHID}400/ProxificationInformationMissing`, text === undefined ? { ...headers, ...CLOSE } : headers);
      if (!token.scopes.has(matchIdScope)) return docs.send(res, `${MATCHID}400/InvalidScope`, headers);
      if (!token.msisdn) return docs.send(res, `${MATCHID}400/NoUserIdInAccessToken`, headers);
      if (body.msisdn === undefined) return docs.send(res, `${MATCHID}400/MsisdnMissing`, headers);
      if (!matchIdSchema(body)) {
        const msisdnError = matchIdSchema.errors!.some((e) => e.instancePath === '/msisdn');
        return docs.send(res, `${MATCHID}400/${msisdnError ? 'MsisdnInvalid' : 'ProxificationInformationMissing'}`, headers);
      }
      if (body.msisdn !== token.msisdn) return docs.send(res, `${MATCHID}400/MsisdnMismatch`, headers);
      const subscriber = state.subscribers.get(token.msisdn);
      if (!subscriber?.kyc) return docs.send(res, `${MATCHID}400/UserUnknown`, headers);
      if (subscriber.eligible === false) return docs.send(res, `${MATCHID}400/UserIneligible`, headers);
      const kyc = subscriber.kyc;
      const scores: Json = {};
      for (const attribute of ATTRIBUTES) {
        if (typeof body[attribute] === 'string') scores[`${attribute}_score`] = score(body[attribute] as string, kyc[attribute] as string | undefined);
      }
      const address = body.address as Record<string, string> | undefined;
      if (address) {
        scores.address = Object.fromEntries(ADDRESS.filter((f) => typeof address[f] === 'string').map((f) => [`${f}_score`, score(address[f]!, kyc.address?.[f])]));
      }
      sendJson(res, 200, scores, headers);
    },
  };
}
