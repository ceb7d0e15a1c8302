/**
 * The named examples of a dereferenced OpenAPI document: every operation (paths and webhooks) and every named
 * example of its parameters, request bodies, response bodies and body-less response headers. Tests, the
 * conformance catalogue and the sandbox read the contract through this one module.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface Operation {
  slug: string;
  method: (typeof HTTP_METHODS)[number];
  path: string;
  operationId: string;
  operation: JsonObject;
  /** True for a webhook: a request Orange sends to the client (such as fetching its JWKS URI), which cannot be
   *  replayed against an Orange target. `path` is then the webhook's name. */
  webhook: boolean;
}

/** Every operation of a document, paths then webhooks, in document order. */
export function listOperations(slug: string, doc: JsonObject): Operation[] {
  const fromItems = (items: Json | undefined, webhook: boolean) =>
    Object.entries((items ?? {}) as Record<string, JsonObject>).flatMap(([p, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((method) => {
        const operation = item[method] as JsonObject;
        return { slug, method, path: p, operationId: String(operation.operationId), operation, webhook };
      }),
    );
  return [...fromItems(doc.paths, false), ...fromItems(doc.webhooks, true)];
}

export interface NamedExample {
  /** `slug/operationId/<status>/<name>` for responses, `slug/operationId/request/<name>` for request bodies,
   *  `slug/operationId/parameter:<name>/<example>` for parameters. Stable: conformance case ids reuse it. */
  id: string;
  slug: string;
  operationId: string;
  kind: 'request' | 'response' | 'parameter';
  /** Carried by a webhook (see `Operation.webhook`). */
  webhook: boolean;
  /** Response status (`'200'`, `'302'`...), for response examples. */
  status?: string;
  /** Media type, for bodies; absent for an example carried by a response header. */
  mediaType?: string;
  /** Header name, for an example carried by a response header (a response without body, such as a redirect). */
  header?: string;
  name: string;
  summary?: string;
  value: Json;
  schema: JsonObject;
  /** How the example's texts compare (`x-conformance-match`): `prefix` when the documented error_description or
   *  message is a prefix of the one sent (codes stay exact); exact otherwise. */
  match?: 'prefix';
}

type Examples = Record<string, { summary?: string; value: Json; 'x-conformance-match'?: 'prefix' }>;

/** Every named example of a dereferenced document: request bodies, parameters, response bodies and headers. */
export function collectExamples(slug: string, doc: JsonObject): NamedExample[] {
  const found: NamedExample[] = [];
  for (const { operationId, operation, webhook } of listOperations(slug, doc)) {
    const base = `${slug}/${operationId}`;
    const push = (kind: NamedExample['kind'], prefix: string, examples: Json | undefined, schema: Json | undefined, extra: Partial<NamedExample>) => {
      for (const [name, example] of Object.entries((examples ?? {}) as Examples)) {
        found.push({
          id: `${base}/${prefix}/${name}`,
          slug, operationId, kind, name, webhook,
          summary: example.summary,
          value: example.value,
          ...(example['x-conformance-match'] ? { match: example['x-conformance-match'] } : {}),
          schema: (schema ?? {}) as JsonObject,
          ...extra,
        });
      }
    };
    for (const param of (operation.parameters ?? []) as JsonObject[]) {
      push('parameter', `parameter:${param.name}`, param.examples, param.schema, {});
    }
    const body = operation.requestBody as JsonObject | undefined;
    for (const [mediaType, media] of Object.entries((body?.content ?? {}) as Record<string, JsonObject>)) {
      push('request', 'request', media.examples, media.schema, { mediaType });
    }
    for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, JsonObject>)) {
      for (const [mediaType, media] of Object.entries((response.content ?? {}) as Record<string, JsonObject>)) {
        push('response', status, media.examples, media.schema, { status, mediaType });
      }
      if (!response.content) {
        for (const [header, h] of Object.entries((response.headers ?? {}) as Record<string, JsonObject>)) {
          push('response', status, h.examples, h.schema, { status, header });
        }
      }
    }
  }
  return found;
}
