/**
 * The one ajv configuration of the project: JSON Schema 2020-12 (the contract's `jsonSchemaDialect`), formats,
 * and the OpenAPI annotation keywords declared as vocabulary so that strict mode stays on.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Options, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { API_SLUGS, GENERATED_DIR, SCHEMA_ID_BASE, type ApiSlug } from './load.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const OPENAPI_ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator'];

export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, keywords: OPENAPI_ANNOTATIONS, ...options });
  addFormats(ajv);
  return ajv;
}

/** An ajv holding every generated JSON Schema of every API (generated/<slug>/schemas/), by `$id`. */
export function generatedSchemasAjv(): Ajv2020 {
  const ajv = createAjv();
  for (const slug of API_SLUGS) {
    const dir = path.join(GENERATED_DIR, slug, 'schemas');
    for (const file of readdirSync(dir)) ajv.addSchema(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  return ajv;
}

/** The validator of `generated/<slug>/schemas/<name>.json`, compiled once per name. */
export function schemaValidators(ajv: Ajv2020 = generatedSchemasAjv()): (slug: ApiSlug, name: string) => ValidateFunction {
  const cache = new Map<string, ValidateFunction>();
  return (slug, name) => {
    const key = `${slug}/${name}`;
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.getSchema(`${SCHEMA_ID_BASE}/${key}.json`);
      if (!validate) throw new Error(`no generated schema ${key}`);
      cache.set(key, validate);
    }
    return validate;
  };
}
