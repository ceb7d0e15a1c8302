/**
 * What triggers use to reach a documented response on a real server: the profile, the target, and helpers for
 * the multi-step ones (an authorization code needs an end-user session; a matchid call needs a token, which
 * needs a signed assertion). Assertions are built with jose directly, since many triggers break them on purpose.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE } from '../src/auth/jwt-bearer.js';
import { basicAuthorization } from '../src/auth/basic.js';
import type { ClientRef, Profile } from './profile.js';
import type { HttpRequest, HttpResponse } from './types.js';

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

export class TriggerContext {
  private otherKey: Promise<CryptoKey> | undefined;
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly profile: Profile,
    readonly baseUrl: string,
    private readonly send: (request: HttpRequest) => Promise<HttpResponse>,
  ) {}

  http(request: HttpRequest): Promise<HttpResponse> {
    return this.send(request);
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

  authorizeQuery(changes: Record<string, string | undefined> = {}): Record<string, string> {
    return strip({
      response_type: 'code', client_id: this.auth.clientId, scope: 'openid', redirect_uri: this.auth.redirectUri, state: this.random(), ...changes,
    }) as Record<string, string>;
  }

  basic(secret = this.auth.clientSecret ?? ''): string {
    return basicAuthorization(this.auth.clientId, secret);
  }

  /** A fresh authorization code, from authorize with the consenting end-user session. */
  async authorizationCode(scope = 'openid'): Promise<string> {
    const query = this.authorizeQuery({ scope });
    const response = await this.send({ method: 'GET', path: '/openidconnect/fr/v1/authorize', query, headers: { Cookie: this.auth.session?.cookie ?? '' } });
    const location = response.headers.get('location');
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (response.status !== 302 || !code) throw new Error(`authorize with the profile session gave HTTP ${response.status} without a code`);
    return code;
  }

  /** Tokens from a fresh code. */
  async codeTokens(scope = 'openid'): Promise<{ access_token: string; refresh_token?: string; id_token?: string }> {
    const code = await this.authorizationCode(scope);
    const response = await this.send({
      method: 'POST', path: '/openidconnect/fr/v1/token', headers: { Authorization: this.basic() },
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
      ? await (this.otherKey ??= generateKeyPair('RS256', { modulusLength: 2048 }).then((k) => k.privateKey))
      : sign === 'hs256-public'
        ? new TextEncoder().encode(await exportSPKI((await importJWK({ kty: 'RSA', e: jwk.e, n: jwk.n } as JWK, 'RS256', { extractable: true })) as CryptoKey))
        : await importJWK(jwk, sign === 'rs512' ? 'RS512' : 'RS256');
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader(header as never).sign(key);
  }

  tokenRequest(assertion: string, grantType: string = JWT_BEARER_GRANT_TYPE): HttpRequest {
    return { method: 'POST', path: '/oauth-jwt/fr/v1/token', form: { grant_type: grantType, assertion } };
  }

  /** An access token for a subject (the known one by default), from the token endpoint; reused within a run. */
  directMatchToken(msisdn = this.known.msisdn, scope = this.directMatch.scope): Promise<string> {
    const key = `${msisdn} ${scope.join(' ')}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = (async () => {
        const response = await this.send(this.tokenRequest(await this.assertion({ msisdn, scope })));
        if (response.status !== 200) throw new Error(`the token request for the subject gave HTTP ${response.status}: ${response.text}`);
        return (JSON.parse(response.text) as { access_token: string }).access_token;
      })();
      this.tokens.set(key, token);
    }
    return token;
  }

  async matchid(body: unknown, token?: string): Promise<HttpRequest> {
    return { method: 'POST', path: '/direct-matchid/fr/v1/matchid', headers: { Authorization: `Bearer ${token ?? (await this.directMatchToken())}` }, json: body };
  }
}

/** `requires` helper: the profile path that must be present, as a dotted path. */
export function need(...paths: string[]): (profile: Profile) => string | undefined {
  return (profile) => {
    const missing = paths.filter((p) => p.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], profile) === undefined);
    return missing.length ? `the profile has no ${missing.join(', ')}` : undefined;
  };
}
