import { describe, expect, it } from 'vitest';
import { basicAuthorization, parseBasicAuthorization } from 'orange-identity-client/auth/basic';

const decode = (header: string) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');

describe('HTTP Basic client credentials (RFC 6749 §2.3.1)', () => {
  it('form-urlencodes the id and the secret before base64, as the RFC and standard clients do', () => {
    // RFC 6749 §2.3.1 and Appendix B: a space becomes "+", reserved characters are percent-encoded.
    expect(decode(basicAuthorization('s6BhdRkqt3', 'gX1fBat3bV'))).toBe('s6BhdRkqt3:gX1fBat3bV');
    expect(decode(basicAuthorization('client:id', 'sec ret/+%é'))).toBe('client%3Aid:sec+ret%2F%2B%25%C3%A9');
  });

  it('reads back what it writes', () => {
    for (const [id, secret] of [['a', 'b'], ['client:id', 'sec ret/+%é'], ['x y', ':::']]) {
      expect(parseBasicAuthorization(basicAuthorization(id!, secret!))![0]).toEqual({ id, secret });
    }
  });

  it('also offers the raw values, for clients that base64 client_id:secret as they are (the page)', () => {
    const raw = `Basic ${Buffer.from('id%41:se+cret').toString('base64')}`;
    expect(parseBasicAuthorization(raw)).toEqual([{ id: 'idA', secret: 'se cret' }, { id: 'id%41', secret: 'se+cret' }]);
    // A value that is not valid form encoding is taken as sent.
    expect(parseBasicAuthorization(`Basic ${Buffer.from('id:100%').toString('base64')}`)).toEqual([{ id: 'id', secret: '100%' }]);
  });

  it('refuses what is not Basic credentials', () => {
    for (const header of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      expect(parseBasicAuthorization(header)).toBeUndefined();
    }
  });
});
