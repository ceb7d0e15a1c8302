import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/contract/operations.js';
import { hasValidator, validator } from '../../src/contract/validators.js';
import { requestShape, applyViolation, signJws, toHttpRequest, privateKeyOf } from '../../conformance/fuzz/request.js';
import { BOUND, LONG, VERY_LONG, coverage, getAt, valid, violations, type Schema } from '../../conformance/fuzz/schema.js';
import { fixtureKey } from '../helpers/sandbox.js';

/** Every operation's request body that has a precompiled validator: the schema and its validator. */
const bodies = OPERATIONS.flatMap((op) => {
  const shape = requestShape(op.operationId);
  const key = shape.mediaType && `${op.slug}/${op.operationId}/request/${shape.mediaType}`;
  return key && hasValidator(key) && shape.jwtMembers.length === 0 ? [{ op: op.operationId, schema: shape.schema.properties.body as Schema, validate: validator(key) }] : [];
});

describe('the JSON Schema bridge to fast-check', () => {
  it('has request bodies of the contract to test against (JSON and form)', () => {
    expect(bodies.map((b) => b.op)).toEqual(expect.arrayContaining(['exchangeAuthorizationCode', 'refreshAccessToken', 'verifyPremiumInfo', 'matchIdentity']));
  });

  it.each(bodies)('generates only bodies the contract accepts for $op', ({ schema, validate }) => {
    fc.assert(fc.property(valid(schema) as fc.Arbitrary<unknown>, (body) => validate(body)), { seed: 42, numRuns: 200 });
  });

  it.each(bodies)('starts with coverage values the contract accepts for $op: minimal, maximal, each enum member', ({ schema, validate }) => {
    const values = coverage(schema);
    expect(values.length).toBeGreaterThanOrEqual(2);
    for (const v of values) expect(validate(v), JSON.stringify(v)).toBe(true);
  });

  it('covers the extremes a schema allows: longest and unicode strings, a very long one, bounds, every enum member, optional members on and off', () => {
    const schema: Schema = {
      type: 'object', required: ['id'], additionalProperties: false,
      properties: { id: { type: 'string', maxLength: 8 }, name: { type: 'string' }, level: { type: 'integer', minimum: 1, maximum: 9 }, colour: { enum: ['red', 'green', 'blue'] } },
    };
    const [min, max, ...rest] = coverage(schema) as Record<string, unknown>[];
    expect(min).toEqual({ id: '' });
    expect([...(max!.id as string)]).toHaveLength(8);
    expect([...(max!.name as string)]).toHaveLength(LONG);
    expect(max!.name).toMatch(/[^\x00-\x7f]/u);
    expect(max!.level).toBe(9);
    // The minimal value with one very long string: the first member free of constraints.
    expect(rest[0]).toEqual({ id: '', name: expect.any(String) });
    expect([...(rest[0]!.name as string)]).toHaveLength(VERY_LONG);
    const colours = [max!.colour, ...rest.slice(1).map((r) => r.colour)];
    expect(new Set(colours)).toEqual(new Set(['blue', 'green']));
    // The generated values reach the other ends: the minimum, the first enum member, unicode beyond the BMP.
    const sample = fc.sample(valid(schema), { seed: 3, numRuns: 400 }) as Record<string, unknown>[];
    expect(sample.some((v) => v.level === 1)).toBe(true);
    expect(sample.some((v) => v.colour === 'red')).toBe(true);
    expect(sample.some((v) => typeof v.name === 'string' && /[\u{10000}-\u{10ffff}]/u.test(v.name))).toBe(true);
    expect(sample.some((v) => !('name' in v)) && sample.some((v) => 'name' in v)).toBe(true);
  });

  it.each(bodies)('breaks one constraint at a time for $op, each making the body invalid', ({ schema, validate }) => {
    const arbs = violations(schema);
    expect(arbs.length).toBeGreaterThan(1);
    const [base] = coverage(schema);
    for (const arb of arbs) {
      for (const violation of fc.sample(arb, { seed: 1, numRuns: 5 })) {
        const broken = applyViolation(base, violation);
        expect(validate(broken), `${violation.keyword} at /${violation.path.join('/')}: ${JSON.stringify(broken)}`).toBe(false);
      }
    }
  });

  it('breaks each kind of constraint: type, required, const, pattern, format, bounds, extra member', () => {
    const schema: Schema = {
      type: 'object', required: ['msisdn'], additionalProperties: false,
      properties: { msisdn: { type: 'string', pattern: '^[0-9]{3}$' }, day: { type: 'string', format: 'date' }, n: { type: 'integer', minimum: 0 }, kind: { const: 'x' } },
    };
    const kinds = violations(schema).flatMap((a) => fc.sample(a, { seed: 0, numRuns: 1 })).map((v) => (v.keyword === 'additionalProperties' ? v.keyword : `${v.keyword} ${v.path.join('/')}`));
    expect(kinds).toEqual(expect.arrayContaining(['type ', 'required msisdn', 'pattern msisdn', 'type msisdn', 'format day', 'minimum n', 'type n', 'const kind', 'additionalProperties']));
  });

  it('leaves text members (query and form values) typed as text: no wrong-type violation of a string there', () => {
    const schema: Schema = { type: 'object', 'x-medium': 'text', properties: { state: { type: 'string', minLength: 2 } } };
    const kinds = violations(schema).flatMap((a) => fc.sample(a, { seed: 0, numRuns: 3 })).map((v) => v.keyword);
    expect(kinds).toContain('minLength');
    expect(kinds).not.toContain('type');
  });

  it('does not take an empty query or form value for a minLength violation: it is an omitted one (RFC 6749 §3.1)', () => {
    const text: Schema = { type: 'object', 'x-medium': 'text', properties: { nonce: { type: 'string', minLength: 1 } } };
    expect(violations(text).flatMap((a) => fc.sample(a, { seed: 0, numRuns: 3 })).map((v) => v.keyword)).not.toContain('minLength');
    const json: Schema = { type: 'object', properties: { nonce: { type: 'string', minLength: 1 } } };
    expect(violations(json).flatMap((a) => fc.sample(a, { seed: 0, numRuns: 3 }))).toContainEqual({ path: ['nonce'], keyword: 'minLength', value: '' });
  });

  it('generates bound members as placeholders, and members the caller overrides from its arbitrary', () => {
    const schema: Schema = { type: 'object', required: ['code', 'scope'], properties: { code: { type: 'string' }, scope: { type: 'string' } } };
    const values = fc.sample(valid(schema, { bound: [['code']], override: new Map([['scope', fc.constant('openid')]]) }), { seed: 0, numRuns: 20 });
    for (const v of values) expect(v).toEqual({ code: BOUND, scope: 'openid' });
  });

  it('signs a decoded JWT-valued member, broken header included, and sends query and form values as text', () => {
    const shape = requestShape('requestJwtBearerToken');
    expect(shape.jwtMembers).toEqual([['body', 'assertion']]);
    const key = privateKeyOf(fixtureKey('direct-match'));
    const request = toHttpRequest(shape, { body: { grant_type: 'g', assertion: { header: { typ: 'JWT' }, payload: { sub: 1 } } } }, { signing: { mode: 'key', key } });
    const [header, payload, signature] = request.form!.assertion!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toEqual({ sub: 1 });
    expect(signature!.length).toBeGreaterThan(300);
    expect(signJws({ header: { alg: 'none' }, payload: {} }, { mode: 'none' }).endsWith('.')).toBe(true);
    const authorize = toHttpRequest(requestShape('authorize'), { query: { state: 'é', n: 3 } });
    expect(authorize.query).toEqual({ state: 'é', n: '3' });
    expect(getAt({ a: { b: 1 } }, ['a', 'b'])).toBe(1);
  });
});
