/**
 * A small bridge from the contract's JSON Schemas (2020-12, as written in openapi/, dereferenced) to fast-check:
 * hand-written, since no maintained package does this for fast-check 4.
 *
 * - `valid(schema, options)`: an arbitrary of values the schema accepts, reaching the extremes it allows: long and
 *   unicode strings (full code point range and printable graphemes), boundary numbers (fast-check's bias), every
 *   enum member, optional members on and off. Members listed in `options.bound` are generated as `BOUND`
 *   placeholders: the caller fills them with values from the profile or the target's state.
 * - `coverage(schema, options)`: a few deterministic values for the same schema: the minimal one (required
 *   members only, shortest values), the maximal one (every member, longest strings, upper bounds), the minimal
 *   one with one very long string, and one per enum member. The fuzzer runs them first.
 * - `violations(schema, options)`: one broken constraint each (wrong type, missing required member, const or enum
 *   broken, pattern or format violated, length, bound or item count out of range, extra member), with the
 *   JSON pointer of the member it breaks.
 *
 * Supported keywords: type (one or several), const, enum, pattern, format (through ajv-formats' own checks:
 * uri, email, date, date-time...), minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
 * multipleOf (integers), properties, required, additionalProperties, items, minItems, maxItems, oneOf, anyOf,
 * contentMediaType application/jwt with contentSchema (generated decoded, as `{header, payload}`).
 */
import fc from 'fast-check';
import { fullFormats } from 'ajv-formats/dist/formats.js';

export type Schema = Record<string, any>;

/** What a bound member is generated as, until the caller fills it in. */
export const BOUND = '\u0000bound';

/** A pointer is a member path: `['address', 'locality']`; `-` stands for every item of an array. */
export type Path = readonly string[];

export interface GenerateOptions {
  /** Member paths (of objects) whose values the caller fills in: generated as BOUND when required or on. */
  bound?: readonly Path[];
  /** Member paths whose arbitraries the caller gives (a subset of scopes, an identifier of the profile). */
  override?: ReadonlyMap<string, fc.Arbitrary<unknown>>;
  /** Where the value goes: `json` (typed), or `text` (query and form values: strings only). */
  medium?: 'json' | 'text';
}

/** Longest generated value of a string without a maxLength (long enough to matter, short enough for a body limit). */
export const LONG = 128;
/** A printable repeat unit for long strings: ASCII, Latin-1, a combining mark, CJK, an astral emoji. */
const LONG_UNIT = 'Aé\u0301漢😀 ';

const key = (path: Path) => path.join('/');
/** `x-medium` on a schema (set by request.ts on query, header and form parts) says how its members travel. */
const withMedium = (schema: Schema, options: GenerateOptions): GenerateOptions =>
  (schema['x-medium'] === 'text' || schema['x-medium'] === 'json' ? { ...options, medium: schema['x-medium'] } : options);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties || schema.required || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items) return ['array'];
  if (schema.pattern || schema.format || schema.minLength !== undefined) return ['string'];
  return [];
}

/** The format check ajv-formats applies (the generated validators use the same), or undefined for none. */
export function formatCheck(format: string | undefined): ((value: string) => boolean) | undefined {
  if (!format) return undefined;
  const f = (fullFormats as Record<string, unknown>)[format];
  if (f instanceof RegExp) return (v) => f.test(v);
  if (typeof f === 'function') return f as (v: string) => boolean;
  if (isObject(f) && typeof f.validate === 'function') return f.validate as (v: string) => boolean;
  if (isObject(f) && f.validate instanceof RegExp) return (v) => (f.validate as RegExp).test(v);
  return undefined;
}

const patternOf = (schema: Schema) => (typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : undefined);

/** True when `value` meets the string constraints of `schema` (length in code points, pattern, format). */
export function stringOk(schema: Schema, value: string): boolean {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) return false;
  if (schema.maxLength !== undefined && length > schema.maxLength) return false;
  if (patternOf(schema) && !patternOf(schema)!.test(value)) return false;
  const format = formatCheck(schema.format);
  return !format || format(value);
}

function formatArbitrary(format: string): fc.Arbitrary<string> | undefined {
  switch (format) {
    case 'uri': case 'url': case 'iri': return fc.webUrl({ withQueryParameters: true, withFragments: true });
    case 'email': case 'idn-email': return fc.emailAddress();
    case 'date': return fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'date-time': return fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'uuid': return fc.uuid();
    default: return undefined;
  }
}

/** Any code point but a lone surrogate, as a one-character string (fast-check's `binary` unit builds a reverse
 *  mapping of the whole range for each string arbitrary; this one is built once). */
const CODE_POINT = fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c));

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, LONG);
  const pattern = patternOf(schema);
  let base: fc.Arbitrary<string>;
  if (pattern) base = fc.stringMatching(pattern);
  else if (schema.format && formatArbitrary(schema.format)) base = formatArbitrary(schema.format)!;
  else {
    const constraints = { minLength, maxLength };
    base = fc.oneof(
      fc.string({ ...constraints, unit: 'grapheme' }),
      fc.array(CODE_POINT, constraints).map((points) => points.join('')),
      fc.string({ ...constraints, unit: 'grapheme-ascii', size: 'large' }),
    );
  }
  return base.filter((v) => stringOk(schema, v));
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum : schema.minimum;
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum : schema.maximum;
  const ok = (n: number) => (schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum) && (schema.exclusiveMaximum === undefined || n < schema.exclusiveMaximum)
    && (!integer || schema.multipleOf === undefined || n % schema.multipleOf === 0);
  const arb = integer
    ? fc.integer({ min: Math.ceil(min ?? Number.MIN_SAFE_INTEGER), max: Math.floor(max ?? Number.MAX_SAFE_INTEGER) })
    : fc.double({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
  return arb.filter(ok);
}

/** The decoded form of a JWT-valued member (`{header, payload}`), or undefined for another member. */
const jwtContent = (schema: Schema): Schema | undefined =>
  schema.contentMediaType === 'application/jwt' && isObject(schema.contentSchema) ? schema.contentSchema : undefined;

/** An arbitrary of the values `schema` accepts. */
export function valid(schema: Schema, options: GenerateOptions = {}, path: Path = []): fc.Arbitrary<unknown> {
  options = withMedium(schema, options);
  const override = options.override?.get(key(path));
  if (override) return override;
  if (options.bound?.some((b) => key(b) === key(path))) return fc.constant(BOUND);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const content = jwtContent(schema);
  if (content) return valid(content, { ...options, medium: 'json' }, path);
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) {
    return fc.oneof(...(schema.oneOf ?? schema.anyOf).map((s: Schema) => valid({ ...schema, oneOf: undefined, anyOf: undefined, ...s }, options, path)));
  }
  const text = options.medium === 'text';
  const types = typesOf(schema);
  const arbs = (types.length ? types : ['string', 'number', 'boolean', 'object']).flatMap((type): fc.Arbitrary<unknown>[] => {
    switch (type) {
      case 'string': return [stringArbitrary(schema)];
      case 'integer': return [numberArbitrary(schema, true).map((n) => (text ? String(n) : n))];
      case 'number': return [numberArbitrary(schema, false).map((n) => (text ? String(n) : n))];
      case 'boolean': return [fc.boolean().map((b) => (text ? String(b) : b))];
      case 'null': return text ? [] : [fc.constant(null)];
      case 'array': return [fc.array(valid(schema.items ?? {}, options, [...path, '-']), { minLength: schema.minItems ?? 0, maxLength: schema.maxItems ?? (schema.minItems ?? 0) + 4 })];
      case 'object': {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set<string>(schema.required ?? []);
        const record = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, valid(s, options, [...path, name])]));
        return [fc.record(record, { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) })];
      }
      default: return [];
    }
  });
  if (!arbs.length) throw new Error(`cannot generate a value for the schema at /${key(path)}`);
  return arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
}

/** The first value of an arbitrary for a fixed seed: deterministic. */
const sampleOf = <T>(arb: fc.Arbitrary<T>): T => fc.sample(arb, { seed: 1, numRuns: 1 })[0]!;

type Extreme = 'min' | 'max';

function extremeString(schema: Schema, end: Extreme): string {
  if (schema.pattern || (schema.format && formatArbitrary(schema.format))) return sampleOf(stringArbitrary(schema));
  const length = end === 'min' ? (schema.minLength ?? 0) : (schema.maxLength ?? Math.max(schema.minLength ?? 0, LONG));
  const units = [...LONG_UNIT.repeat(Math.ceil(length / [...LONG_UNIT].length) + 1)].slice(0, length).join('');
  return end === 'min' && length > 0 ? 'a'.repeat(length) : units;
}

function extreme(schema: Schema, end: Extreme, options: GenerateOptions, path: Path): unknown {
  options = withMedium(schema, options);
  if (options.override?.has(key(path))) return sampleOf(options.override.get(key(path))!);
  if (options.bound?.some((b) => key(b) === key(path))) return BOUND;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return end === 'min' ? schema.enum[0] : schema.enum.at(-1);
  const content = jwtContent(schema);
  if (content) return extreme(content, end, { ...options, medium: 'json' }, path);
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return extreme({ ...schema, oneOf: undefined, anyOf: undefined, ...(schema.oneOf ?? schema.anyOf)[0] }, end, options, path);
  const text = options.medium === 'text';
  const type = typesOf(schema)[0] ?? 'string';
  switch (type) {
    case 'integer': case 'number': {
      const bound = end === 'min' ? (schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0)) : (schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Number.MAX_SAFE_INTEGER));
      return text ? String(bound) : bound;
    }
    case 'boolean': return text ? String(end === 'max') : end === 'max';
    case 'null': return null;
    case 'array': {
      const count = end === 'min' ? (schema.minItems ?? 0) : (schema.maxItems ?? Math.max(schema.minItems ?? 0, 3));
      return Array.from({ length: count }, () => extreme(schema.items ?? {}, end, options, [...path, '-']));
    }
    case 'object': {
      const required = new Set<string>(schema.required ?? []);
      return Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Schema>)
        .filter(([name]) => end === 'max' || required.has(name))
        .map(([name, s]) => [name, extreme(s, end, options, [...path, name])]));
    }
    default: return extremeString(schema, end);
  }
}

/** Every enum member (beyond the extremes), each in the minimal value, at its path. */
function enumVariants(schema: Schema, options: GenerateOptions, path: Path, base: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (s: Schema, at: Path) => {
    if (options.bound?.some((b) => key(b) === key(at)) || options.override?.has(key(at))) return;
    if (Array.isArray(s.enum)) for (const member of s.enum.slice(1, -1)) out.push(setAt(base, at.slice(path.length), member));
    for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) visit(p, [...at, name]);
  };
  visit(schema, path);
  return out;
}

/** The path of the first string member free of any constraint but a minimum length (a name, a state). */
function freeString(schema: Schema, options: GenerateOptions, path: Path = []): Path | undefined {
  options = withMedium(schema, options);
  if (options.bound?.some((b) => key(b) === key(path)) || options.override?.has(key(path))) return undefined;
  const free = typesOf(schema).includes('string') && schema.maxLength === undefined && !schema.pattern && !schema.format && schema.enum === undefined && schema.const === undefined && !jwtContent(schema);
  if (free && path.length) return path;
  for (const [name, s] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const found = freeString(s, options, [...path, name]);
    if (found) return found;
  }
  return undefined;
}

/** The length of the one very long string of the coverage values. */
export const VERY_LONG = 1024;

/**
 * Deterministic values first run: minimal, maximal, the minimal one with one very long string (VERY_LONG
 * characters, unicode included), then each enum member not already covered.
 */
export function coverage(schema: Schema, options: GenerateOptions = {}): unknown[] {
  const min = extreme(schema, 'min', options, []);
  const max = extreme(schema, 'max', options, []);
  const long = freeString(schema, options);
  const all = [min, max, ...(long ? [setAt(min, long, extremeString({ maxLength: VERY_LONG }, 'max'))] : []), ...enumVariants(schema, options, [], min)];
  const seen = new Set<string>();
  return all.filter((v) => !seen.has(JSON.stringify(v)) && seen.add(JSON.stringify(v)));
}

/** A copy of `value` with the member at `path` set (`undefined` removes it). */
export function setAt(value: unknown, path: Path, member: unknown): unknown {
  if (path.length === 0) return member;
  const [head, ...rest] = path as [string, ...string[]];
  const node: Record<string, unknown> = isObject(value) ? { ...value } : {};
  const next = setAt(node[head], rest, member);
  if (next === undefined) delete node[head];
  else node[head] = next;
  return node;
}

export function getAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const k of path) node = isObject(node) ? node[k] : undefined;
  return node;
}

/** One broken constraint: the member it breaks, what it does, and the value to put there (`undefined`: remove it). */
export interface Violation {
  /** Member path from the value's root (`[]` for the root itself). */
  path: Path;
  /** What is broken: `type`, `required`, `const`, `enum`, `pattern`, `format`, `minLength`, `maxLength`,
   *  `minimum`, `maximum`, `minItems`, `maxItems`, `additionalProperties`. */
  keyword: string;
  /** The offending value (absent for a missing member). */
  value?: unknown;
}

const TYPE_SAMPLES: Record<string, unknown> = { string: 'text', integer: 7, number: 1.5, boolean: true, null: null, object: { a: 1 }, array: [1] };
/** Strings that break a pattern or a format, tried in order; the first ones that break only that are kept. */
const BAD_STRINGS = ['', ' ', 'x', '!', 'not valid', '0', '%00', '\u0000', 'é', '😀', '2021-02-30', 'a@', 'http://', '1'.repeat(16), 'x'.repeat(300)];

/**
 * The violations of `schema` (one constraint broken each), with generated offending values where it helps
 * (wrong-type values, out-of-range numbers). Members under `bound` paths are broken too: a violation replaces
 * the value the caller fills in. With `medium: 'text'` (query and form values), typing violations are left out
 * for string members: text has no other type.
 */
export function violations(schema: Schema, options: GenerateOptions = {}, path: Path = []): fc.Arbitrary<Violation>[] {
  options = withMedium(schema, options);
  const out: fc.Arbitrary<Violation>[] = [];
  const at = (keyword: string, value: unknown): fc.Arbitrary<Violation> => fc.constant({ path, keyword, value });
  const text = options.medium === 'text';
  const content = jwtContent(schema);
  // A JWT-valued member: its text broken (not a compact JWS), or its decoded header and payload, signed as usual.
  if (content) return [...violations({ ...schema, contentMediaType: undefined, contentSchema: undefined }, { ...options, medium: 'text' }, path), ...violations(content, { ...options, medium: 'json' }, path)];
  const types = typesOf(schema);
  // Text (query and form values) has no types: only a number or a boolean written as other text breaks one.
  if (types.length && !(text && (types.includes('string') || types.includes('object') || types.includes('array')))) {
    const wrong = Object.keys(TYPE_SAMPLES).filter((t) => !types.includes(t) && !(t === 'integer' && types.includes('number')) && !(text && (t === 'object' || t === 'array' || t === 'null')));
    if (wrong.length) out.push(fc.constantFrom(...wrong).map((t) => ({ path, keyword: 'type', value: text ? String(TYPE_SAMPLES[t]) : TYPE_SAMPLES[t] })));
  }
  if (schema.const !== undefined) out.push(at('const', typeof schema.const === 'string' ? `${schema.const}x` : typeof schema.const === 'number' ? schema.const + 1 : 'x'));
  if (Array.isArray(schema.enum)) {
    const bad = ['x', `${schema.enum[0]}x`, 0].find((v) => !schema.enum.includes(v));
    out.push(at('enum', bad));
  }
  if (types.includes('string')) {
    const pattern = patternOf(schema);
    const lengthOk = (s: string) => (schema.minLength === undefined || [...s].length >= schema.minLength) && (schema.maxLength === undefined || [...s].length <= schema.maxLength);
    // An empty query or form value is an omitted one (RFC 6749 section 3.1): it breaks no pattern or format.
    const candidates = text ? BAD_STRINGS.filter((s) => s !== '') : BAD_STRINGS;
    if (pattern) {
      const bad = candidates.filter((s) => !pattern.test(s) && lengthOk(s));
      if (bad.length) out.push(fc.constantFrom(...bad).map((value) => ({ path, keyword: 'pattern', value })));
    }
    const format = formatCheck(schema.format);
    if (format && !pattern) {
      const bad = candidates.filter((s) => !format(s) && lengthOk(s));
      if (bad.length) out.push(fc.constantFrom(...bad).map((value) => ({ path, keyword: 'format', value })));
    }
    // An empty query or form value is an omitted one (RFC 6749 section 3.1): `required` covers it, not `minLength`.
    if (schema.minLength !== undefined && schema.minLength > (text ? 1 : 0)) out.push(at('minLength', 'a'.repeat(schema.minLength - 1)));
    if (schema.maxLength !== undefined) out.push(at('maxLength', 'a'.repeat(schema.maxLength + 1)));
  }
  if (types.includes('integer') || types.includes('number')) {
    const show = (n: number) => (text ? String(n) : n);
    if (schema.minimum !== undefined) out.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ path, keyword: 'minimum', value: show(schema.minimum - d) })));
    if (schema.exclusiveMinimum !== undefined) out.push(at('minimum', show(schema.exclusiveMinimum)));
    if (schema.maximum !== undefined) out.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ path, keyword: 'maximum', value: show(schema.maximum + d) })));
    if (schema.exclusiveMaximum !== undefined) out.push(at('maximum', show(schema.exclusiveMaximum)));
    if (types.includes('integer') && !types.includes('number')) out.push(at('type', show(1.5)));
  }
  if (types.includes('array')) {
    if (schema.minItems) out.push(at('minItems', []));
    if (schema.maxItems !== undefined) out.push(at('maxItems', Array.from({ length: schema.maxItems + 1 }, () => sampleOf(valid(schema.items ?? {}, options)))));
    if (schema.items) out.push(...violations(schema.items, options, [...path, '-']));
  }
  if (types.includes('object')) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) out.push(fc.constant({ path: [...path, name], keyword: 'required' }));
    if (schema.additionalProperties === false || schema.unevaluatedProperties === false) {
      out.push(fc.constantFrom('extra', 'x_extra_member', `${Object.keys(properties)[0] ?? 'member'}_extra`).map((name) => ({ path: [...path, name], keyword: 'additionalProperties', value: 'x' })));
    }
    for (const [name, s] of Object.entries(properties)) out.push(...violations(s, options, [...path, name]));
  }
  return out;
}
