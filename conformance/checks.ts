/**
 * Checks one response against its case: status, content type, documented headers, body against the contract's
 * schema for that status, then the documented values. Against a mock, the body must be the named example
 * itself; against a live target, the error members (`error`, `error_description`; Orange `code`, `message`)
 * must be the documented ones and the trigger's expectations must hold.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../src/contract/ajv.js';
import type { Json, JsonObject } from '../src/contract/examples.js';
import type { Case } from './catalogue.js';
import type { HttpResponse, ValueExpectation } from './types.js';

export interface Failure {
  check: 'status' | 'content-type' | 'header' | 'body' | 'schema' | 'value' | 'trigger' | 'request';
  expected: string;
  got: string;
}

const show = (value: unknown, max = 400) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? 'nothing' : text.length > max ? `${text.slice(0, max)}...` : text;
};

/** True when `actual` has every member of `expected` with the same value, deeply. */
function includesDeep(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) return isDeepStrictEqual(actual, expected);
  return actual !== null && typeof actual === 'object' &&
    Object.entries(expected).every(([k, v]) => includesDeep((actual as Record<string, unknown>)[k], v));
}

export class ResponseChecker {
  private readonly ajv = createAjv();
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  private validator(schema: JsonObject): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) this.compiled.set(schema, (validate = this.ajv.compile(schema)));
    return validate;
  }

  private schemaFailures(schema: Json | undefined, value: unknown, where: string): Failure[] {
    if (!schema || typeof schema !== 'object') return [];
    const validate = this.validator(schema as JsonObject);
    if (validate(value)) return [];
    return [{ check: where === 'body' ? 'schema' : 'header', expected: `${where} valid against the contract schema`, got: `${show(value, 200)}: ${this.ajv.errorsText(validate.errors, { dataVar: where })}` }];
  }

  check(c: Case, response: HttpResponse, mode: 'mock' | 'live', expectation: ValueExpectation = {}, redirectUri?: string): Failure[] {
    if (response.status !== Number(c.status)) {
      return [{ check: 'status', expected: c.status, got: `${response.status} ${show(response.text, 300)}` }];
    }
    const failures: Failure[] = [];
    const { mediaType, header: bodylessHeader } = c.example;

    // Documented headers: required ones present, every present one valid.
    for (const [name, header] of Object.entries((c.response.headers ?? {}) as Record<string, JsonObject>)) {
      const value = response.headers.get(name);
      if (value === null) {
        if (header.required) failures.push({ check: 'header', expected: `header ${name}`, got: 'absent' });
        continue;
      }
      failures.push(...this.schemaFailures(header.schema, value, `header ${name}`));
    }

    let body: unknown;
    if (mediaType) {
      const got = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (got !== mediaType) failures.push({ check: 'content-type', expected: mediaType, got: got || 'none' });
      if (mediaType.endsWith('json')) {
        try {
          body = JSON.parse(response.text);
        } catch {
          return [...failures, { check: 'body', expected: 'a JSON body', got: show(response.text, 200) }];
        }
      } else body = response.text;
      const media = ((c.response.content ?? {}) as Record<string, JsonObject>)[mediaType];
      failures.push(...this.schemaFailures(media?.schema, body, 'body'));
    }

    const documented = c.example.value;
    if (mode === 'mock') {
      if (bodylessHeader) {
        // Prism serves a header's first example whatever is asked: any documented example is right.
        const value = response.headers.get(bodylessHeader);
        if (!c.siblings.some((e) => e.value === value)) {
          failures.push({ check: 'value', expected: `${bodylessHeader}: one of the documented examples`, got: show(value) });
        }
      } else if (!isDeepStrictEqual(body, documented)) {
        failures.push({ check: 'value', expected: show(documented), got: show(body) });
      }
      return failures;
    }

    failures.push(...this.documentedValues(documented, body));
    if (expectation.body !== undefined && !isDeepStrictEqual(body, expectation.body)) {
      failures.push({ check: 'value', expected: show(expectation.body), got: show(body) });
    }
    if (expectation.subset !== undefined && !includesDeep(body, expectation.subset)) {
      failures.push({ check: 'value', expected: `members ${show(expectation.subset)}`, got: show(body) });
    }
    if (expectation.location) failures.push(...this.redirect(response.headers.get('location'), expectation.location, redirectUri));
    return failures;
  }

  /** The error members the contract documents: exact, or a prefix where the documented text ends with `:`. */
  private documentedValues(documented: Json, body: unknown): Failure[] {
    if (!documented || typeof documented !== 'object' || Array.isArray(documented) || !body || typeof body !== 'object') return [];
    const got = body as Record<string, unknown>;
    const members = 'error' in documented ? ['error', 'error_description'] : typeof documented.code === 'number' ? ['code', 'message'] : [];
    const failures: Failure[] = [];
    for (const member of members) {
      const want = documented[member];
      if (want === undefined) continue;
      const ok = typeof want === 'string' && want.endsWith(':') ? typeof got[member] === 'string' && (got[member] as string).startsWith(want) : got[member] === want;
      if (!ok) failures.push({ check: 'value', expected: `${member} ${show(want)}`, got: `${member} ${show(got[member])}` });
    }
    return failures;
  }

  private redirect(location: string | null, query: Record<string, string | true>, redirectUri?: string): Failure[] {
    if (!location) return [{ check: 'header', expected: 'a Location header', got: 'absent' }];
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      return [{ check: 'value', expected: 'an absolute Location', got: location }];
    }
    const failures: Failure[] = [];
    if (redirectUri && `${url.origin}${url.pathname}` !== `${new URL(redirectUri).origin}${new URL(redirectUri).pathname}`) {
      failures.push({ check: 'value', expected: `a redirect to ${redirectUri}`, got: `${url.origin}${url.pathname}` });
    }
    for (const [name, want] of Object.entries(query)) {
      const value = url.searchParams.get(name);
      if (want === true ? !value : value !== want) failures.push({ check: 'value', expected: `Location query ${name}=${want === true ? '(any)' : want}`, got: `${name}=${value ?? '(absent)'}` });
    }
    return failures;
  }
}
