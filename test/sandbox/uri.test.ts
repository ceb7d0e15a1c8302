import { describe, expect, it } from 'vitest';
import { normaliseUri, sameUri } from '../../sandbox/uri.js';

describe('redirect URI normalisation (RFC 3986 sections 6.2.2 and 6.2.3)', () => {
  it.each([
    ['http://www.myserver.com', 'http://www.myserver.com/'],
    ['HTTP://WWW.MyServer.COM:80/cb', 'http://www.myserver.com/cb'],
    ['https://a.example:443/cb?x=1', 'https://a.example/cb?x=1'],
    ['http://a.example/%7euser/%2f%c3%a9', 'http://a.example/~user/%2F%C3%A9'],
    ['http://a.example/a/./b/../c', 'http://a.example/a/c'],
    ['com.example.app:/callback', 'com.example.app:/callback'],
  ])('gives %s the normal form %s', (uri, normal) => {
    expect(normaliseUri(uri)).toBe(normal);
  });

  it('tells different URIs apart, and refuses what is not an absolute URI', () => {
    expect(sameUri('http://a.example/cb', 'http://a.example/cb/')).toBe(false);
    expect(sameUri('http://a.example/cb', 'https://a.example/cb')).toBe(false);
    expect(sameUri('http://a.example/cb', 'http://a.example:8080/cb')).toBe(false);
    expect(sameUri('http://a.example/CB', 'http://a.example/cb')).toBe(false);
    expect(sameUri('http://a.example/cb?x=1', 'http://a.example/cb?x=2')).toBe(false);
    expect(normaliseUri('/cb')).toBeUndefined();
    expect(normaliseUri('')).toBeUndefined();
    expect(sameUri('', '')).toBe(false);
  });
});
