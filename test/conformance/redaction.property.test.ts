/**
 * One property over exchange shapes: a secret-shaped value placed anywhere a secret stands in a request or a
 * response (a header, a query or fragment parameter, a relative Location, a JSON member at any depth in any case
 * style, JSON inside strings, a form inside a string, a UTF-16 body, a cookie, userinfo, a token learned from one
 * response and echoed by another...) appears in no writer's output: text, JUnit, HTML, JSON, the HAR (harEntry),
 * curl reproducers, verdict lines. And its converse: what is no secret (a token type, a scope, an error, an
 * endpoint named after tokens) stays readable. fast-check prints the seed and the shrunk counterexample on
 * failure; REDACTION_RUNS=5000 runs the first property longer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedExchange } from '../../conformance/report/index.js';
import { exchange, pieces, writerOutputs } from '../helpers/secrets.js';
import { adminPath } from '../../conformance/sandbox-admin.js';

/** A name that says secret, as words; written in a case style below. */
const NAMES = [['access', 'token'], ['refresh', 'token'], ['id', 'token'], ['client', 'secret'], ['api', 'key'], ['session', 'id'], ['password'], ['code'],
  ['auth', 'token'], ['session'], ['cookie', 'value'], ['private', 'key'], ['device', 'code'], ['subject', 'token'], ['csrf', 'token'], ['assertion'],
  ['code', 'verifier'], ['client', 'assertion'], ['secret'], ['token'], ['authorization', 'code'], ['passwd'], ['refresh', 'tokens']];
const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
const STYLES: Record<string, (words: string[]) => string> = {
  snake: (w) => w.join('_'), kebab: (w) => w.join('-'), screaming: (w) => w.join('_').toUpperCase(), camel: (w) => w[0]! + w.slice(1).map(cap).join(''),
  pascal: (w) => w.map(cap).join(''), train: (w) => w.map(cap).join('-'), dotted: (w) => w.join('.'), glued: (w) => w.join(''), xHeader: (w) => ['X', ...w.map(cap)].join('-'),
};
const secretName = fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...Object.keys(STYLES))).map(([words, style]) => STYLES[style]!(words));

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('');
/** Secret-shaped: long, random, URL-safe; varied enough that a piece of it cannot occur by chance. */
const secretValue = fc.tuple(fc.array(fc.constantFrom(...ALNUM, ...ALNUM, '-', '_', '.', '~', '+', '/'), { minLength: 18, maxLength: 30 }), fc.constantFrom('', '=', '=='))
  .filter(([a]) => new Set(a).size >= 10).map(([a, padding]) => `Zq${a.join('')}${padding}`);

const neutral = fc.constantFrom('data', 'result', 'items', 'payload', 'meta', 'details', 'x');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JSON value holding `{name: secret}` under `wrappers` (arrays and objects of neutral names). */
const wrap = (inner: unknown, wrappers: (string | null)[]) => wrappers.reduce<unknown>((v, w) => (w === null ? [1, v] : { [w]: v, other: 'kept' }), inner);

/** Where a secret stands: each builds the exchanges that carry `secret`. */
const placements: fc.Arbitrary<{ where: string; build: (secret: string) => RecordedExchange[] }>[] = [
  fc.tuple(secretName, fc.boolean()).map(([name, onResponse]) => ({
    where: `${onResponse ? 'response' : 'request'} header ${name}`,
    build: (s) => [exchange(onResponse ? { response: { headers: [[name, s]], body: '{}' } } : { request: { headers: [[name, s]] }, response: { body: '{}' } })],
  })),
  // Any scheme in a header that says auth; a known scheme in any header.
  fc.oneof(fc.tuple(fc.constantFrom('Bearer', 'Basic', 'DPoP', 'Token', 'Custom', 'bearer'), fc.constantFrom('Authorization', 'Proxy-Authorization', 'X-Forwarded-Authorization')),
    fc.tuple(fc.constantFrom('Bearer', 'Basic', 'DPoP', 'bearer'), fc.constantFrom('X-Debug', 'X-Original'))).map(([scheme, header]) => ({
    where: `${header}: ${scheme} <secret>`, build: (s) => [exchange({ request: { headers: [[header, `${scheme} ${s}`]] }, response: { headers: [[header, `${scheme} ${s}`]], body: '{}' } })],
  })),
  fc.tuple(secretName, fc.constantFrom('?', '#', '?a=1&', '#state=s&', ';')).map(([name, sep]) => ({
    where: `request URL ${sep}${name}=`, build: (s) => [exchange({ request: { method: 'GET', path: `/cb${sep}${name}=${s}&token_type=Bearer` }, response: { body: '{}' } })],
  })),
  fc.tuple(secretName, fc.constantFrom('https://rp.example/cb?', '/cb?', '/cb?state=s&', 'https://rp.example/cb#', '/cb#', '../cb?', '?'), fc.constantFrom('Location', 'Content-Location', 'Refresh', 'Link')).map(([name, prefix, header]) => ({
    where: `${header} ${prefix}${name}=`,
    build: (s) => {
      const url = `${prefix}${name}=${s}&state=s1`;
      const value = header === 'Refresh' ? `0; url=${url}` : header === 'Link' ? `<${url}>; rel="next"` : url;
      return [exchange({ request: { method: 'GET', path: '/openidconnect/fr/v1/authorize' }, response: { status: 302, headers: [[header, value]], body: '' } })];
    },
  })),
  fc.tuple(secretName, fc.array(fc.oneof(neutral, fc.constant(null)), { maxLength: 5 }), fc.boolean()).map(([name, wrappers, pretty]) => ({
    where: `JSON member ${name} at depth ${wrappers.length}`,
    build: (s) => [exchange({ request: { headers: [['Content-Type', 'application/json']], body: JSON.stringify(wrap({ [name]: s }, wrappers)) }, response: { body: JSON.stringify(wrap({ [name]: s, token_type: 'Bearer' }, wrappers), null, pretty ? 2 : undefined) } })],
  })),
  fc.tuple(secretName, fc.integer({ min: 1, max: 3 }), neutral).map(([name, levels, holder]) => ({
    where: `${name} in JSON nested ${levels} times in a string`,
    build: (s) => {
      let value: unknown = { [name]: s };
      for (let i = 0; i < levels; i++) value = { [holder]: JSON.stringify(value) };
      return [exchange({ response: { body: JSON.stringify(value) } })];
    },
  })),
  fc.tuple(secretName, neutral, fc.constantFrom('', 'a=1&', '?')).map(([name, holder, before]) => ({
    where: `${before}${name}= in a form-shaped string`, build: (s) => [exchange({ response: { body: JSON.stringify({ [holder]: `${before}${name}=${s}&b=2` }) } })],
  })),
  fc.tuple(secretName, fc.boolean()).map(([name, declared]) => ({
    where: `form body field ${name}${declared ? '' : ' (undeclared)'}`,
    build: (s) => [exchange({ request: { headers: declared ? [['Content-Type', 'application/x-www-form-urlencoded']] : [], body: `grant_type=authorization_code&${name}=${encodeURIComponent(s)}&redirect_uri=http%3A%2F%2Frp%2Fcb` }, response: { body: '{}' } })],
  })),
  fc.tuple(secretName, fc.constantFrom('utf-16le', 'utf-16be'), fc.boolean(), fc.boolean(), fc.boolean()).map(([name, encoding, bom, declared, onRequest]) => ({
    where: `${encoding} body${bom ? ' with BOM' : ''}${declared ? ', declared' : ''} on the ${onRequest ? 'request' : 'response'}, member ${name}`,
    build: (s) => {
      const bytes = Buffer.from(`${bom ? '\ufeff' : ''}{"${name}":"${s}","token_type":"Bearer"}`, 'utf16le');
      if (encoding === 'utf-16be') bytes.swap16();
      const type: [string, string][] = [['Content-Type', `application/json${declared ? `; charset=${encoding}` : ''}`]];
      return [exchange(onRequest ? { request: { headers: type, body: bytes.toString('utf8') }, response: { body: '{}' } } : { response: { headers: type, body: bytes } })];
    },
  })),
  fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}$/), fc.boolean()).map(([cookie, onResponse]) => ({
    where: `${onResponse ? 'Set-Cookie' : 'Cookie'} ${cookie}`,
    build: (s) => [exchange(onResponse ? { response: { headers: [['Set-Cookie', `${cookie}=${s}; Path=/; HttpOnly; SameSite=Lax`]], body: '' } } : { request: { headers: [['Cookie', `theme=dark; ${cookie}=${s}`]] }, response: { body: '{}' } })],
  })),
  fc.constantFrom('https://user:SECRET@host/x', 'see https://SECRET@host/ now', 'ftp://SECRET:x@h').map((template) => ({
    where: `userinfo ${template}`, build: (s) => [exchange({ response: { body: JSON.stringify({ link: template.replace('SECRET', encodeURIComponent(s)) }) } })],
  })),
  fc.tuple(secretName, fc.constantFrom('error_description', 'message', 'detail')).map(([name, prose]) => ({
    where: `${name} issued, then echoed in ${prose}, a header and a path`,
    build: (s) => [
      exchange({ response: { status: 200, body: JSON.stringify({ [name]: s, token_type: 'Bearer', expires_in: 3600 }) } }),
      exchange({ request: { method: 'GET', path: `/formfilling/fr/v1/userinfo/${s}` }, response: { headers: [['Content-Type', 'application/json'], ['X-Debug', `saw ${s}!`]], body: JSON.stringify({ error: 'invalid_token', [prose]: `the token ${s}, sent twice` }) } }),
    ],
  })),
  fc.constantFrom('member', 'header', 'text').map((where) => ({
    where: `a JWT in a ${where}`,
    build: (s) => {
      // A signature is base64url.
      const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: 'x', nonce: 'n' })}.${s.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      return [exchange(where === 'member' ? { response: { body: JSON.stringify({ note: jwt }) } } : where === 'header' ? { response: { headers: [['X-Note', jwt]], body: '' } } : { response: { headers: [['Content-Type', 'text/plain']], body: `here: ${jwt}.` } })];
    },
  })),
  fc.tuple(secretName, fc.constantFrom('xml', 'line', 'pair', 'multipart', 'yaml')).map(([name, form]) => ({
    where: `${form} body, ${name}`,
    build: (s) => {
      const bodies: Record<string, [string, string]> = {
        xml: ['application/xml', `<?xml version="1.0"?><r><ns:${name.replace(/\./g, '-')} xmlns:ns="u">${s}</ns:${name.replace(/\./g, '-')}></r>`],
        line: ['text/plain', `HTTP/1.1 200 OK\r\n${name}: ${s}\r\nX-Other: kept\r\n`],
        pair: ['text/plain', `debug: ${name}=${s} (from cache)`],
        multipart: ['multipart/form-data; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${s}\r\n--XyZ--\r\n`],
        yaml: ['application/yaml', `client:\n  ${name}: ${s}\n  name: app\n`],
      };
      const [type, body] = bodies[form]!;
      return [exchange({ request: { headers: [['Content-Type', type]], body }, response: { headers: [['Content-Type', type]], body } })];
    },
  })),
  fc.tuple(secretName, fc.constantFrom('input', 'meta', 'pairs', 'typePair', 'xmlAttribute', 'headerPairs', 'brackets', 'bom', 'script', 'contentType')).map(([name, form]) => ({
    where: `${form}, ${name}`,
    build: (s) => {
      const bodies: Record<string, [string, string]> = {
        input: ['text/html', `<form><input type="hidden" name="${name}" value="${s}"><input name="state" value="kept"></form>`],
        meta: ['text/html', `<html><head><meta content='${s}' name='${name}'></head></html>`],
        pairs: ['application/json', JSON.stringify({ params: [{ name: 'state', value: 'kept' }, { name, value: s }] })],
        typePair: ['application/json', JSON.stringify({ credentials: [{ type: name, value: s }] })],
        xmlAttribute: ['application/xml', `<r><${name.replace(/\./g, '-')} value="${s}"/></r>`],
        headerPairs: ['application/json', JSON.stringify({ headers: [['Accept', '*/*'], ['Authorization', `Bearer ${s}`]], list: [{ key: 'X-Api-Key', value: s }] })],
        brackets: ['application/x-www-form-urlencoded', `data[${name}]=${encodeURIComponent(s)}&${name}[]=${encodeURIComponent(s)}`],
        bom: ['application/json', `\ufeff${JSON.stringify({ data: JSON.stringify({ [name]: s }) })}`],
        script: ['application/javascript', `window.app = {}; var ${name.replace(/[^A-Za-z0-9_]/g, '_')} = "${s}"; app.${name.replace(/[^A-Za-z0-9_]/g, '_')}='${s}';`],
        contentType: [`application/json; ${name}=${s}`, '{}'],
      };
      const [type, body] = bodies[form]!;
      return [exchange({ request: { headers: [['Content-Type', type]], body }, response: { headers: [['Content-Type', type]], body } })];
    },
  })),
  fc.tuple(secretName, fc.integer({ min: 1, max: 3 })).map(([name, times]) => ({
    where: `an URL encoded ${times} times in a parameter, holding ${name}`,
    build: (s) => {
      let url = `https://rp/cb?${name}=${s}`;
      for (let i = 0; i < times; i++) url = encodeURIComponent(url);
      return [exchange({ request: { method: 'GET', path: `/openidconnect/fr/v1/authorize?state=x&redirect_uri=${url}` }, response: { body: '{}' } })];
    },
  })),
  fc.constantFrom('registerClient', 'openSession', 'pem', 'jwk').map((what) => ({
    where: `the admin API: ${what}`,
    build: (s) => {
      const bodies: Record<string, [string, unknown]> = {
        registerClient: ['/_sandbox/admin/clients', { clientId: 'my-app', clientSecret: s, redirectUris: ['http://127.0.0.1:3000/cb'], scopes: ['openid'] }],
        openSession: [adminPath('openSession'), { cookie: `sandbox_session=${s}` }],
        pem: ['/_sandbox/admin/clients', { note: `-----BEGIN PRIVATE KEY-----\n${s}\n-----END PRIVATE KEY-----\n` }],
        jwk: ['/_sandbox/admin/clients/app/jwks', { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', d: s, p: s }] }],
      };
      const [path, body] = bodies[what]!;
      return [exchange({ request: { path, headers: [['Content-Type', 'application/json']], body: JSON.stringify(body) }, response: { status: 201, body: JSON.stringify(body) } })];
    },
  })),
];

/** Names that say no secret: kinds, times, scopes, errors, endpoints and methods named after tokens. */
const READABLE = [['token', 'type'], ['expires', 'in'], ['scope'], ['error'], ['error', 'description'], ['token', 'endpoint'], ['token', 'endpoint', 'auth', 'method'],
  ['client', 'id'], ['redirect', 'uri'], ['state'], ['nonce'], ['postal', 'code'], ['error', 'code'], ['code', 'challenge', 'method'], ['session', 'state'], ['refresh', 'token', 'expires', 'in'], ['given', 'name']];
const readableName = fc.tuple(fc.constantFrom(...READABLE), fc.constantFrom(...Object.keys(STYLES))).map(([words, style]) => STYLES[style]!(words));

describe('redaction over exchange shapes', () => {
  it('keeps what is no secret readable: a value under a name that says kind, time, scope, error or endpoint', () => {
    fc.assert(fc.property(readableName, fc.stringMatching(/^[a-z]{3,9}(_[a-z]{3,9})?$/), fc.constantFrom('json', 'query', 'form'), (name, value, where) => {
      const e = where === 'json' ? exchange({ response: { body: JSON.stringify({ access_token: 'Zq-a-real-token-0123456789', [name]: value }) } })
        : where === 'query' ? exchange({ request: { method: 'GET', path: `/cb?code=Zq-a-real-code-0123456789&${name}=${value}` }, response: { body: '{}' } })
          : exchange({ request: { headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: `code=Zq-a-real-code-0123456789&${name}=${value}` }, response: { body: '{}' } });
      const { json } = writerOutputs([e]);
      expect(json).toContain(where === 'json' ? `"${name}": "${value}"` : `${name}=${value}`);
      expect(json).not.toContain('0123456789');
    }), { numRuns: 200 });
  });


  it('leaves no piece of a secret placed anywhere a secret stands in any writer: text, JUnit, HTML, JSON, HAR, curl, verdict lines', () => {
    fc.assert(fc.property(fc.oneof(...placements), secretValue, fc.boolean(), ({ build }, secret, profile) => {
      const outputs = writerOutputs(build(secret), profile ? [secret] : []);
      const leaks = Object.entries(outputs).filter(([, output]) => pieces(output, [secret]).length);
      expect(leaks.map(([writer]) => writer)).toEqual([]);
    }), { numRuns: Number(process.env.REDACTION_RUNS ?? 400) });
  });
});
