/**
 * Reads the hand-written contract in openapi/: the API list from redocly.yaml and each root document
 * dereferenced. What is read out of a document (operations, named examples) lives in src/contract/examples.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $RefParser } from '@apidevtools/json-schema-ref-parser';
import { parse } from 'yaml';
import type { JsonObject } from '../../src/contract/examples.js';

export * from '../../src/contract/examples.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export { SCHEMA_ID_BASE, resolvePointer } from '../../src/contract/load.js';

export interface ApiEntry {
  /** Slug used everywhere downstream (generated/<slug>/, conformance ids, client subpaths). */
  slug: string;
  /** Absolute path of the root document. */
  root: string;
}

/** The five APIs, in the order redocly.yaml lists them. */
export function listApis(): ApiEntry[] {
  const config = parse(readFileSync(path.join(REPO_ROOT, 'redocly.yaml'), 'utf8')) as {
    apis: Record<string, { root: string }>;
  };
  return Object.entries(config.apis).map(([slug, { root }]) => ({ slug, root: path.join(REPO_ROOT, root) }));
}

/** The root document with every $ref (local and to other files) replaced by its target. */
export async function dereferenceApi(api: ApiEntry): Promise<JsonObject> {
  return (await $RefParser.dereference(api.root, { dereference: { circular: false } })) as JsonObject;
}
