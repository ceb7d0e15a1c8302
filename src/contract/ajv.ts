/**
 * The one ajv configuration of the project: JSON Schema 2020-12 (the contract's `jsonSchemaDialect`), formats,
 * and the OpenAPI annotation keywords declared as vocabulary so that strict mode stays on.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const OPENAPI_ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator'];

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, keywords: OPENAPI_ANNOTATIONS });
  addFormats(ajv);
  return ajv;
}
