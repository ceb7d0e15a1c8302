import { describe, expect, it } from 'vitest';
import { isFormMediaType, parseForm } from '../src/contract/form.js';
import { OPERATIONS, operationObject } from '../src/contract/operations.js';

describe('form bodies, read one way by the sandbox, the checks, the flow memory and the fuzzer', () => {
  it('keep the first value of each parameter, treat an empty one as omitted (RFC 6749 section 3.1), and list the repeated ones', () => {
    expect(parseForm('grant_type=refresh_token&scope=&refresh_token=a&refresh_token=b&redirect_uri=')).toEqual({
      params: { grant_type: 'refresh_token', refresh_token: 'a' }, repeated: ['refresh_token'],
    });
    expect(parseForm(new URLSearchParams({ code: 'c d' })).params).toEqual({ code: 'c d' });
    expect(parseForm('a=%2B+b').params).toEqual({ a: '+ b' });
  });

  it('are recognised by their media type whatever its case and parameters', () => {
    expect(isFormMediaType('Application/X-WWW-Form-Urlencoded; charset=UTF-8')).toBe(true);
    expect(isFormMediaType('application/json')).toBe(false);
    expect(isFormMediaType(null)).toBe(false);
  });
});

describe('operationObject', () => {
  it("gives every operation's dereferenced object, with its responses", () => {
    for (const op of OPERATIONS) expect(Object.keys(operationObject(op.operationId).responses as object).length, op.operationId).toBeGreaterThan(0);
    expect(JSON.stringify(operationObject('matchIdentity'))).not.toContain('"$ref"');
  });
});
