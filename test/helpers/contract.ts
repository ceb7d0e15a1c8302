import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createAjv } from '../../src/contract/ajv.js';
import { REPO_ROOT, SCHEMA_ID_BASE, listApis } from '../../scripts/lib/contract.js';

/** A generated bundle, as integrators and the other repos read it. */
export const bundled = (slug: string): any => JSON.parse(readFileSync(path.join(REPO_ROOT, 'generated', slug, 'openapi.json'), 'utf8'));

/** The value of a named example of a response body, following the bundle's local `$ref`s. */
export function responseExample(slug: string, pathName: string, method: string, status: string, name: string, media = 'application/json'): any {
  const doc = bundled(slug);
  const deref = (node: any): any => (node?.$ref ? deref(node.$ref.slice(2).split('/').reduce((n: any, k: string) => n[k], doc)) : node);
  const example = deref(doc.paths[pathName][method].responses[status])?.content?.[media]?.examples?.[name];
  if (!example) throw new Error(`no example ${slug} ${method} ${pathName} ${status} ${name}`);
  return example.value;
}

/** An ajv instance holding every generated JSON Schema of every API. */
export function generatedSchemas() {
  const ajv = createAjv();
  const root = path.join(REPO_ROOT, 'generated');
  for (const { slug } of listApis()) {
    for (const file of readdirSync(path.join(root, slug, 'schemas'))) {
      ajv.addSchema(JSON.parse(readFileSync(path.join(root, slug, 'schemas', file), 'utf8')));
    }
  }
  return ajv;
}

/** Validates a value against `generated/<slug>/schemas/<name>.json`; `errors` says why not. */
export function validateAgainst(slug: string, name: string, value: unknown): { ok: boolean; errors: string } {
  const ajv = generatedSchemas();
  const validate = ajv.getSchema(`${SCHEMA_ID_BASE}/${slug}/${name}.json`);
  if (!validate) throw new Error(`no generated schema ${slug}/${name}`);
  const ok = validate(value) as boolean;
  return { ok, errors: ajv.errorsText(validate.errors) };
}
