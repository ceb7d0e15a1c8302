/**
 * What every typed client puts on the wire, operation by operation, against a loopback server that records it:
 * the request body in the media type the contract gives the operation (whatever the caller passes as `body`,
 * whatever Content-Type it says), the body's content, and the Authorization header the operation's security
 * asks for (a bearer token, the caller's Basic credentials, or none). The operations are the generated operation
 * table's, and what each one must look like is read from its bundle, so that an operation added to the contract
 * is covered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { OPERATION_TABLE } from '../generated/operations.js';
import { bundled } from './helpers/contract.js';
import { sendJson, startServer, type RecordedRequest, type TestServer } from './helpers/server.js';

type Json = any;
const pascal = (slug: string) => slug.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
const BASIC = basicAuthorization('wire-client', 'wire secret');
const TOKEN = 'wire-access-token';
/** What a caller may say that the contract does not: the client must send the operation's own media type. */
const MISLEADING: Record<string, string> = { 'application/x-www-form-urlencoded': 'application/json', 'application/json': 'text/plain' };

/** A bundle node, following local `$ref`s. */
const deref = (doc: Json, node: Json): Json => (node?.$ref ? deref(doc, node.$ref.slice(2).split('/').reduce((n: Json, k: string) => n[k], doc)) : node);

/** The Authorization header an operation's first security requirement asks for, from its scheme in the bundle. */
function expectedAuthorization(doc: Json, operation: Json): string | undefined {
  const requirement = (operation.security ?? doc.security ?? [])[0];
  if (!requirement) return undefined;
  const scheme = deref(doc, doc.components.securitySchemes[Object.keys(requirement)[0]!]);
  if (scheme.type === 'http' && scheme.scheme === 'basic') return BASIC;
  return `Bearer ${TOKEN}`;
}

/** A value for each required query parameter, from its example (or its schema's const or first enum member). */
function queryOf(doc: Json, operation: Json): Record<string, string> {
  const query: Record<string, string> = {};
  for (const p of (operation.parameters ?? []).map((n: Json) => deref(doc, n))) {
    if (p.in !== 'query' || !p.required) continue;
    const schema = deref(doc, p.schema);
    const example = p.example ?? deref(doc, Object.values(p.examples ?? {})[0])?.value ?? schema?.const ?? schema?.enum?.[0] ?? schema?.examples?.[0];
    if (example === undefined) throw new Error(`${operation.operationId}: give the required query parameter ${p.name} an example`);
    query[p.name] = String(example);
  }
  return query;
}

/** The ways a caller may hand a body over, for a media type: each must produce the same bytes on the wire. */
function bodyForms(media: string, value: Json): [string, unknown][] {
  if (media === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, String(v)]));
    return [['an object', value], ['a URLSearchParams', params], ['an encoded string', params.toString()]];
  }
  return [['an object', value], ['an encoded string', JSON.stringify(value)]];
}

/** The body as the server read it, decoded by the media type it was sent as. */
function decoded(media: string, request: RecordedRequest): Json {
  if (media === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(request.body));
  return JSON.parse(request.body);
}
const asSent = (media: string, value: Json) =>
  (media === 'application/x-www-form-urlencoded' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : value);

interface Case { name: string; slug: string; method: string; path: string; operation: Json; doc: Json }

const cases: Case[] = OPERATION_TABLE.filter((o) => !o.webhook).map((o) => {
  const doc = bundled(o.slug);
  return { name: `${o.slug} ${o.operationId} (${o.method} ${o.path})`, slug: o.slug, method: o.method, path: o.path, operation: doc.paths[o.path][o.method.toLowerCase()], doc };
});

let server: TestServer;
beforeAll(async () => { server = await startServer((_req, res) => sendJson(res, 200, {})); });
afterAll(() => server?.close());

/** Sends one call through the slug's client, with a static token or a token function, and returns what arrived. */
async function send(c: Case, accessToken: string | (() => Promise<string>), init: Record<string, unknown>): Promise<RecordedRequest> {
  const module = await import(`orange-identity-client/${c.slug}`);
  const create = module[`create${pascal(c.slug)}Client`] as (options: object) => { request(method: string, path: string, init: object): Promise<{ response: Response }> };
  const before = server.requests.length;
  const { response } = await create({ baseUrl: server.url, accessToken }).request(c.method.toLowerCase(), c.path, init);
  expect(response.status).toBe(200);
  expect(server.requests.length).toBe(before + 1);
  return server.requests.at(-1)!;
}

describe('the wire: every operation of every client', () => {
  it('covers every operation of the operation table, each with a client', async () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
    for (const slug of new Set(cases.map((c) => c.slug))) {
      expect(typeof (await import(`orange-identity-client/${slug}`))[`create${pascal(slug)}Client`], slug).toBe('function');
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the contract\'s media type, body and Authorization header', async (_name, c) => {
    const authorization = expectedAuthorization(c.doc, c.operation);
    const headers = authorization === BASIC ? { Authorization: BASIC } : {};
    const query = queryOf(c.doc, c.operation);
    const content = deref(c.doc, c.operation.requestBody)?.content as Record<string, Json> | undefined;
    for (const accessToken of [TOKEN, async () => TOKEN]) {
      if (!content) {
        const request = await send(c, accessToken, { headers, params: { query } });
        expect(request.method).toBe(c.method);
        expect(new URL(request.url, server.url).pathname).toBe(c.path);
        expect(Object.fromEntries(new URL(request.url, server.url).searchParams)).toEqual(query);
        expect(request.headers.authorization).toBe(authorization);
        expect(request.headers['content-type']).toBeUndefined();
        expect(request.body).toBe('');
        continue;
      }
      for (const [index, [media, { examples }]] of Object.entries(content).entries()) {
        const named = Object.entries(examples ?? {}) as [string, Json][];
        expect(named.length, `${c.name}: a named example of its ${media} body`).toBeGreaterThan(0);
        // The default media type whatever the caller says; another of the operation's when the caller names it.
        const said = index === 0 ? MISLEADING[media] ?? 'application/octet-stream' : media;
        for (const [example, node] of named) {
          for (const [form, body] of bodyForms(media, deref(c.doc, node).value)) {
            const request = await send(c, accessToken, { headers: { ...headers, 'Content-Type': said }, params: { query }, body });
            const what = `${c.name}, example ${example} as ${form}`;
            expect(request.method, what).toBe(c.method);
            expect(request.headers['content-type']?.split(';')[0], what).toBe(media);
            expect(decoded(media, request), what).toEqual(asSent(media, deref(c.doc, node).value));
            expect(request.headers.authorization, what).toBe(authorization);
          }
        }
      }
    }
  });
});

describe('form bodies', () => {
  const tokenCase = () => cases.find((c) => c.path === '/oauth/v2/token')!;

  it('repeat the fields of an array, leave out undefined and null, and keep a caller\'s charset parameter', async () => {
    const request = await send(tokenCase(), TOKEN, {
      headers: { Authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: { grant_type: 'refresh_token', refresh_token: 'r é&=', scope: ['openid', 'form_filling'], redirect_uri: undefined, extra: null },
    });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    expect(request.body).toBe('grant_type=refresh_token&refresh_token=r+%C3%A9%26%3D&scope=openid&scope=form_filling');
  });

  it('refuse a nested object with a TypeError that names the field, before anything is sent', async () => {
    const before = server.requests.length;
    await expect(send(tokenCase(), TOKEN, { headers: { Authorization: BASIC }, body: { grant_type: 'refresh_token', refresh_token: { nested: true } } }))
      .rejects.toThrow(/form field "refresh_token" holds an object/);
    expect(server.requests.length).toBe(before);
  });
});
