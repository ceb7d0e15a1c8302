/**
 * Runs the catalogue against a base URL. Against a mock (profile kind `mock`), each case sends the operation's
 * canonical valid request with `Prefer: code=<status>, example=<name>`. Against a live target, each case sends
 * its trigger; mock-only cases, and cases whose trigger needs what the profile lacks, are skipped with a reason,
 * except on the reference sandbox (`sandboxAdmin`), where a fault provokes each mock-only case
 * (conformance/sandbox-admin.ts).
 */
import type { ApiSlug } from '../src/contract/load.js';
import type { Json, JsonObject } from '../src/contract/examples.js';
import { basicAuthorization } from '../src/auth/basic.js';
import { matchOperation } from '../src/contract/operations.js';
import { loadCatalogue, type Case } from './catalogue.js';
import { ResponseChecker, type Failure } from './checks.js';
import { TriggerContext } from './context.js';
import { withFault, withRunKey } from './sandbox-admin.js';
import type { Profile } from './profile.js';
import { isMockOnly, type HttpRequest, type HttpResponse } from './types.js';

export interface CaseResult {
  id: string;
  slug: ApiSlug;
  operationId: string;
  status: string;
  example: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** Why a case was skipped. */
  reason?: string;
  failures: Failure[];
  ms: number;
}

export interface RunOptions {
  baseUrl: string;
  profile: Profile;
  apis?: readonly ApiSlug[];
  /** Cases in flight at once (4 by default). */
  concurrency?: number;
  /** Per request (10 s by default). */
  timeoutMs?: number;
  /** When the first this-many responses are all foreign (see `looksForeign`), the run stops (5 by default). */
  foreignAfter?: number;
}

/** The target answers, but not as these APIs: the run stopped early. */
export class ForeignTargetError extends Error {
  override readonly name = 'ForeignTargetError';
}

const mediaTypeOf = (headers: Headers) => (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * A response no deployment of these APIs would give: a 404, 405 or 501 that the operation does not document
 * (or documents with another media type), or a non-JSON 404 on a path the contract does not have. A server
 * that is not this API (a web server, another service, a wrong base path) answers every request so.
 */
export function looksForeign(request: HttpRequest, response: HttpResponse): boolean {
  if (![404, 405, 501].includes(response.status)) return false;
  const match = matchOperation(request.method, request.path);
  const media = mediaTypeOf(response.headers);
  if (match.kind !== 'operation') return media !== 'application/json';
  const documented = (match.operation.responses as Record<string, readonly string[]>)[String(response.status)];
  return !documented || (documented.length > 0 && !documented.includes(media));
}

/** Watches the first responses of a run; throws ForeignTargetError once they are all foreign. */
function foreignGuard(baseUrl: string, after: number) {
  const seen: string[] = [];
  let foreign = true;
  return (request: HttpRequest, response: HttpResponse) => {
    if (seen.length >= after) return;
    foreign &&= looksForeign(request, response);
    seen.push(`${request.method} ${request.path} -> ${response.status} ${mediaTypeOf(response.headers) || 'no content type'}`);
    if (seen.length === after && foreign) {
      throw new ForeignTargetError(`${baseUrl} does not serve the Orange identity APIs: its first ${after} responses were not what any of them documents (${seen.slice(0, 2).join('; ')}...); is --target the base URL, without a path?`);
    }
  };
}

function sender(baseUrl: string, timeoutMs: number) {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const url = new URL(request.path, baseUrl);
    for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
    const headers = new Headers(request.headers);
    let body: string | undefined = request.rawBody;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      if (!headers.has('content-type')) headers.set('Content-Type', 'application/json');
    } else if (request.form) {
      body = new URLSearchParams(request.form).toString();
      if (!headers.has('content-type')) headers.set('Content-Type', 'application/x-www-form-urlencoded');
    }
    const response = await fetch(url, { method: request.method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
}

const firstExample = (holder: JsonObject): Json | undefined => {
  if (holder.example !== undefined) return holder.example;
  const examples = Object.values((holder.examples ?? {}) as Record<string, JsonObject>);
  return examples[0]?.value ?? ((holder.schema as JsonObject | undefined)?.const);
};

/** The operation's valid request, from the contract: required query parameters, credentials, first request example. */
function canonicalRequest(c: Case, ctx: TriggerContext): HttpRequest {
  const operation = c.operation.operation;
  const query = Object.fromEntries(((operation.parameters ?? []) as JsonObject[])
    .filter((p) => p.in === 'query' && p.required).map((p) => [String(p.name), String(firstExample(p))]));
  const headers: Record<string, string> = {};
  if (c.auth === 'bearer') headers.Authorization = 'Bearer conformance-mock-token';
  if (c.auth === 'basic') headers.Authorization = ctx.profile.authentication ? ctx.basic() : basicAuthorization('conformance', 'mock');
  const request: HttpRequest = { method: c.operation.method.toUpperCase() as HttpRequest['method'], path: c.operation.path, query, headers };
  const [mediaType, media] = Object.entries(((operation.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>)[0] ?? [];
  if (mediaType && media) {
    const value = firstExample(media);
    if (mediaType === 'application/x-www-form-urlencoded') request.form = value as Record<string, string>;
    else request.json = value;
  }
  return request;
}

async function runCase(c: Case, ctx: TriggerContext, checker: ResponseChecker): Promise<CaseResult> {
  const start = performance.now();
  const result = (outcome: CaseResult['outcome'], failures: Failure[] = [], reason?: string): CaseResult => ({
    id: c.id, slug: c.slug, operationId: c.operation.operationId, status: c.status, example: c.example.name,
    outcome, failures, ms: Math.round(performance.now() - start), ...(reason ? { reason } : {}),
  });
  const mode = ctx.profile.kind;
  let request: HttpRequest;
  if (mode === 'mock') {
    request = canonicalRequest(c, ctx);
    request.headers!.Prefer = c.example.header ? `code=${c.status}` : `code=${c.status}, example=${c.example.name}`;
  } else {
    if (!c.trigger) return result('failed', [{ check: 'trigger', expected: 'a trigger for this example', got: 'none in conformance/triggers' }]);
    if (isMockOnly(c.trigger) && !ctx.profile.sandboxAdmin) return result('skipped', [], `mock-only: ${c.trigger.mockOnly}`);
    const missing = isMockOnly(c.trigger) ? undefined : c.trigger.requires?.(ctx.profile);
    if (missing) return result('skipped', [], missing);
    try {
      // On the reference sandbox, a mock-only case is its valid request with the case's fault armed for it.
      request = isMockOnly(c.trigger) ? await withFault(c, canonicalRequest(c, ctx), (r) => ctx.http(r)) : await c.trigger.request(ctx);
    } catch (error) {
      return result('failed', [{ check: 'trigger', expected: 'the steps before the request to succeed', got: (error as Error).message }]);
    }
  }
  let response: HttpResponse;
  try {
    response = await ctx.http(request);
  } catch (error) {
    return result('failed', [{ check: 'request', expected: 'a response', got: `${(error as Error).message} ${((error as Error).cause as Error | undefined)?.message ?? ''}`.trim() }]);
  }
  const expectation = mode === 'live' && c.trigger && !isMockOnly(c.trigger) ? c.trigger.expect?.(ctx, request) : undefined;
  const failures = checker.check(c, response, mode, expectation, ctx.profile.authentication?.redirectUri);
  return result(failures.length ? 'failed' : 'passed', failures);
}

export async function runConformance(options: RunOptions): Promise<CaseResult[]> {
  const { cases } = loadCatalogue(options.apis);
  const send = sender(options.baseUrl, options.timeoutMs ?? 10_000);
  const guard = foreignGuard(options.baseUrl, options.foreignAfter ?? 5);
  let stopped: ForeignTargetError | undefined;
  const profile = await withRunKey(options.profile, send).catch((error: Error) => { throw new ForeignTargetError(error.message); });
  const ctx = new TriggerContext(profile, options.baseUrl, async (request) => {
    if (stopped) throw stopped;
    const response = await send(request);
    try {
      guard(request, response);
    } catch (error) {
      stopped = error as ForeignTargetError;
      throw error;
    }
    return response;
  });
  const checker = new ResponseChecker();
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, async () => {
    for (let i = next++; i < cases.length && !stopped; i = next++) results[i] = await runCase(cases[i]!, ctx, checker);
  }));
  if (stopped) throw stopped;
  return results;
}
