/**
 * Loads the contract at run time from the generated bundles (generated/<slug>/openapi.json), which ship with
 * the package, from source (tsx) and from dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import type { ApiSlug } from '../../generated/apis.js';
import type { JsonObject } from './examples.js';

/** The package's root folder: the nearest ancestor holding generated/all.json. */
export const PACKAGE_ROOT = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'generated', 'all.json'))) return dir;
  }
  throw new Error('generated/all.json not found above ' + fileURLToPath(import.meta.url));
})();

export const GENERATED_DIR = path.join(PACKAGE_ROOT, 'generated');

/** Base of the generated JSON Schemas' `$id`: `<base>/<slug>/<Name>.json`. An identifier under a reserved TLD,
 *  never fetched; the schemas' `$ref`s to their siblings are relative. */
export const SCHEMA_ID_BASE = 'https://orange-identity-contracts.invalid/schemas';

export { API_SLUGS, type ApiSlug } from '../../generated/apis.js';

const bundlePath = (slug: ApiSlug) => path.join(GENERATED_DIR, slug, 'openapi.json');

/** A bundled document as JSON, with its local `$ref`s kept. */
export const readBundle = (slug: ApiSlug): JsonObject => JSON.parse(readFileSync(bundlePath(slug), 'utf8')) as JsonObject;

/** A bundled document with every `$ref` replaced by its target. */
export async function loadDereferenced(slug: ApiSlug): Promise<JsonObject> {
  return (await $RefParser.dereference(readBundle(slug), { dereference: { circular: false } })) as JsonObject;
}
