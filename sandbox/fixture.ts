/**
 * Sandbox fixtures: YAML or JSON, validated at start against fixture.schema.json, then cross-checked (a token's
 * client and subscriber must exist, identifiers must be unique). Every error names the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { validator } from '../src/contract/validators.js';

/** The default fixture, at the package root (from source and from dist/ alike). Its schema,
 *  sandbox/fixture.schema.json, is precompiled at generate time. */
export const DEFAULT_FIXTURE = path.join(PACKAGE_ROOT, 'sandbox/fixtures/default.yaml');

export interface Kyc { given_name?: string; family_name?: string; birthdate?: string; email?: string; address?: Record<string, string> }
export interface Subscriber {
  msisdn: string; sub: string; password?: string; claims?: Record<string, unknown>; kyc?: Kyc | null;
  massMarket?: boolean; eligible?: boolean; eligibleScopes?: string[];
}
export interface Client {
  clientId: string; clientSecret?: string; redirectUris?: string[]; scopes?: string[];
  jwks?: { keys: JWK[] }; jwksUri?: string; jwksUriAuthorized?: boolean; suspended?: boolean;
}
export interface Fixture {
  issuer?: string; assertionAudience?: string; matchIdScope?: string; accessTokenLifetime?: number; codeLifetime?: number;
  subscribers: Subscriber[];
  clients: Client[];
  tokens?: { token: string; clientId: string; msisdn?: string; scopes: string[]; consentRevoked?: boolean }[];
  sessions?: { id: string; msisdn: string; consent: 'grant' | 'deny' }[];
}

export class FixtureError extends Error {
  override readonly name = 'FixtureError';
}

export function loadFixture(file: string = DEFAULT_FIXTURE): Fixture {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FixtureError(`cannot read fixture ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  return validateFixture(raw, file);
}

export function validateFixture(raw: unknown, where = 'fixture'): Fixture {
  const validate = validator('sandbox/fixture');
  if (!validate(raw)) {
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if')
      .map((e) => `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`);
    throw new FixtureError(`invalid fixture ${where}:\n  ${[...new Set(errors)].join('\n  ')}`);
  }
  const fixture = raw as Fixture;
  const problems: string[] = [];
  const duplicates = (values: string[], field: string) =>
    values.forEach((v, i) => { if (values.indexOf(v) !== i) problems.push(`${field.replace('*', String(i))} ${v} is not unique`); });
  duplicates(fixture.subscribers.map((s) => s.msisdn), '/subscribers/*/msisdn');
  duplicates(fixture.clients.map((c) => c.clientId), '/clients/*/clientId');
  const msisdns = new Set(fixture.subscribers.map((s) => s.msisdn));
  const clients = new Set(fixture.clients.map((c) => c.clientId));
  fixture.tokens?.forEach((t, i) => {
    if (!clients.has(t.clientId)) problems.push(`/tokens/${i}/clientId ${t.clientId} is not a client of the fixture`);
    if (t.msisdn !== undefined && !msisdns.has(t.msisdn)) problems.push(`/tokens/${i}/msisdn ${t.msisdn} is not a subscriber of the fixture`);
  });
  fixture.sessions?.forEach((s, i) => {
    if (!msisdns.has(s.msisdn)) problems.push(`/sessions/${i}/msisdn ${s.msisdn} is not a subscriber of the fixture`);
  });
  if (problems.length) throw new FixtureError(`invalid fixture ${where}:\n  ${problems.join('\n  ')}`);
  return fixture;
}
