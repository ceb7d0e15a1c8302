import { readBundle, type ApiSlug } from '../../src/contract/load.js';
import { generatedSchemasAjv, schemaValidators } from '../../src/contract/ajv.js';

export { generatedSchemasAjv as generatedSchemas };

/** A generated bundle, as integrators and the other repos read it. */
export const bundled = (slug: string): any => readBundle(slug as ApiSlug);

/** The value of a named example of a response body, following the bundle's local `$ref`s. */
export function responseExample(slug: string, pathName: string, method: string, status: string, name: string, media = 'application/json'): any {
  const doc = bundled(slug);
  const deref = (node: any): any => (node?.$ref ? deref(node.$ref.slice(2).split('/').reduce((n: any, k: string) => n[k], doc)) : node);
  const example = deref(deref(doc.paths[pathName][method].responses[status])?.content?.[media]?.examples?.[name]);
  if (!example) throw new Error(`no example ${slug} ${method} ${pathName} ${status} ${name}`);
  return example.value;
}

const validators = schemaValidators();

/** Validates a value against `generated/<slug>/schemas/<name>.json`; `errors` says why not. */
export function validateAgainst(slug: string, name: string, value: unknown): { ok: boolean; errors: string } {
  const validate = validators(slug as ApiSlug, name);
  const ok = validate(value) as boolean;
  return { ok, errors: validate.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ') ?? '' };
}
