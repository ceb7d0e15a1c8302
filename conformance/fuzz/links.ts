/**
 * The contract's OpenAPI links (a response feeding another operation's request) and their runtime expressions
 * (OpenAPI 3.1 section 4.8.20.4): `$url`, `$method`, `$statusCode`, `$request.query.<name>`,
 * `$request.header.<name>`, `$request.body#/<pointer>`, `$response.header.<name>`, `$response.body#/<pointer>`,
 * alone or embedded in a string as `{...}`. Bodies are read as JSON, or as forms.
 *
 * Extensions on a link (documented in openapi/): `x-url-query` (members whose expression gives a URL and that
 * take its query parameter of the same name: a code on a redirect URI), `x-single-use` (members whose value
 * works once: the same linked request again must be refused), `x-expires-in` (an expression giving the seconds
 * after which the linked request must be refused).
 *
 * Entry points: `LINKS`, `linksFrom(operationId, status)`, `evaluate(expression, exchange)`, `linkedValues(link, exchange)`.
 */
import type { JsonObject } from '../../src/contract/examples.js';
import { isFormMediaType, parseForm } from '../../src/contract/form.js';
import { API_SLUGS, resolvePointer } from '../../src/contract/load.js';
import { OPERATIONS, operationObject, type OperationId } from '../../src/contract/operations.js';
import type { Exchange } from '../http.js';

export interface Link {
  name: string;
  from: OperationId;
  /** The response status (or range) the link is documented on. */
  status: string;
  to: OperationId;
  /** Parameters of the target: `query.name`, `header.name` (or a bare name: a query parameter). */
  parameters: Record<string, string>;
  /** Members of the target's body. */
  requestBody: Record<string, unknown>;
  urlQuery: string[];
  singleUse: string[];
  expiresIn?: string;
}

function collect(): Link[] {
  const out: Link[] = [];
  for (const slug of API_SLUGS) {
    for (const op of OPERATIONS.filter((o) => o.slug === slug)) {
      const responses = (operationObject(op.operationId).responses ?? {}) as Record<string, JsonObject>;
      for (const [status, response] of Object.entries(responses)) {
        for (const [name, link] of Object.entries((response.links ?? {}) as Record<string, JsonObject>)) {
          const to = OPERATIONS.find((o) => o.operationId === link.operationId);
          if (!to) throw new Error(`link ${name} of ${op.operationId} ${status} names no operation of the contract: ${String(link.operationId)}`);
          out.push({
            name, from: op.operationId, status, to: to.operationId,
            parameters: (link.parameters ?? {}) as Record<string, string>,
            requestBody: (link.requestBody ?? {}) as Record<string, unknown>,
            urlQuery: (link['x-url-query'] ?? []) as string[],
            singleUse: (link['x-single-use'] ?? []) as string[],
            ...(typeof link['x-expires-in'] === 'string' ? { expiresIn: link['x-expires-in'] } : {}),
          });
        }
      }
    }
  }
  return out;
}

/** Every link of the contract. */
export const LINKS: readonly Link[] = collect();

/** The links documented on a response of `operationId` with this status (exact, then range). */
export const linksFrom = (operationId: OperationId, status: number): Link[] =>
  LINKS.filter((l) => l.from === operationId && (l.status === String(status) || l.status === `${String(status)[0]}XX`));

function bodyOf(text: string, contentType: string | null): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return isFormMediaType(contentType) ? parseForm(text).params : undefined;
  }
}

function pointer(value: unknown, at: string): unknown {
  try {
    return resolvePointer(value as never, `#${at}`);
  } catch {
    return undefined;
  }
}

/** One runtime expression (`$response.body#/access_token`) against an exchange; undefined when it finds nothing. */
export function evaluateOne(expression: string, exchange: Exchange): unknown {
  const { request, response } = exchange;
  const url = new URL(request.url);
  if (expression === '$url') return request.url;
  if (expression === '$method') return request.method;
  if (expression === '$statusCode') return response.status;
  const m = /^\$(request|response)\.(query|header|path|body)(?:\.([^#]+))?(?:#(.*))?$/.exec(expression);
  if (!m) return undefined;
  const [, side, source, name, at] = m as unknown as [string, 'request' | 'response', string, string | undefined, string | undefined];
  const headers = side === 'request' ? request.headers : response.headers;
  if (source === 'query') return side === 'request' && name ? url.searchParams.get(name) ?? undefined : undefined;
  if (source === 'header') return name ? headers.get(name) ?? undefined : undefined;
  if (source === 'body') {
    const body = bodyOf(side === 'request' ? request.body : response.text, headers.get('content-type'));
    return at === undefined ? body : pointer(body, at);
  }
  return undefined;
}

/** A link value: a runtime expression, a string embedding `{expressions}`, or a constant. */
export function evaluate(value: unknown, exchange: Exchange): unknown {
  if (typeof value !== 'string') return value;
  if (value.startsWith('$')) return evaluateOne(value, exchange);
  if (!value.includes('{$')) return value;
  let missing = false;
  const out = value.replace(/\{(\$[^}]+)\}/g, (_, e: string) => {
    const v = evaluateOne(e, exchange);
    if (v === undefined) missing = true;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
  return missing ? undefined : out;
}

export interface LinkedValues {
  /** Target request members by path from the request root (`body/code`, `query/state`). */
  members: Record<string, unknown>;
  /** Headers the link gives (an Authorization that is not a parameter of the target). */
  headers: Record<string, string>;
  /** Seconds after which the linked request must be refused, when the link says. */
  expiresIn?: number;
  /** True when a value the link needs is absent from the response (the link is then not followed). */
  incomplete: boolean;
}

/** What a link gives the target's request, from the source exchange. */
export function linkedValues(link: Link, exchange: Exchange): LinkedValues {
  const members: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  let incomplete = false;
  const take = (name: string, raw: unknown) => {
    let v = evaluate(raw, exchange);
    if (v !== undefined && link.urlQuery.includes(name)) {
      try {
        v = new URL(String(v)).searchParams.get(name) ?? undefined;
      } catch {
        v = undefined;
      }
    }
    if (v === undefined) incomplete = true;
    return v;
  };
  for (const [key, raw] of Object.entries(link.parameters)) {
    const [where, name] = key.includes('.') ? (key.split(/\.(.*)/s) as [string, string]) : ['query', key];
    const v = take(name, raw);
    if (where === 'header' && v !== undefined) headers[name] = String(v);
    else members[`${where}/${name}`] = v;
  }
  for (const [name, raw] of Object.entries(link.requestBody)) members[`body/${name}`] = take(name, raw);
  const seconds = link.expiresIn ? Number(evaluate(link.expiresIn, exchange)) : undefined;
  return { members, headers, ...(seconds !== undefined && Number.isFinite(seconds) ? { expiresIn: seconds } : {}), incomplete };
}
