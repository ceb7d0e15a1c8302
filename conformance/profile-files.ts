/**
 * The shipped conformance profiles and templates as files, and `--profile` resolved to one: what the commands'
 * help and argument checks need, without loading a profile (conformance/profile.ts loads and validates them).
 *
 * Entry points: `shippedProfiles()`, `profileTemplates()`, `resolveProfilePath(nameOrPath)`, `ProfileError`.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/contract/load.js';

/** The shipped profiles and their schema, at the package root (from source and from dist/ alike). */
const PROFILES_DIR = path.join(PACKAGE_ROOT, 'conformance/profiles');

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

/** Templates beside the shipped profiles (`orange.example.json`): copied and filled in, never run as they are. */
const TEMPLATE = /\.example\.json$/;

/** The names of the shipped profiles (`mock`, `sandbox`); the templates are not among them. */
export const shippedProfiles = (): string[] =>
  readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json') && !TEMPLATE.test(f)).map((f) => f.slice(0, -'.json'.length)).sort();

/** The paths of the shipped templates, as the package holds them (`conformance/profiles/orange.example.json`). */
export const profileTemplates = (): string[] =>
  readdirSync(PROFILES_DIR).filter((f) => TEMPLATE.test(f)).sort().map((f) => `conformance/profiles/${f}`);

/** Resolves `--profile`: a shipped profile name or a path to a profile file. */
export function resolveProfilePath(nameOrPath: string): string {
  const isName = !nameOrPath.includes('/') && !nameOrPath.includes(path.sep) && !nameOrPath.endsWith('.json');
  if (isName && shippedProfiles().includes(nameOrPath)) return path.join(PROFILES_DIR, `${nameOrPath}.json`);
  const file = path.resolve(nameOrPath);
  if (!existsSync(file)) {
    throw new ProfileError(`no profile '${nameOrPath}': the shipped profiles are ${shippedProfiles().join(', ')}; otherwise give the path of a profile file (a template to copy: ${profileTemplates().join(', ')}; schema: conformance/profile.schema.json)`);
  }
  return file;
}
