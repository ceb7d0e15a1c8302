/**
 * What triggers use to reach a documented response on a real server: the profile, the target, and helpers for
 * the multi-step ones (an authorization code needs an end-user: the profile's session, or a `--login` through the
 * login page; a matchid call needs a token, which needs a signed assertion). Assertions are built with jose
 * directly, since many triggers break them on purpose. One `TriggerContext` per case records every step it sends
 * (`steps`) and waits out answers that say "later" within the case's own retry budget; what is shared by the run
 * (the sender, the login, the tokens obtained once, the run's key registration) is a `RunState`.
 *
 * Entry points: `RunState`, `TriggerContext`, `need(...paths)`, `needEndUser(...paths)`, `Requirement`, `RunSetup`,
 * `EndUserLogin`; the code flow's requests are conformance/code-flow.ts's.
 */
import { randomBytes } from 'node:crypto';
import { CompactSign, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { pathOf } from '../src/contract/operations.js';
import { authorizeQuery, codeExchangeRequest, codeFromCallback } from './code-flow.js';
import { RequestError, type Exchange, type HttpRequest, type HttpResponse } from './http.js';
import { RetriesExhausted, RetryBudget } from './pacing.js';
import type { ClientRef, Profile } from './profile.js';
import type { RecordedExchange } from './report/index.js';

/** What the run brings besides the profile, that decides what can run. */
export interface RunSetup {
  /** How authorization codes are obtained when not with the profile's session: a `--login` (a module, `manual`). */
  login?: string;
}

/** What a trigger needs: the reason it cannot run with this profile and setup, or undefined. */
export type Requirement = (profile: Profile, setup?: RunSetup) => string | undefined;

/** An end-user who signs in and consents on the target's login page, for the code flow (`--login`). */
export interface EndUserLogin {
  /** How reports name it (`manual`, the module's path). */
  readonly label: string;
  /** Follows the authorization request `authorizeUrl` through the login and consent, and resolves with the URL the
   *  end-user was sent back to (the redirect URI with the code, or an error). */
  callback(authorizeUrl: string): Promise<string>;
}

/** What a `RunState` needs from the runner. */
export interface RunStateOptions {
  /** Sends one request, waiting out answers that say "later" within `budget`; rejects with RequestError when no
   *  response came. */
  send(request: HttpRequest, budget: RetryBudget): Promise<Exchange>;
  /** The absolute URL of a request on the target (an authorize URL to open in a browser). */
  url(request: HttpRequest): string;
  /** The end-user's login, when the run has one (`--login`): codes come through it instead of the session. */
  login?: EndUserLogin;
  /** Tells the run that `authorizeUrl` came back as `callbackUrl` through the login (no exchange showed it), so that
   *  the token response of its code is checked against the nonce and scope asked. */
  learnCallback?(authorizeUrl: string, callbackUrl: string): void;
  /** The admin request that registers the run's own Direct Match key (the reference sandbox), when there is one. */
  keyRegistration?: HttpRequest;
  /** Why an answer to `keyRegistration` means it failed (a message), or undefined when it worked. */
  registrationFailure?(response: HttpResponse): string | undefined;
}

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
interface TokenGrant { exchange?: Exchange; token?: string; error?: Error }

/** What the cases of one run share: the profile, the target, the sender, the login, the tokens obtained once. */
export class RunState {
  readonly tokens = new Map<string, Promise<TokenGrant>>();
  otherKey: Promise<CryptoKey> | undefined;
  /** The run's key registration, started by the first case that signs with the run's key. */
  registration: Promise<{ exchange?: Exchange; error?: Error }> | undefined;

  constructor(readonly profile: Profile, readonly options: RunStateOptions) {}

  send(request: HttpRequest, budget: RetryBudget): Promise<Exchange> {
    return this.options.send(request, budget);
  }
}

export class TriggerContext {
  /** Every exchange this case's trigger made before its own request, in order. */
  readonly steps: RecordedExchange[] = [];

  /** `budget`: how long this case may wait for answers that say "later" (429, 503), and the waits it noted. */
  constructor(private readonly run: RunState, readonly budget: RetryBudget = new RetryBudget()) {}

  get profile(): Profile {
    return this.run.profile;
  }

  /** Sends a request within this case's retry budget (the case's own request, or a step). */
  send(request: HttpRequest): Promise<Exchange> {
    return this.run.send(request, this.budget);
  }

  /** Sends a step of the trigger, and records it. */
  async http(request: HttpRequest): Promise<HttpResponse> {
    try {
      const exchange = await this.send(request);
      this.steps.push(exchange);
      return exchange.response;
    } catch (error) {
      if (error instanceof RequestError) this.steps.push({ request: error.request, error: error.message });
      if (error instanceof RetriesExhausted) this.steps.push(error.exchange);
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
    return authorizeQuery(this.auth, { scope: 'openid', state: this.random(), nonce: this.random(), changes });
  }

  basic(secret = this.auth.clientSecret ?? ''): string {
    return basicAuthorization(this.auth.clientId, secret);
  }

  /** A fresh authorization code: through the run's login (`--login`) when it has one, otherwise from authorize with
   *  the profile's consenting end-user session. */
  async authorizationCode(scope = 'openid'): Promise<string> {
    const query = this.authorizeQuery({ scope });
    const { login } = this.run.options;
    if (login) {
      const authorizeUrl = this.run.options.url({ method: 'GET', path: pathOf('authorize'), query });
      const callback = await login.callback(authorizeUrl);
      this.run.options.learnCallback?.(authorizeUrl, callback);
      return codeFromCallback(callback, query.state!, `the login (${login.label})`);
    }
    const response = await this.http({ method: 'GET', path: pathOf('authorize'), query, headers: { Cookie: this.auth.session?.cookie ?? '' } });
    if (response.status !== 302) throw new Error(`authorize with the profile session gave HTTP ${response.status} without a code`);
    return codeFromCallback(response.headers.get('location'), query.state!, 'authorize with the profile session');
  }

  /** Tokens from a fresh code. */
  async codeTokens(scope = 'openid'): Promise<{ access_token: string; refresh_token?: string; id_token?: string }> {
    const code = await this.authorizationCode(scope);
    const response = await this.http(codeExchangeRequest(this.auth, code));
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

  /**
   * Waits until the run's own Direct Match key is registered (the reference sandbox's admin API), when the run has
   * one; the first case to ask sends the registration and records it as its step. Throws what went wrong.
   */
  async runKey(): Promise<void> {
    const { keyRegistration, registrationFailure } = this.run.options;
    if (!keyRegistration) return;
    let first = false;
    const registration = this.run.registration ??= (first = true, this.send(keyRegistration).then(
      (exchange): { exchange: Exchange; error?: Error } => {
        const failed = registrationFailure?.(exchange.response);
        return { exchange, ...(failed !== undefined ? { error: new Error(failed) } : {}) };
      },
      (error: Error): { exchange?: Exchange; error?: Error } => ({ error }),
    ));
    const { exchange, error } = await registration;
    if (first && exchange) this.steps.push(exchange);
    // Answers that said "later" are no outcome: the next case that signs registers again.
    if (error instanceof RetriesExhausted && this.run.registration === registration) this.run.registration = undefined;
    if (error) throw error;
  }

  async assertion(spec: AssertionSpec = {}): Promise<string> {
    const client = spec.client ?? { clientId: this.directMatch.clientId, privateJwk: this.directMatch.privateJwk };
    if (client.privateJwk === this.directMatch.privateJwk) await this.runKey();
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
        let request: HttpRequest;
        try {
          request = this.tokenRequest(await this.assertion({ msisdn, scope }));
        } catch (error) {
          return { error: error as Error };
        }
        try {
          const exchange = await this.send(request);
          const { status, text } = exchange.response;
          if (status !== 200) return { exchange, error: new Error(`the token request for the subject gave HTTP ${status}: ${text}`) };
          const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
          return typeof token === 'string' ? { exchange, token } : { exchange, error: new Error('the token response for the subject has no access_token') };
        } catch (error) {
          return { error: error as Error };
        }
      })();
      cache.set(key, grant);
    }
    const { exchange, token, error } = await grant;
    if (exchange) this.steps.push(exchange);
    // Answers that said "later" (RetriesExhausted) are thrown as they are, so that the case is not judged, and not
    // kept: the next case asks again.
    if (error instanceof RetriesExhausted) {
      this.steps.push(error.exchange);
      if (cache.get(key) === grant) cache.delete(key);
    }
    if (token === undefined) throw error ?? new Error('no access token');
    return token;
  }

  async matchid(body: unknown, token?: string): Promise<HttpRequest> {
    return { method: 'POST', path: pathOf('matchIdentity'), headers: { Authorization: `Bearer ${token ?? (await this.directMatchToken())}` }, json: body };
  }
}

/** `requires` helper: the profile paths that must be present, as dotted paths. */
export function need(...paths: string[]): Requirement {
  return (profile) => {
    const missing = paths.filter((p) => p.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], profile) === undefined);
    return missing.length ? `the profile has no ${missing.join(', ')}` : undefined;
  };
}

/** `requires` helper: an end-user who consents to the code flow (the profile's `authentication.session`, or the
 *  run's `--login`), and the profile paths given. */
export function needEndUser(...paths: string[]): Requirement {
  const rest = need(...paths);
  return (profile, setup) => {
    const endUser = profile.authentication?.session || setup?.login
      ? undefined
      : 'the profile has no authentication.session (an end-user session cookie, or ORANGE_SESSION_COOKIE) and the run no --login';
    return [endUser, rest(profile)].filter(Boolean).join('; ') || undefined;
  };
}
