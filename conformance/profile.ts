/**
 * Conformance profiles: a JSON file, validated against profile.schema.json, with environment overrides for
 * secrets (`PROFILE_ENVIRONMENT` lists them: a profile may hold none, each coming from the environment). Every
 * secret the profile holds is collected, so that reports can redact it.
 *
 * Entry points: `loadProfile(file, env)` → `{ profile, secrets }`, `resolveProfilePath(nameOrPath)`,
 * `shippedProfiles()`, `profileTemplates()`, `PROFILE_ENVIRONMENT`, `ProfileError`, `Profile`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { PRIVATE_JWK_ENV, readPrivateJwk } from 'orange-identity-client/auth/private-key';
import type { ApiSlug } from '../src/contract/load.js';
import { schemaErrors, validator } from '../src/contract/validators.js';
import { ProfileError } from './profile-files.js';

export { ProfileError, profileTemplates, resolveProfilePath, shippedProfiles } from './profile-files.js';


export interface Session { cookie: string }

/** The target a run of the suite or the fuzzer is aimed at, with the profile it runs with. */
export interface ProfiledTarget {
  /** The base URL: an origin, or an origin and a path prefix the APIs are served under. */
  baseUrl: string;
  profile: Profile;
  /** The profile's secrets (loadProfile gives them), redacted from every report. */
  secrets?: readonly string[];
  /** How reports name the profile (its name by default). */
  profileLabel?: string;
  apis?: readonly ApiSlug[];
}

/** What an end-user types on the login page (`--login`): a test MSISDN or account, and its password. */
export interface EndUserCredentials { username: string; password?: string }
export interface ClientRef { clientId: string; privateJwk?: JWK }
export interface Profile {
  name: string;
  description?: string;
  kind: 'mock' | 'live';
  /** The target is the reference sandbox: its admin API registers the run's key and arms faults (conformance/sandbox-admin.ts). */
  sandboxAdmin?: boolean;
  authentication?: {
    clientId: string; clientSecret?: string; redirectUri: string; issuer?: string; session?: Session; refusingSession?: Session;
    /** The end-user a `--login` module signs in as. */
    login?: EndUserCredentials;
  };
  accessTokens?: Partial<Record<'form_filling' | 'check_id' | 'id_match' | 'revoked_consent', string>>;
  userInfoSubject?: { claims: Record<string, unknown> };
  idMatchSubject?: { claims: Record<string, unknown> };
  directMatch?: {
    clientId: string;
    privateJwk?: JWK;
    scope: string[];
    otherScope?: string[];
    unsubscribedScope?: string[];
    withoutUserToken?: string;
    subjects?: {
      known: { msisdn: string; kyc: Record<string, unknown> };
      other?: string; unknown?: string; ineligible?: string; ineligibleForScopes?: string; notMassMarket?: string; withoutKyc?: string;
    };
    clients?: Partial<Record<'pendingJwksUri' | 'keyWithoutKid' | 'withoutJwks' | 'denied', ClientRef>>;
  };
  /** What the fuzzer needs beyond the suite's needs (orange-identity fuzz). */
  fuzz?: {
    /** Documented errors (`slug/operationId/status/example`) a valid request may get for the profile's subjects. */
    documentedRefusals?: string[];
    /** A subscriber the fuzzer may open sessions for and revoke the consent of (the sandbox admin API). */
    revocableSubscriber?: string;
  };
}


export interface LoadedProfile {
  profile: Profile;
  /** Every secret value of the profile, for redaction. */
  secrets: string[];
}

/** A private JWK of the profile or of ORANGE_PRIVATE_JWK: a path (relative to the profile) or the JWK, read by the
 *  client package's one loader. */
function readJwk(value: unknown, baseDir: string, where: string): JWK | undefined {
  try {
    return value === undefined ? undefined : readPrivateJwk(value as string | JWK, { baseDir, name: where });
  } catch (error) {
    throw new ProfileError((error as Error).message);
  }
}

/** The environment variables a profile's values may come from, and what each holds (the docs list them). */
export const PROFILE_ENVIRONMENT = {
  ORANGE_CLIENT_SECRET: 'authentication.clientSecret: the Authentication France client secret',
  ORANGE_SESSION_COOKIE: 'authentication.session.cookie: a Cookie header of an end-user session that has consented',
  ORANGE_REFUSING_SESSION_COOKIE: 'authentication.refusingSession.cookie: a Cookie header of an end-user session that refuses consent',
  ORANGE_LOGIN_USERNAME: 'authentication.login.username: the end-user a --login module signs in as (a test MSISDN)',
  ORANGE_LOGIN_PASSWORD: "authentication.login.password: that end-user's password",
  ORANGE_ACCESS_TOKEN_FORM_FILLING: 'accessTokens.form_filling: an access token of scope form_filling for userInfoSubject',
  ORANGE_ACCESS_TOKEN_CHECK_ID: 'accessTokens.check_id: an access token of scope check_id for userInfoSubject',
  ORANGE_ACCESS_TOKEN_ID_MATCH: 'accessTokens.id_match: an access token of scope id_match for idMatchSubject',
  ORANGE_ACCESS_TOKEN_REVOKED_CONSENT: 'accessTokens.revoked_consent: an access token whose end-user has revoked consent',
  ORANGE_ACCESS_TOKEN_WITHOUT_USER: 'directMatch.withoutUserToken: a matchid-scope access token tied to no end-user',
  ORANGE_PRIVATE_JWK: 'directMatch.privateJwk: the Direct Match private key, a JWK or the path of a JWK file',
} as const;

/** Loads and validates a profile; environment variables override its secrets. */
export function loadProfile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedProfile {
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ProfileError(`cannot read profile ${file}: ${(error as Error).message}`);
  }
  const invalid = schemaErrors(validator('conformance/profile'), raw, 'profile');
  if (invalid) throw new ProfileError(`profile ${file} is invalid: ${invalid}`);
  const p = structuredClone(raw) as Profile & Record<string, any>;
  const baseDir = path.dirname(file);
  if (p.authentication) {
    if (env.ORANGE_CLIENT_SECRET) p.authentication.clientSecret = env.ORANGE_CLIENT_SECRET;
    if (env.ORANGE_SESSION_COOKIE) p.authentication.session = { cookie: env.ORANGE_SESSION_COOKIE };
    if (env.ORANGE_REFUSING_SESSION_COOKIE) p.authentication.refusingSession = { cookie: env.ORANGE_REFUSING_SESSION_COOKIE };
    const username = env.ORANGE_LOGIN_USERNAME ?? p.authentication.login?.username;
    if (username) p.authentication.login = { ...p.authentication.login, username };
    if (env.ORANGE_LOGIN_PASSWORD && p.authentication.login) p.authentication.login.password = env.ORANGE_LOGIN_PASSWORD;
  }
  for (const name of ['form_filling', 'check_id', 'id_match', 'revoked_consent'] as const) {
    const value = env[`ORANGE_ACCESS_TOKEN_${name.toUpperCase()}`];
    if (value) (p.accessTokens ??= {})[name] = value;
  }
  if (p.directMatch) {
    if (env.ORANGE_ACCESS_TOKEN_WITHOUT_USER) p.directMatch.withoutUserToken = env.ORANGE_ACCESS_TOKEN_WITHOUT_USER;
    p.directMatch.privateJwk = readJwk(env[PRIVATE_JWK_ENV] ?? raw.directMatch?.privateJwk, baseDir, env[PRIVATE_JWK_ENV] === undefined ? 'directMatch.privateJwk' : PRIVATE_JWK_ENV);
    for (const [name, client] of Object.entries(p.directMatch.clients ?? {})) {
      if (client) client.privateJwk = readJwk(raw.directMatch.clients[name].privateJwk, baseDir, `directMatch.clients.${name}.privateJwk`);
    }
  }
  const jwkSecrets = (jwk?: JWK) => (jwk ? [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi] : []);
  const secrets = [
    p.authentication?.clientSecret, p.authentication?.session?.cookie, p.authentication?.refusingSession?.cookie, p.authentication?.login?.password,
    ...Object.values(p.accessTokens ?? {}), p.directMatch?.withoutUserToken,
    ...jwkSecrets(p.directMatch?.privateJwk), ...Object.values(p.directMatch?.clients ?? {}).flatMap((c) => jwkSecrets(c?.privateJwk)),
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
  return { profile: p, secrets };
}
