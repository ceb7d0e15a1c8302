/**
 * Loads the contract at run time from the generated bundles (generated/<slug>/openapi.json), which ship with
 * the package, from source (tsx) and from dist/ alike. Bundles hold local `$ref`s only, so dereferencing is a
 * walk over JSON pointers, done once per process and shared.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiSlug } from '../../generated/apis.js';
import type { Json, JsonObject } from './examples.js';

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

/** The value at a JSON pointer (RFC 6901) of `doc`. */
export function resolvePointer(doc: Json, pointer: string): Json {
  if (!pointer.startsWith('#')) throw new Error(`only local $refs are supported, not ${pointer}`);
  let node: Json | undefined = doc;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, Json>)[key] : undefined;
    if (node === undefined) throw new Error(`$ref ${pointer} points at nothing`);
  }
  return node;
}

/**
 * `doc` with every local `$ref` replaced by its target. One target is one object wherever it is referenced
 * (caches keyed by schema objects stay small); siblings of a `$ref` (OpenAPI 3.1 `summary`, `description`) are
 * laid over a copy of the target. A circular reference is an error.
 */
export function dereference<T extends Json>(doc: T): T {
  const done = new Map<string, Json>();
  const inProgress = new Set<string>();
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const { $ref, ...siblings } = node;
    if (typeof $ref === 'string') {
      let target = done.get($ref);
      if (target === undefined) {
        if (inProgress.has($ref)) throw new Error(`circular $ref ${$ref}`);
        inProgress.add($ref);
        target = walk(resolvePointer(doc, $ref));
        inProgress.delete($ref);
        done.set($ref, target);
      }
      return Object.keys(siblings).length ? { ...(target as JsonObject), ...(walk(siblings) as JsonObject) } : target;
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
  };
  return walk(doc) as T;
}

const dereferenced = new Map<ApiSlug, JsonObject>();

/** A bundled document with every `$ref` replaced by its target; read once per process and shared (do not mutate). */
export function dereferencedBundle(slug: ApiSlug): JsonObject {
  let doc = dereferenced.get(slug);
  if (!doc) dereferenced.set(slug, (doc = dereference(readBundle(slug))));
  return doc;
}
