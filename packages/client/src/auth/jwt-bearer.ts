/**
 * The JWT bearer grant of Direct Match ID France: build and sign the assertion exactly as the page's header and
 * payload tables say, and exchange it for an access token.
 *
 * Fixed values (`alg`, `typ`, `sub_type`, `aud`, `grant_type`) and the MSISDN format are read from the
 * contract (the schema constraints generated into `contract.ts`), not restated here.
 *
 * The assertion is one fixed JWS: RS256 with a key checked once (rs256PrivateKey). Its compact serialization is
 * written here (two base64url JSON parts and node:crypto's RSASSA-PKCS1-v1_5 SHA-256 signature, RFC 7515 section
 * 7.1), rather than through jose's generic JOSE machinery (algorithm tables, key import, `crit` handling), which
 * would triple what a Direct Match bundle weighs; jose verifies these assertions in the tests and the sandbox.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1 Using JWTs as authorization grants
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3 JWT format and processing requirements
 * @see https://www.rfc-editor.org/rfc/rfc7521#section-4.1 Using assertions as authorization grants
 */
import { KeyObject as NodeKeyObject, randomBytes, sign } from 'node:crypto';
import type { CryptoKey, JWK, KeyObject } from 'jose';
import { createDirectMatchIdFrClient, type components, type paths } from '../../generated/direct-match-id-fr/client.js';
import { DEFAULT_BASE_URL, SCHEMA_CONSTRAINTS } from '../../generated/direct-match-id-fr/contract.js';
import { OrangeAuthError } from './errors.js';
import { rs256PrivateKey } from './keys.js';
import { postTokenRequest, resolveBaseUrl, type FetchOptions } from './token-request.js';

export type AccessTokenResponse = components['schemas']['AccessTokenResponse'];

const { JwtBearerAssertionHeader: header, JwtBearerAssertionClaims: claims, JwtBearerTokenRequest: request } = SCHEMA_CONSTRAINTS;
export const ASSERTION_ALG = header.alg.const;
export const ASSERTION_TYP = header.typ.const;
export const ASSERTION_AUDIENCE = claims.aud.const;
export const ASSERTION_SUB_TYPE = claims.sub_type.const;
export const JWT_BEARER_GRANT_TYPE: components['schemas']['JwtBearerTokenRequest']['grant_type'] = request.grant_type.const;
const MSISDN = new RegExp(claims.sub.pattern);
const TOKEN_PATH = '/oauth-jwt/fr/v1/token' satisfies keyof paths;

/** Orange refuses an assertion whose lifetime exceeds 24 hours (`jwt date is not valid (lifetime > 24h)`). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 24 * 60 * 60;
/** The lifetime the page uses in its example: `exp` = `iat` + 3600. */
export const DEFAULT_ASSERTION_LIFETIME_SECONDS = 3600;

export type SigningKeyInput = JWK | CryptoKey | KeyObject;

export interface AssertionOptions {
  /** Client identifier from the Orange Developer portal; both `iss` and `client_id`. */
  clientId: string;
  /** The end-user's MSISDN, international format without `+` (for example `33600000000`). */
  msisdn: string;
  /** Requested scopes (for example `['atp_kyc_plain']`). */
  scope: string[];
  /**
   * The RS256 private key: an RSA key of at least 2048 bits, as a private JWK, a `KeyObject` or a `CryptoKey`
   * (RSASSA-PKCS1-v1_5, SHA-256). Anything else is refused with `ERR_KEY_UNSUPPORTED`. A JWK brings its own
   * `kid`; otherwise pass `kid`.
   */
  privateKey: SigningKeyInput;
  /** The `kid` of the registered public key; defaults to the private JWK's `kid`. */
  kid?: string;
  /** Seconds between `iat` and `exp`; 3600 by default, at most 86400. */
  lifetimeSeconds?: number;
  /** Clock, in milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

function invalid(message: string): never {
  throw new OrangeAuthError('ERR_INVALID_OPTION', message);
}

/**
 * Checks the options and the key once, so that a token provider fails at creation rather than at its first call.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`, `ERR_ASSERTION_LIFETIME`, `ERR_KEY_UNSUPPORTED`
 */
function checkAssertionOptions(options: AssertionOptions): { kid: string; lifetime: number; key: CryptoKey | KeyObject } {
  if (!options.clientId) invalid('clientId is required');
  if (!MSISDN.test(options.msisdn)) invalid('msisdn must be digits in international format without "+", such as 33600000000');
  if (!Array.isArray(options.scope) || options.scope.length === 0 || options.scope.some((s) => typeof s !== 'string' || !s)) {
    invalid('scope must be a non-empty array of scope names');
  }
  const kid = options.kid ?? (options.privateKey as JWK | undefined)?.kid;
  if (!kid) invalid('kid is required: pass it, or a private JWK that carries it');
  const lifetime = options.lifetimeSeconds ?? DEFAULT_ASSERTION_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= 0) invalid('lifetimeSeconds must be a positive whole number');
  if (lifetime > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new OrangeAuthError('ERR_ASSERTION_LIFETIME', `an assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} s (24 h), not ${lifetime} s`);
  }
  return { kid, lifetime, key: rs256PrivateKey(options.privateKey) };
}

/**
 * Builds and signs a JWT bearer assertion: header `{alg: RS256, typ: JWT, kid}`; claims `iss` = `client_id`,
 * `sub` = MSISDN, `sub_type: MSISDN`, `scope` (array), `aud: https://openid.orange.fr`, a fresh random `jti`,
 * `iat` and `exp`.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`, `ERR_ASSERTION_LIFETIME`, `ERR_KEY_UNSUPPORTED` (a key that is not an
 *   RSA private key of 2048 bits or more)
 */
export async function createJwtBearerAssertion(options: AssertionOptions): Promise<string> {
  return createAssertionSigner(options)();
}

/**
 * Internal: the signing half of a token provider, with the options and the key checked once, at creation.
 * @throws OrangeAuthError `ERR_INVALID_OPTION`, `ERR_ASSERTION_LIFETIME`, `ERR_KEY_UNSUPPORTED`
 */
export function createAssertionSigner(options: AssertionOptions): () => Promise<string> {
  const { kid, lifetime, key } = checkAssertionOptions(options);
  const signingKey = key instanceof NodeKeyObject ? key : NodeKeyObject.from(key as Parameters<typeof NodeKeyObject.from>[0]);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid });
  return async () => {
    const iat = Math.floor((options.now ?? Date.now)() / 1000);
    const input = `${header}.${part({
      iss: options.clientId, sub: options.msisdn, aud: ASSERTION_AUDIENCE, sub_type: ASSERTION_SUB_TYPE, client_id: options.clientId, scope: options.scope,
      jti: randomBytes(32).toString('base64url'), iat, exp: iat + lifetime,
    })}`;
    try {
      // RS256 is RSASSA-PKCS1-v1_5 with SHA-256: node:crypto's padding for an RSA key.
      return `${input}.${sign('sha256', Buffer.from(input), signingKey).toString('base64url')}`;
    } catch (cause) {
      // The key passed rs256PrivateKey; should node:crypto still refuse it, the failure keeps the helpers' error type.
      throw new OrangeAuthError('ERR_KEY_UNSUPPORTED', `the key cannot sign RS256: ${(cause as Error).message}`, { cause });
    }
  };
}

/**
 * Exchanges an assertion for an access token at `POST /oauth-jwt/fr/v1/token`.
 * @throws OrangeAuthError `ERR_INVALID_OPTION` (baseUrl), `ERR_REQUEST_FAILED` (no answer, with the network error
 *   as `cause`), `ERR_TOKEN_REQUEST` (an error answer, with its `oauthError`), `ERR_TOKEN_RESPONSE`
 */
export async function requestJwtBearerToken(assertion: string, options: FetchOptions = {}): Promise<AccessTokenResponse> {
  const baseUrl = resolveBaseUrl(options.baseUrl, DEFAULT_BASE_URL);
  const client = createDirectMatchIdFrClient({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  return postTokenRequest<AccessTokenResponse>(`POST ${baseUrl}${TOKEN_PATH}`, () =>
    client.POST(TOKEN_PATH, {
      body: { grant_type: JWT_BEARER_GRANT_TYPE, assertion },
      parseAs: 'text',
    }),
  );
}
