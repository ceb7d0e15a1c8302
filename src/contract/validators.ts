/**
 * The contract's schemas as validators, precompiled at generate time (generated/validators.ts, Ajv standalone):
 * loading them costs an import, never a compilation. Keys: `<slug>/<Name>` for a component schema,
 * `<slug>/<operationId>/<where>` for an operation's schemas, where `<where>` is `parameter/<in>/<name>`,
 * `request/<media type>`, `<status>/<media type>` or `<status>/header/<Name>`; `<slug>/<Name>/contentSchema` for
 * the decoded form (`{header, payload}`) of a JWT-valued component; `sandbox/fixture` and `conformance/profile`
 * for the fixture and profile schemas. `jwtMembers(key)` says where a body holds JWT-valued members.
 */
import { JWT_MEMBERS, VALIDATORS } from '../../generated/validators.js';

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A precompiled validator: true when `data` is valid; otherwise `errors` says why. */
export interface Validator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

const table = VALIDATORS as unknown as Record<string, Validator>;

/** True when the contract has a schema under this key. */
export const hasValidator = (key: string): boolean => Object.hasOwn(table, key);

/** The validator under `key`; an unknown key is a programming error. */
export function validator(key: string): Validator {
  const validate = table[key];
  if (!validate) throw new Error(`the contract has no schema ${key}`);
  return validate;
}


/** Validates `data`: undefined when valid, otherwise the errors as one line (`body/scope must be array; ...`). */
export function schemaErrors(validate: Validator, data: unknown, dataVar = 'data'): string | undefined {
  if (validate(data)) return undefined;
  return (validate.errors ?? []).map((e) => `${dataVar}${e.instancePath} ${e.message ?? e.keyword}`).join('; ');
}

/** A JWT-valued member of a body: its path (`*` for every item of an array) and its contentSchema's validator key. */
export interface JwtMember { path: readonly string[]; content: string }

const jwtTable = JWT_MEMBERS as Record<string, readonly JwtMember[]>;

/** The JWT-valued members of the body whose validator key is `key` (none for most bodies). */
export const jwtMembers = (key: string): readonly JwtMember[] => jwtTable[key] ?? [];
