/**
 * Sandbox fixtures: YAML or JSON, validated at start against fixture.schema.json, then cross-checked (a token's
 * client and subscriber must exist, identifiers must be unique). Every error names the field. A fixture file is
 * read, parsed and checked once per process (again when it changes) and shared, frozen, by every sandbox that
 * uses it; each sandbox keeps its own state (sandbox/state.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../src/contract/load.js';
import { validator, type SchemaError } from '../src/contract/validators.js';
import fixtureSchema from './fixture.schema.json' with { type: 'json' };
import { STORE_CAPS } from './limits.js';
import { registrationProblems } from './registration.js';

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

const BASE64URL = fixtureSchema.$defs.Base64url.pattern;

/** Schema errors as lines naming the field (`/clients/1/jwks/keys/0/n must be base64url ...`). */
export function describeSchemaErrors(errors: readonly SchemaError[], prefix = ''): string[] {
  const lines = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if').map((e) => {
    const where = `${prefix}${e.instancePath}` || '/';
    if (e.keyword === 'pattern' && e.params.pattern === BASE64URL) return `${where} must be base64url (A-Z a-z 0-9 - _, no padding, RFC 7515 section 2)`;
    if (e.keyword === 'additionalProperties') return `${where} ${e.message} (${(e.params as { additionalProperty: string }).additionalProperty})`;
    if (e.keyword === 'false schema') return `${where} is not allowed (a private key member: register the public key only)`;
    return `${where} ${e.message}`;
  });
  return [...new Set(lines)];
}

const cache = new Map<string, { stamp: string; fixture: Fixture }>();

/** The fixture of a file, checked; read once per process while the file stays the same. */
export function loadFixture(file: string = DEFAULT_FIXTURE): Fixture {
  const absolute = path.resolve(file);
  let stamp: string;
  let raw: unknown;
  try {
    const stat = statSync(absolute);
    stamp = `${stat.mtimeMs} ${stat.size}`;
    const cached = cache.get(absolute);
    if (cached?.stamp === stamp) return cached.fixture;
    raw = parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new FixtureError(`cannot read fixture ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const fixture = deepFreeze(validateFixture(raw, file));
  cache.set(absolute, { stamp, fixture });
  return fixture;
}

/** A fixture given as an object or a file, checked (an object once: later sandboxes reuse the verdict). */
const checked = new WeakSet<object>();
export function resolveFixture(fixture: Fixture | string | undefined): Fixture {
  if (fixture === undefined || typeof fixture === 'string') return loadFixture(fixture);
  if (!checked.has(fixture)) {
    validateFixture(fixture);
    checked.add(fixture);
  }
  return fixture;
}

/** What is wrong with a client beyond its schema: two keys of one kid, too many keys, and what the registration
 *  rules refuse (sandbox/registration.ts: weak or wrong-purpose keys, bad redirect or JWKS URIs). */
export function clientProblems(client: Client, where: string): string[] {
  const maxKeys = STORE_CAPS.keysPerClient;
  const problems: string[] = registrationProblems(client, where);
  const kids = (client.jwks?.keys ?? []).map((k) => k.kid).filter((k): k is string => k !== undefined);
  kids.forEach((kid, i) => { if (kids.indexOf(kid) !== i) problems.push(`${where}/jwks/keys kid ${kid} is not unique`); });
  if ((client.jwks?.keys.length ?? 0) > maxKeys) problems.push(`${where}/jwks/keys holds more than ${maxKeys} keys`);
  return problems;
}

export function validateFixture(raw: unknown, where = 'fixture'): Fixture {
  const validate = validator('sandbox/fixture');
  if (!validate(raw)) throw new FixtureError(`invalid fixture ${where}:\n  ${describeSchemaErrors(validate.errors ?? []).join('\n  ')}`);
  const fixture = raw as Fixture;
  const problems: string[] = [];
  const duplicates = (values: string[], field: string) =>
    values.forEach((v, i) => { if (values.indexOf(v) !== i) problems.push(`${field.replace('*', String(i))} ${v} is not unique`); });
  duplicates(fixture.subscribers.map((s) => s.msisdn), '/subscribers/*/msisdn');
  duplicates(fixture.clients.map((c) => c.clientId), '/clients/*/clientId');
  fixture.clients.forEach((c, i) => problems.push(...clientProblems(c, `/clients/${i}`)));
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
