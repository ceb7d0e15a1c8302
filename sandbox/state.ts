/** The sandbox's memory: subscribers and clients from the fixture; tokens, codes, sessions and consents. */
import { randomBytes } from 'node:crypto';
import type { DocumentedResponses } from './contract.js';
import type { Client, Fixture, Subscriber } from './fixture.js';

export interface AccessToken {
  clientId: string;
  /** Absent for a token tied to no end-user. */
  msisdn?: string;
  scopes: Set<string>;
  /** Milliseconds since the epoch; Infinity for the fixture's tokens. */
  expiresAt: number;
  consentRevoked?: boolean;
}

export interface AuthorizationCode {
  clientId: string; redirectUri: string; msisdn: string; scopes: string[]; nonce?: string;
  codeChallenge?: string; authTime: number; expiresAt: number;
}

export interface Session { msisdn: string; consent?: 'grant' | 'deny'; authTime: number }

/** What every API module of the sandbox works with. */
export interface SandboxParts {
  state: SandboxState;
  /** The contract's documented responses. */
  docs: DocumentedResponses;
  now: () => number;
}

export const newToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export class SandboxState {
  readonly subscribers = new Map<string, Subscriber>();
  readonly clients = new Map<string, Client>();
  readonly tokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, { clientId: string; msisdn: string; scopes: string[] }>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly sessions = new Map<string, Session>();
  /** Revoked consents, as `msisdn scope`. */
  readonly revokedConsents = new Set<string>();

  constructor(readonly fixture: Fixture, private readonly now: () => number) {
    for (const s of fixture.subscribers) this.subscribers.set(s.msisdn, s);
    for (const c of fixture.clients) this.clients.set(c.clientId, c);
    for (const t of fixture.tokens ?? []) {
      this.tokens.set(t.token, { clientId: t.clientId, ...(t.msisdn ? { msisdn: t.msisdn } : {}), scopes: new Set(t.scopes), expiresAt: Infinity, ...(t.consentRevoked ? { consentRevoked: true } : {}) });
    }
    for (const s of fixture.sessions ?? []) this.sessions.set(s.id, { msisdn: s.msisdn, consent: s.consent, authTime: Math.floor(now() / 1000) });
  }

  get accessTokenLifetime() { return this.fixture.accessTokenLifetime ?? 3600; }

  issueAccessToken(clientId: string, msisdn: string | undefined, scopes: Iterable<string>): { access_token: string; expires_in: number } {
    const token = newToken('SBX_');
    this.tokens.set(token, { clientId, ...(msisdn ? { msisdn } : {}), scopes: new Set(scopes), expiresAt: this.now() + this.accessTokenLifetime * 1000 });
    return { access_token: token, expires_in: this.accessTokenLifetime };
  }

  /** A live token (known, not expired), or undefined. Expired tokens are forgotten. */
  accessToken(token: string): AccessToken | undefined {
    const found = this.tokens.get(token);
    if (found && found.expiresAt <= this.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return found;
  }

  consentRevoked(token: AccessToken, scope: string): boolean {
    return token.consentRevoked === true || (token.msisdn !== undefined && this.revokedConsents.has(`${token.msisdn} ${scope}`));
  }

  /** Takes a code out: a code works once. */
  takeCode(code: string): AuthorizationCode | undefined {
    const found = this.codes.get(code);
    this.codes.delete(code);
    return found && found.expiresAt > this.now() ? found : undefined;
  }
}
