import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const require = createRequire(import.meta.url);
/** har-schema 2.0.0: the HAR 1.2 schema, written in JSON Schema draft-06 (its `$schema`), one file per object. */
const schemas = require('har-schema') as Record<string, object>;

const ajv = new Ajv({
  allErrors: true,
  // har-schema's own words that JSON Schema does not have (`min` for minimum, `optional`, `unique`), and its
  // postData.params, which gives `required` and `properties` to an array (they apply to nothing: params items
  // are checked below).
  keywords: ['optional', 'min', 'unique'],
  strictTypes: false,
});
ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
addFormats(ajv);
for (const schema of Object.values(schemas)) ajv.addSchema(schema);
const validateHar = ajv.getSchema('har.json#')!;

/** The HAR 1.2 schema's errors for `har`, and those of postData params (name and value strings). */
export function harSchemaErrors(har: unknown): string[] {
  const errors = validateHar(har) ? [] : (validateHar.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const entries = ((har as { log?: { entries?: { request?: { postData?: { params?: unknown[] } } }[] } }).log?.entries ?? []);
  entries.forEach((e, i) => (e.request?.postData?.params ?? []).forEach((p, j) => {
    if (typeof (p as { name?: unknown }).name !== 'string') errors.push(`/log/entries/${i}/request/postData/params/${j} has no name`);
  }));
  return errors;
}
