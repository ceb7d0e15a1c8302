/**
 * What the sandbox takes from the contract: its documented responses, the named examples serialized once per
 * process (so that every error the sandbox sends is the contract's, word for word), each with the response
 * headers the contract documents for it (`Cache-Control`, `Pragma`, `WWW-Authenticate`...), and the fallbacks
 * chosen by API: the 404 of an unknown path and the 500 of an unexpected failure.
 */
import type { ServerResponse } from 'node:http';
import { collectExamples, type Json, type JsonObject } from '../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle, type ApiSlug } from '../src/contract/load.js';
import { OPERATIONS, apiOfPath, operation, operationObject, type OperationId } from '../src/contract/operations.js';

export interface Documented {
  status: number;
  body: string;
  contentType: string;
  /** The documented headers of the response, with their documented values. */
  headers: Record<string, string>;
}

/** A documented header's value: its schema's `const`, else its first example. */
function headerValue(header: JsonObject): string | undefined {
  const schema = (header.schema ?? {}) as JsonObject;
  const value = schema.const ?? (schema.examples as Json[] | undefined)?.[0] ?? header.example
    ?? Object.values((header.examples ?? {}) as Record<string, JsonObject>)[0]?.value;
  return typeof value === 'string' ? value : undefined;
}

function documentedHeaders(response: JsonObject): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, JsonObject>)) {
    const value = headerValue(header);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

interface Loaded {
  responses: Map<string, Documented>;
  headers: Map<string, Record<string, string>>;
}

let loaded: Loaded | undefined;

/** The documented responses by `slug/operationId/status/example`, and the documented headers by
 *  `slug/operationId/status`; built once per process. */
function load(): Loaded {
  if (loaded) return loaded;
  const responses = new Map<string, Documented>();
  const headers = new Map<string, Record<string, string>>();
  for (const slug of API_SLUGS) {
    const doc = dereferencedBundle(slug);
    for (const o of OPERATIONS.filter((op) => op.slug === slug)) {
      for (const [status, response] of Object.entries((operationObject(o.operationId).responses ?? {}) as Record<string, JsonObject>)) {
        headers.set(`${slug}/${o.operationId}/${status}`, documentedHeaders(response));
      }
    }
    for (const e of collectExamples(slug, doc)) {
      if (e.kind !== 'response' || !e.mediaType || e.webhook) continue;
      responses.set(e.id, {
        status: Number(e.status),
        body: typeof e.value === 'string' ? e.value : JSON.stringify(e.value),
        contentType: e.mediaType === 'application/json' ? 'application/json; charset=utf-8' : e.mediaType,
        headers: headers.get(`${slug}/${e.operationId}/${e.status}`) ?? {},
      });
    }
  }
  return (loaded = { responses, headers });
}

/** The 404 the owning API documents (the Orange gateway's `ResourceNotFound`), else the gateway's 404 of any API. */
function notFoundId(slug: ApiSlug | undefined, ids: string[]): string {
  const notFound = ids.filter((id) => id.split('/')[2] === '404');
  const id = notFound.find((i) => i.startsWith(`${slug}/`)) ?? notFound.find((i) => i.endsWith('/ResourceNotFound')) ?? notFound[0];
  if (!id) throw new Error('the contract documents no 404');
  return id;
}

export class DocumentedResponses {
  private readonly responses: Map<string, Documented>;
  private readonly headerSets: Map<string, Record<string, string>>;

  constructor() {
    ({ responses: this.responses, headers: this.headerSets } = load());
  }

  get(id: string): Documented {
    const documented = this.responses.get(id);
    if (!documented) throw new Error(`the contract documents no response ${id}`);
    return documented;
  }

  /** The ids of the documented responses of an operation, optionally of one status. */
  idsOf(operationId: OperationId, status?: number): string[] {
    const prefix = `${operation(operationId).slug}/${operationId}/${status ?? ''}`;
    return [...this.responses.keys()].filter((id) => id.startsWith(prefix) && (status !== undefined || id.split('/').length === 4));
  }

  /** The headers the contract documents for an operation's status, with their documented values. */
  headers(operationId: OperationId, status: number): Record<string, string> {
    return this.headerSets.get(`${operation(operationId).slug}/${operationId}/${status}`) ?? {};
  }

  /** Sends the documented response `id` (`slug/operationId/status/example`) with its documented headers;
   *  `headers` adds to them or replaces their documented values (a generated request id, `Connection: close`). */
  send(res: ServerResponse, id: string, headers: Record<string, string> = {}): void {
    const { status, body, contentType, headers: documented } = this.get(id);
    res.writeHead(status, { ...documented, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  /** The response for a path no operation has: the 404 of the API that owns the path's folder. */
  notFound(pathname: string): string {
    return notFoundId(apiOfPath(pathname), [...this.responses.keys()]);
  }

  /**
   * The response for an unexpected failure of an operation: its own documented 500, else its API's, else a
   * documented 500 in the same error shape (OAuth `{error}` or Orange gateway `{code, message}`) as the API's
   * other errors; undefined for an operation that answers no JSON (the authorize pages), whose caller then sends
   * a bare 500.
   */
  serverError(operationId: OperationId): string | undefined {
    const { slug, responses } = operation(operationId);
    if (!Object.values(responses as Record<string, readonly string[]>).some((media) => media.includes('application/json'))) return undefined;
    const ids = [...this.responses.keys()];
    const fiveHundreds = ids.filter((id) => id.split('/')[2] === '500');
    const own = fiveHundreds.find((id) => id.startsWith(`${slug}/${operationId}/`)) ?? fiveHundreds.find((id) => id.startsWith(`${slug}/`));
    if (own) return own;
    const shape = (id: string) => ('error' in (JSON.parse(this.get(id).body || 'null') ?? {}) ? 'oauth' : 'gateway');
    const apiErrors = ids.filter((id) => id.startsWith(`${slug}/`) && /^4\d\d$/.test(id.split('/')[2]!) && this.get(id).contentType.startsWith('application/json'));
    const apiShape = apiErrors[0] ? shape(apiErrors[0]) : 'oauth';
    return fiveHundreds.find((id) => shape(id) === apiShape);
  }
}
