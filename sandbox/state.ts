/**
 * The sandbox's memory, one per sandbox: subscribers and clients (the fixture's, then what the admin API
 * registers); tokens, refresh tokens, codes, sessions, exchanged codes, remembered consents and the login form's
 * CSRF tokens in bounded expiring stores (sandbox/store.ts) on the sandbox's clock; revoked consents; the caches
 * of Direct Match keys. Nothing here is shared between two sandboxes, and `reset()` brings it all back to the
 * fixture. The fixture itself is never changed (a loaded one is shared per process, frozen).
 */
import { randomBytes } from 'node:crypto';
import tokenResponse from '../generated/authentication-fr/schemas/TokenResponseMembers.json' with { type: 'json' };
import type { JWK, KeyObject, CryptoKey } from 'jose';
import type { Clock } from './clock.js';
import type { DocumentedResponses } from './contract.js';
import type { Client, Fixture, Subscriber } from './fixture.js';
import { STORE_CAPS } from './limits.js';
import { BoundedMap, ExpiringStore } from './store.js';

export { STORE_CAPS } from './limits.js';

export interface AccessToken {
  clientId: string;
  /** Absent for a token tied to no end-user. */
  msisdn?: string;
  scopes: Set<string>;
  consentRevoked?: boolean;
  /** The authorization code the token descends from: replaying that code revokes it (RFC 6749 section 4.1.2). */
  grant?: string;
  /** Issue order: a revocation of consent reaches the tokens issued before it, never those after a new consent. */
  serial: number;
}

export interface RefreshGrant { clientId: string; msisdn: string; scopes: string[]; grant?: string; serial?: number }

/** What a CSRF token of the login and consent form is bound to: the browser's `sandbox_csrf` cookie and the
 *  authorization request the form carries. */
export interface CsrfBinding { browser: string; request: string }

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

/** The token type the sandbox sends: the contract's `default` (its pattern takes any case, RFC 6749 section 5.1). */
const TOKEN_TYPE = tokenResponse.properties.token_type.default;
export const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

/** Lifetimes the fixture does not set, in seconds. */
const REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600;
const SESSION_LIFETIME = 24 * 3600;
/** How long an end-user's consent to a client's scopes is remembered, in seconds. */
const CONSENT_LIFETIME = 30 * 24 * 3600;
/** How long a login or consent form stays valid, in seconds. */
const FORM_LIFETIME = 600;
/** How long a fetched JWKS URI document is used, in seconds. */
export const REMOTE_JWKS_LIFETIME = 300;

export class SandboxState {
  readonly subscribers = new Map<string, Subscriber>();
  readonly clients = new Map<string, Client>();
  readonly tokens: ExpiringStore<AccessToken>;
  readonly refreshTokens: ExpiringStore<RefreshGrant>;
  readonly codes: ExpiringStore<AuthorizationCode>;
  readonly sessions: ExpiringStore<Session>;
  /** Exchanged authorization codes, kept while what they issued lives: `revoked` once a code is replayed. */
  readonly redeemedCodes: ExpiringStore<{ revoked: boolean }>;
  /** The scopes an end-user consented to for a client, by `msisdn clientId`. */
  readonly consents: ExpiringStore<Map<string, number>>;
  /** The CSRF tokens of the login and consent forms shown, single use. */
  readonly csrfTokens: ExpiringStore<CsrfBinding>;
  /** Revoked consents, as `msisdn scope` → the last serial issued when it was revoked. */
  readonly revokedConsents = new BoundedMap<string, number>(STORE_CAPS.revokedConsents);
  /** The last serial issued: tokens, refresh tokens and consents are numbered in issue order. */
  private serial = 0;
  /** Keys fetched from authorized JWKS URIs, by client id. */
  readonly remoteJwks: ExpiringStore<JWK[]>;
  /** Imported verification keys, by `clientId kid n`. */
  readonly importedKeys: ExpiringStore<Promise<CryptoKey | KeyObject>>;
  readonly now: () => number;

  constructor(readonly fixture: Fixture, clock: Clock) {
    this.now = clock.now;
    this.tokens = new ExpiringStore(this.now, STORE_CAPS.tokens);
    this.refreshTokens = new ExpiringStore(this.now, STORE_CAPS.refreshTokens);
    this.codes = new ExpiringStore(this.now, STORE_CAPS.codes);
    this.sessions = new ExpiringStore(this.now, STORE_CAPS.sessions);
    this.redeemedCodes = new ExpiringStore(this.now, STORE_CAPS.redeemedCodes);
    this.consents = new ExpiringStore(this.now, STORE_CAPS.consents);
    this.csrfTokens = new ExpiringStore(this.now, STORE_CAPS.csrfTokens);
    this.remoteJwks = new ExpiringStore(this.now, STORE_CAPS.remoteJwks);
    this.importedKeys = new ExpiringStore(this.now, STORE_CAPS.importedKeys);
    this.load();
  }

  /** Back to the fixture: everything issued, registered, revoked or cached goes. */
  reset(): void {
    for (const store of this.stores()) store.clear();
    this.revokedConsents.clear();
    this.subscribers.clear();
    this.clients.clear();
    this.load();
  }

  /** Removes every expired entry of every store now (they also go a few per write); returns how many went. */
  purge(): number {
    return this.stores().reduce((n, store) => n + store.purge(), 0);
  }

  private stores() {
    return [this.tokens, this.refreshTokens, this.codes, this.sessions, this.redeemedCodes, this.consents, this.csrfTokens, this.remoteJwks, this.importedKeys];
  }

  private load(): void {
    const fixture = this.fixture;
    for (const s of fixture.subscribers) this.subscribers.set(s.msisdn, s);
    for (const c of fixture.clients) this.clients.set(c.clientId, c);
    for (const t of fixture.tokens ?? []) {
      this.tokens.set(t.token, { clientId: t.clientId, ...(t.msisdn ? { msisdn: t.msisdn } : {}), scopes: new Set(t.scopes), serial: 0, ...(t.consentRevoked ? { consentRevoked: true } : {}) }, Infinity);
    }
    for (const s of fixture.sessions ?? []) this.sessions.set(s.id, { msisdn: s.msisdn, consent: s.consent, authTime: this.seconds() }, Infinity);
  }

  /** The clock in whole seconds since the epoch. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  get accessTokenLifetime() { return this.fixture.accessTokenLifetime ?? 3600; }
  get codeLifetime() { return this.fixture.codeLifetime ?? 60; }

  /** Registers or replaces a client (a new object: the fixture's are never changed); its fetched keys go. */
  setClient(client: Client): void {
    this.clients.set(client.clientId, client);
    this.remoteJwks.delete(client.clientId);
  }

  /** Removes a client, and every token, refresh token and code issued to it. */
  removeClient(clientId: string): boolean {
    if (!this.clients.delete(clientId)) return false;
    this.remoteJwks.delete(clientId);
    const issuedTo = (v: { clientId: string }) => v.clientId === clientId;
    this.tokens.deleteWhere(issuedTo);
    this.refreshTokens.deleteWhere(issuedTo);
    this.codes.deleteWhere(issuedTo);
    return true;
  }

  /** A new access token, as the members of a token response (`token_type` as the contract fixes it). */
  issueAccessToken(clientId: string, msisdn: string | undefined, scopes: Iterable<string>, grant?: string): { token_type: string; access_token: string; expires_in: number } {
    const token = newToken('SBX_');
    this.tokens.set(token, { clientId, ...(msisdn ? { msisdn } : {}), scopes: new Set(scopes), serial: ++this.serial, ...(grant ? { grant } : {}) }, this.now() + this.accessTokenLifetime * 1000);
    return { token_type: TOKEN_TYPE, access_token: token, expires_in: this.accessTokenLifetime };
  }

  issueRefreshToken(grant: RefreshGrant): string {
    const token = newToken('SBXR-');
    this.refreshTokens.set(token, { ...grant, serial: ++this.serial }, this.now() + REFRESH_TOKEN_LIFETIME * 1000);
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

  /** A live token (known, not expired, not revoked), or undefined. */
  accessToken(token: string): AccessToken | undefined {
    const found = this.tokens.get(token);
    return found && !this.grantRevoked(found.grant) ? found : undefined;
  }

  /** Marks a code exchanged; what it issues lives until the refresh token it gives expires. */
  redeemCode(code: string): void {
    this.redeemedCodes.set(code, { revoked: false }, this.now() + (REFRESH_TOKEN_LIFETIME + this.accessTokenLifetime) * 1000);
  }

  /** True when `grant` is a code that was replayed, which revokes every token descending from it. */
  grantRevoked(grant: string | undefined): boolean {
    return grant !== undefined && this.redeemedCodes.get(grant)?.revoked === true;
  }

  /** The scopes `msisdn` consented to for `clientId`, less those whose consent was revoked since. */
  consentedScopes(msisdn: string, clientId: string): Set<string> {
    const given = this.consents.get(`${msisdn} ${clientId}`) ?? new Map<string, number>();
    return new Set([...given].filter(([scope, serial]) => !this.consentRevoked({ msisdn, serial }, scope)).map(([scope]) => scope));
  }

  /** Remembers that `msisdn` consented to `scopes` for `clientId`. An earlier revocation still reaches what was
   *  issued before it; what is issued after this consent works. */
  rememberConsent(msisdn: string, clientId: string, scopes: string[]): void {
    const serial = ++this.serial;
    const given = new Map([...this.consentedScopes(msisdn, clientId)].map((s) => [s, this.consents.get(`${msisdn} ${clientId}`)!.get(s)!]));
    for (const scope of scopes) given.set(scope, serial);
    this.consents.set(`${msisdn} ${clientId}`, given, this.now() + CONSENT_LIFETIME * 1000);
  }

  /** The end-user revokes consent to a scope: every token, refresh token and remembered consent issued so far for
   *  it stops working; those issued after a new consent work. */
  revokeConsent(msisdn: string, scope: string): void {
    this.revokedConsents.set(`${msisdn} ${scope}`, this.serial);
  }

  /** A new single-use CSRF token for a form. */
  issueCsrfToken(binding: CsrfBinding): string {
    const token = randomBytes(24).toString('base64url');
    this.csrfTokens.set(token, binding, this.now() + FORM_LIFETIME * 1000);
    return token;
  }

  /** True when the consent behind a token (a refresh grant, a remembered consent) for `scope` was revoked after it
   *  was issued. */
  consentRevoked(token: { msisdn?: string; serial?: number; consentRevoked?: boolean }, scope: string): boolean {
    const revokedAt = token.msisdn === undefined ? undefined : this.revokedConsents.get(`${token.msisdn} ${scope}`);
    return token.consentRevoked === true || (revokedAt !== undefined && (token.serial ?? 0) <= revokedAt);
  }

  /** Takes a code out: a code works once. */
  takeCode(code: string): AuthorizationCode | undefined {
    return this.codes.take(code);
  }
}
