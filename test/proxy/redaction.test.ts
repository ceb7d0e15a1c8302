import { describe, expect, it } from 'vitest';
import { pathOf } from '../../src/contract/operations.js';
import { HeaderList, wireRequest } from '../../conformance/http.js';
import { ProxyRedaction } from '../../conformance/proxy/redaction.js';

const BASE = 'http://127.0.0.1:9';
const token = (i: number) => `access-token-${i}-abcdefghij`;
/** An exchange that issues a token (learned), as a token response does. */
const issuing = (i: number) => ({
  request: wireRequest(BASE, { method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: 'g' } }),
  response: { status: 200, headers: new HeaderList([['Content-Type', 'application/json']]), text: JSON.stringify({ access_token: token(i) }), bytes: Buffer.alloc(0) },
});

describe("the proxy's bounded redaction", () => {
  it('keeps a number for each secret while it is among the last numbered ones, and redacts the recent learned secrets in free text', () => {
    const redaction = new ProxyRedaction({ secrets: 4, placeholders: 6, jwts: 2 });
    redaction.learn(issuing(0));
    const first = redaction.redactor.text(`free text naming ${token(0)}`);
    expect(first).toMatch(/^free text naming REDACTED-\d+$/);
    // Three more learned: the window of 4 turns, the first token is still among the recent ones.
    for (let i = 1; i < 4; i++) redaction.learn(issuing(i));
    expect(redaction.redactor.text(`free text naming ${token(0)}`)).toBe(first);
    // Many more: the first token leaves the window (no longer found in free text) and its number goes.
    for (let i = 4; i < 20; i++) {
      redaction.learn(issuing(i));
      redaction.redactor.text(`naming ${token(i)}`);
    }
    expect(redaction.redactor.text(`free text naming ${token(0)}`)).toBe(`free text naming ${token(0)}`);
    // Where the structure says it is a secret, it is redacted whatever the window: with a new number.
    const again = redaction.redactor.value({ access_token: token(0) }) as { access_token: string };
    expect(again.access_token).toMatch(/^REDACTED-\d+$/);
    expect(again.access_token).not.toBe(first.replace('free text naming ', ''));
    expect(redaction.retained).toEqual({ secrets: expect.any(Number), placeholders: 6, jwts: 0 });
    expect(redaction.retained.secrets).toBeLessThanOrEqual(8);
  });

  it('never gives a remembered answer once it learned something new', () => {
    const redaction = new ProxyRedaction();
    const text = `the value ${token(1)} here`;
    expect(redaction.redactor.text(text)).toBe(text);
    redaction.learn(issuing(1));
    expect(redaction.redactor.text(text)).toMatch(/^the value REDACTED-\d+ here$/);
  });

  it('never gives what it read while learning (nothing replaced then) as a redacted text afterwards', () => {
    const redaction = new ProxyRedaction();
    redaction.learn(issuing(2));
    // The same token comes again: learning it changes nothing known, and reads its body as text as it is.
    const again = issuing(2);
    redaction.learn(again);
    expect(redaction.redactor.text(again.response.text)).not.toContain(token(2));
    expect(redaction.redactor.text(`{"access_token":"${token(2)}"}`)).not.toContain(token(2));
  });

  it('keeps the decoded claims of the last JWTs it replaced', () => {
    const redaction = new ProxyRedaction({ jwts: 2 });
    const jwt = (i: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ i })).toString('base64url')}.c2ln`;
    const placeholders = [0, 1, 2].map((i) => redaction.redactor.text(jwt(i)));
    expect(redaction.redactor.jws(placeholders[0]!)).toBeUndefined();
    expect(redaction.redactor.jws(placeholders[2]!)).toEqual({ header: { alg: 'none' }, payload: { i: 2 }, signed: true });
    expect(redaction.retained.jwts).toBe(2);
  });
});
