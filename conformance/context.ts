/**
 * What triggers use to reach a documented response on a real server: the profile, the target, and helpers for
 * the multi-step ones (an authorization code needs an end-user session; a matchid call needs a token, which
 * needs a signed assertion). Assertions are built with jose directly, since many triggers break them on purpose.
 * One `TriggerContext` per case records every step it sends (`steps`), so that the runner checks each step's
 * response too; what is shared by the run (the sender, the tokens obtained once) is a `RunState`.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { pathOf } from '../src/contract/operations.js';
import { RequestError, type Exchange, type HttpRequest, type HttpResponse } from './http.js';
import type { ClientRef, Profile } from './profile.js';
import type { RecordedExchange } from './report/index.js';

export type Claims = Record<string, unknown>;
export type Header = Record<string, unknown>;

export interface AssertionSpec {
  /** The registered client whose key signs; the profile's Direct Match client by default. */
  client?: ClientRef;
  /** Subject MSISDN; the known subject by default. */
  msisdn?: string;
  scope?: string[];
  /** Changes to the valid claims (a member set to undefined is removed). */
  claims?: (valid: Claims) => Claims;
  /** Changes to the valid header. */
  header?: (valid: Header) => Header;
  /** How to sign: RS256 with the client key (default), RS512 with it, HS256 keyed with its public key, another RSA key, or not at all. */
  sign?: 'rs256' | 'rs512' | 'hs256-public' | 'other-key' | 'none';
  /** A payload that is not a JSON claims set. */
  rawPayload?: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A token request's outcome, shared by the cases that need the same token. */
interface TokenGrant { exchange?: Exchange; token?: string; error: string }

/** What the cases of one run share: the profile, the target, the sender, the tokens obtained once. */
export class RunState {
  readonly tokens = new Map<string, Promise<TokenGrant>>();
  otherKey: Promise<CryptoKey> | undefined;

  constructor(
    readonly profile: Profile,
    /** Sends one request; rejects with RequestError when no response came. */
    readonly send: (request: HttpRequest) => Promise<Exchange>,
  ) {}
}

export class TriggerContext {
  /** Every exchange this case's trigger made before its own request, in order. */
  readonly steps: RecordedExchange[] = [];

  constructor(private readonly run: RunState) {}

  get profile(): Profile {
    return this.run.profile;
  }

  /** Sends a step of the trigger, and records it. */
  async http(request: HttpRequest): Promise<HttpResponse> {
    try {
      const exchange = await this.run.send(request);
      this.steps.push(exchange);
      return exchange.response;
    } catch (error) {
      if (error instanceof RequestError) this.steps.push({ request: error.request, error: error.message });
      throw error;
    }
  }

  /** A fresh value for `state`, `nonce` and the like. */
  random(): string {
    return randomBytes(16).toString('base64url');
  }

  // Authentication France

  get auth() {
    const auth = this.profile.authentication;
    if (!auth) throw new Error('the profile has no authentication client');
    return auth;
  }

  /** The authorization request: a fresh `state` and `nonce` (the id_token must carry the nonce back). */
  authorizeQuery(changes: Record<string, string | undefined> = {}): Record<string, string> {
    return strip({
      response_type: 'code', client_id: this.auth.clientId, scope: 'openid', redirect_uri: this.auth.redirectUri, state: this.random(), nonce: this.random(), ...changes,
    }) as Record<string, string>;
  }

  basic(secret = this.auth.clientSecret ?? ''): string {
    return basicAuthorization(this.auth.clientId, secret);
  }

  /** A fresh authorization code, from authorize with the consenting end-user session. */
  async authorizationCode(scope = 'openid'): Promise<string> {
    const query = this.authorizeQuery({ scope });
    const response = await this.http({ method: 'GET', path: pathOf('authorize'), query, headers: { Cookie: this.auth.session?.cookie ?? '' } });
    const location = response.headers.get('location');
    let code: string | null = null;
    try {
      code = location ? new URL(location).searchParams.get('code') : null;
    } catch { /* not a URL */ }
    if (response.status !== 302 || !code) throw new Error(`authorize with the profile session gave HTTP ${response.status} without a code`);
    return code;
  }

  /** Tokens from a fresh code. */
  async codeTokens(scope = 'openid'): Promise<{ access_token: string; refresh_token?: string; id_token?: string }> {
    const code = await this.authorizationCode(scope);
    const response = await this.http({
      method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: this.basic() },
      form: { grant_type: 'authorization_code', code, redirect_uri: this.auth.redirectUri },
    });
    if (response.status !== 200) throw new Error(`the code exchange gave HTTP ${response.status}`);
    return JSON.parse(response.text);
  }

  // Direct Match ID France

  get directMatch() {
    const dm = this.profile.directMatch;
    if (!dm) throw new Error('the profile has no directMatch client');
    return dm;
  }

  get known() {
    const known = this.directMatch.subjects?.known;
    if (!known) throw new Error('the profile has no known Direct Match subject');
    return known;
  }

  async assertion(spec: AssertionSpec = {}): Promise<string> {
    const client = spec.client ?? { clientId: this.directMatch.clientId, privateJwk: this.directMatch.privateJwk };
    const jwk = client.privateJwk;
    const now = Math.floor(Date.now() / 1000);
    const validClaims: Claims = {
      iss: client.clientId, client_id: client.clientId, sub: spec.msisdn ?? this.known.msisdn, sub_type: ASSERTION_SUB_TYPE,
      scope: spec.scope ?? this.directMatch.scope, aud: ASSERTION_AUDIENCE, jti: this.random(), iat: now, exp: now + 3600,
    };
    const validHeader: Header = { alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid: jwk?.kid };
    const sign = spec.sign ?? 'rs256';
    const header = strip((spec.header ?? ((h) => h))({ ...validHeader, alg: { rs256: 'RS256', rs512: 'RS512', 'hs256-public': 'HS256', 'other-key': 'RS256', none: 'none' }[sign] }));
    const payload = spec.rawPayload ?? JSON.stringify(strip((spec.claims ?? ((c) => c))(validClaims)));
    if (sign === 'none') return `${b64(JSON.stringify(header))}.${b64(payload)}.`;
    if (!jwk) throw new Error(`the profile has no private JWK for client ${client.clientId}`);
    const key = sign === 'other-key'
      ? await (this.run.otherKey ??= generateKeyPair('RS256', { modulusLength: 2048 }).then((k) => k.privateKey))
      : sign === 'hs256-public'
        ? new TextEncoder().encode(await exportSPKI((await importJWK({ kty: 'RSA', e: jwk.e, n: jwk.n } as JWK, 'RS256', { extractable: true })) as CryptoKey))
        : await importJWK(jwk, sign === 'rs512' ? 'RS512' : 'RS256');
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader(header as never).sign(key);
  }

  tokenRequest(assertion: string, grantType: string = JWT_BEARER_GRANT_TYPE): HttpRequest {
    return { method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: grantType, assertion } };
  }

  /**
   * An access token for a subject (the known one by default), from the token endpoint. Obtained once per run
   * and scope; the token exchange is a step of every case that uses it, so each of them checks it.
   */
  async directMatchToken(msisdn = this.known.msisdn, scope = this.directMatch.scope): Promise<string> {
    const cache = this.run.tokens;
    const key = `${msisdn} ${scope.join(' ')}`;
    let grant = cache.get(key);
    if (!grant) {
      grant = (async (): Promise<TokenGrant> => {
        const request = this.tokenRequest(await this.assertion({ msisdn, scope }));
        try {
          const exchange = await this.run.send(request);
          const { status, text } = exchange.response;
          if (status !== 200) return { exchange, error: `the token request for the subject gave HTTP ${status}: ${text}` };
          const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
          return typeof token === 'string' ? { exchange, token, error: '' } : { exchange, error: 'the token response for the subject has no access_token' };
        } catch (error) {
          return { error: (error as Error).message };
        }
      })();
      cache.set(key, grant);
    }
    const { exchange, token, error } = await grant;
    if (exchange) this.steps.push(exchange);
    if (token === undefined) throw new Error(error);
    return token;
  }

  async matchid(body: unknown, token?: string): Promise<HttpRequest> {
    return { method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: `Bearer ${token ?? (await this.directMatchToken())}` }, json: body };
  }
}

/** `requires` helper: the profile path that must be present, as a dotted path. */
export function need(...paths: string[]): (profile: Profile) => string | undefined {
  return (profile) => {
    const missing = paths.filter((p) => p.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], profile) === undefined);
    return missing.length ? `the profile has no ${missing.join(', ')}` : undefined;
  };
}
