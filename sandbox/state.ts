/**
 * The sandbox's memory: subscribers and clients from the fixture; tokens, refresh tokens, codes and sessions in
 * bounded expiring stores (sandbox/store.ts) on the sandbox's clock; revoked consents.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import type { DocumentedResponses } from './contract.js';
import type { Client, Fixture, Subscriber } from './fixture.js';
import { ExpiringStore } from './store.js';

export interface AccessToken {
  clientId: string;
  /** Absent for a token tied to no end-user. */
  msisdn?: string;
  scopes: Set<string>;
  consentRevoked?: boolean;
}

export interface RefreshGrant { clientId: string; msisdn: string; scopes: string[] }

export interface AuthorizationCode {
  clientId: string; redirectUri: string; msisdn: string; scopes: string[]; nonce?: string;
  codeChallenge?: string; authTime: number;
}

export interface Session { msisdn: string; consent?: 'grant' | 'deny'; authTime: number }

/** What every API module of the sandbox works with. */
export interface SandboxParts {
  state: SandboxState;
  /** The contract's documented responses. */
  docs: DocumentedResponses;
  /** The sandbox's clock, in milliseconds since the epoch. */
  now: () => number;
  /** The origin the sandbox advertises in its documents (`http://127.0.0.1:8080`): its configured public origin,
   *  else its listen address; never taken from a request's `Host`. */
  origin: () => string;
}

export const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/** The most entries each store holds (the oldest go first beyond): docs/sandbox.md gives them. */
export const STORE_CAPS = { tokens: 200_000, refreshTokens: 100_000, codes: 100_000, sessions: 100_000 } as const;
/** Lifetimes the fixture does not set, in seconds. */
const REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600;
const SESSION_LIFETIME = 24 * 3600;

export class SandboxState {
  readonly subscribers = new Map<string, Subscriber>();
  readonly clients = new Map<string, Client>();
  readonly tokens: ExpiringStore<AccessToken>;
  readonly refreshTokens: ExpiringStore<RefreshGrant>;
  readonly codes: ExpiringStore<AuthorizationCode>;
  readonly sessions: ExpiringStore<Session>;
  /** Revoked consents, as `msisdn scope`. */
  readonly revokedConsents = new Set<string>();
  readonly now: () => number;

  constructor(readonly fixture: Fixture, clock: Clock) {
    this.now = clock.now;
    this.tokens = new ExpiringStore(this.now, STORE_CAPS.tokens);
    this.refreshTokens = new ExpiringStore(this.now, STORE_CAPS.refreshTokens);
    this.codes = new ExpiringStore(this.now, STORE_CAPS.codes);
    this.sessions = new ExpiringStore(this.now, STORE_CAPS.sessions);
    for (const s of fixture.subscribers) this.subscribers.set(s.msisdn, s);
    for (const c of fixture.clients) this.clients.set(c.clientId, c);
    for (const t of fixture.tokens ?? []) {
      this.tokens.set(t.token, { clientId: t.clientId, ...(t.msisdn ? { msisdn: t.msisdn } : {}), scopes: new Set(t.scopes), ...(t.consentRevoked ? { consentRevoked: true } : {}) }, Infinity);
    }
    for (const s of fixture.sessions ?? []) this.sessions.set(s.id, { msisdn: s.msisdn, consent: s.consent, authTime: this.seconds() }, Infinity);
  }

  /** The clock in whole seconds since the epoch. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  get accessTokenLifetime() { return this.fixture.accessTokenLifetime ?? 3600; }
  get codeLifetime() { return this.fixture.codeLifetime ?? 60; }

  issueAccessToken(clientId: string, msisdn: string | undefined, scopes: Iterable<string>): { access_token: string; expires_in: number } {
    const token = newToken('SBX_');
    this.tokens.set(token, { clientId, ...(msisdn ? { msisdn } : {}), scopes: new Set(scopes) }, this.now() + this.accessTokenLifetime * 1000);
    return { access_token: token, expires_in: this.accessTokenLifetime };
  }

  issueRefreshToken(grant: RefreshGrant): string {
    const token = newToken('SBXR-');
    this.refreshTokens.set(token, grant, this.now() + REFRESH_TOKEN_LIFETIME * 1000);
    return token;
  }

  issueCode(code: AuthorizationCode): string {
    const id = newToken('SBX-');
    this.codes.set(id, code, this.now() + this.codeLifetime * 1000);
    return id;
  }

  openSession(session: Session): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, session, this.now() + SESSION_LIFETIME * 1000);
    return id;
  }

  /** A live token (known, not expired), or undefined. */
  accessToken(token: string): AccessToken | undefined {
    return this.tokens.get(token);
  }

  consentRevoked(token: AccessToken, scope: string): boolean {
    return token.consentRevoked === true || (token.msisdn !== undefined && this.revokedConsents.has(`${token.msisdn} ${scope}`));
  }

  /** Takes a code out: a code works once. */
  takeCode(code: string): AuthorizationCode | undefined {
    return this.codes.take(code);
  }
}
