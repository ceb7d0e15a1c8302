/**
 * Runs the catalogue against a base URL. Against a mock (profile kind `mock`), each case sends the operation's
 * canonical valid request with `Prefer: code=<status>, example=<name>`. Against a live target, each case sends
 * its trigger; mock-only cases, value cases against a mock, and cases whose trigger needs what the profile lacks
 * are skipped with a reason, except on the reference sandbox (profile `sandboxAdmin`), where a fault armed
 * through its admin API provokes each mock-only case and a fresh key is registered for the run
 * (conformance/sandbox-admin.ts).
 *
 * Every exchange is checked: the case's own response by checkCase, each step of its trigger by the
 * operation-level checks, even when a later step failed. Every exchange feeds the run's FlowMemory (nonces and
 * scopes asked, for later checks) and its Redactor (tokens issued, for the reports).
 *
 * Entry points: `runConformance(options)` → `ConformanceRun` (a Report whose entries are `CaseResult`s),
 * `looksForeign(request, response)`, `ForeignTargetError`, `checkContext(profile, memory, request)` (what the
 * operation-level checks of an exchange need; the fuzzer uses it too).
 */
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { ASSERTION_AUDIENCE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import type { Json, JsonObject } from '../src/contract/examples.js';
import type { ApiSlug } from '../src/contract/load.js';
import { matchOperation } from '../src/contract/operations.js';
import { loadCatalogue, type Case } from './catalogue.js';
import { checkCase } from './checks.js';
import { RunState, TriggerContext } from './context.js';
import { failure, type Failure } from './failures.js';
import { FlowMemory } from './flow.js';
import { createSender, parseMediaType, pathnameOf, RequestError, type Exchange, type HttpRequest, type HttpResponse, type WireRequest } from './http.js';
import { checkExchange, type CheckContext } from './operation-checks.js';
import type { Profile } from './profile.js';
import { Redactor, type RecordedExchange, type Report, type ReportEntry } from './report/index.js';
import { withFault, withRunKey } from './sandbox-admin.js';
import { isMockOnly } from './types.js';

export interface CaseResult extends ReportEntry {
  id: string;
  slug: ApiSlug;
  operationId: string;
  status: string;
  example: string;
  /** The value case's name, for a case computed from the profile (`near-miss`). */
  variant?: string;
}

export type ConformanceRun = Report<CaseResult>;

export interface Progress {
  done: number;
  total: number;
  failed: number;
  result: CaseResult;
}

export interface RunOptions {
  baseUrl: string;
  profile: Profile;
  /** The profile's secrets (loadProfile gives them), redacted from every report. */
  secrets?: readonly string[];
  /** How reports name the profile (its name by default). */
  profileLabel?: string;
  apis?: readonly ApiSlug[];
  /** Cases in flight at once (4 by default). */
  concurrency?: number;
  /** Per request (10 s by default). */
  timeoutMs?: number;
  /** When the first this-many responses are all foreign (see `looksForeign`), the run stops (5 by default). */
  foreignAfter?: number;
  /** Called as each case ends. */
  onProgress?: (progress: Progress) => void;
}

/** The target answers, but not as these APIs: the run stopped early. */
export class ForeignTargetError extends Error {
  override readonly name = 'ForeignTargetError';
}

const mediaTypeOf = (response: HttpResponse) => parseMediaType(response.headers.get('content-type'))?.essence ?? '';

/**
 * A response no deployment of these APIs would give: a 404, 405 or 501 that the operation does not document
 * (or documents with another media type), or a non-JSON 404 on a path the contract does not have. A server
 * that is not this API (a web server, another service, a wrong base path) answers every request so.
 */
export function looksForeign(request: WireRequest, response: HttpResponse): boolean {
  if (![404, 405, 501].includes(response.status)) return false;
  const match = matchOperation(request.method, pathnameOf(request));
  const media = mediaTypeOf(response);
  if (match.kind !== 'operation') return media !== 'application/json';
  const documented = (match.operation.responses as Record<string, readonly string[]>)[String(response.status)];
  return !documented || (documented.length > 0 && !documented.includes(media));
}

/** Watches the first responses of a run; throws ForeignTargetError once they are all foreign. */
function foreignGuard(baseUrl: string, after: number) {
  const seen: string[] = [];
  let foreign = true;
  return ({ request, response }: Exchange) => {
    if (seen.length >= after) return;
    foreign &&= looksForeign(request, response);
    seen.push(`${request.method} ${pathnameOf(request)} -> ${response.status} ${mediaTypeOf(response) || 'no content type'}`);
    if (seen.length === after && foreign) {
      throw new ForeignTargetError(`${baseUrl} does not serve the Orange identity APIs: its first ${after} responses were not what any of them documents (${seen.slice(0, 2).join('; ')}...); is --target the base URL, without a path?`);
    }
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
  const request: HttpRequest = { method: c.operation.method.toUpperCase(), path: c.operation.path, query, headers };
  const [mediaType, media] = Object.entries(((operation.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>)[0] ?? [];
  if (mediaType && media) {
    const value = firstExample(media);
    if (mediaType === 'application/x-www-form-urlencoded') request.form = value as Record<string, string>;
    else request.json = value;
  }
  return request;
}

/** What the run knows about an exchange beyond the contract: the profile's issuer and client, the nonce and scope asked. */
export function checkContext(profile: Profile, memory: FlowMemory, request: WireRequest): CheckContext {
  const facts = memory.contextFor(request);
  const auth = profile.authentication;
  const live = profile.kind === 'live';
  return {
    // The only JWT-valued response member of the contract is the id_token (OpenID Connect Core 1.0 section 3.1.3.7).
    jwt: {
      issuer: auth?.issuer ?? ORANGE_OIDC_ISSUER,
      ...(auth ? { audience: auth.clientId } : {}),
      // The profile's session is the userinfo subject's (conformance/profile.schema.json).
      ...(auth?.session && typeof profile.userInfoSubject?.claims.sub === 'string' ? { subject: profile.userInfoSubject.claims.sub } : {}),
      ...(facts.nonce ? { nonce: facts.nonce } : {}),
      // A mock serves the contract's examples: issued long ago, signed with a dummy secret.
      ...(live ? { now: Math.floor(Date.now() / 1000), ...(auth?.clientSecret ? { hmacSecret: auth.clientSecret } : {}) } : {}),
    },
    ...(facts.scope ? { scope: facts.scope } : {}),
    ...(facts.subject ? { subject: facts.subject } : {}),
    assertionAudience: ASSERTION_AUDIENCE,
  };
}

const stepLabel = (i: number, e: RecordedExchange) => `step ${i + 1}: ${e.request.method} ${pathnameOf(e.request)}`;

async function runCase(c: Case, run: RunState, memory: FlowMemory): Promise<CaseResult> {
  const start = performance.now();
  const ctx = new TriggerContext(run);
  const own: RecordedExchange[] = [];
  const result = (outcome: CaseResult['outcome'], failures: Failure[] = [], reason?: string): CaseResult => {
    const steps = ctx.steps.map((e, i) => ({ ...e, label: stepLabel(i, e) }));
    const stepFailures = steps.flatMap((e) => (e.response ? checkExchange(e as Exchange, checkContext(run.profile, memory, e.request)).map((f) => ({ ...f, step: e.label })) : []));
    const all = [...stepFailures, ...failures];
    return {
      suite: c.slug, name: c.id, group: c.operation.operationId,
      id: c.id, slug: c.slug, operationId: c.operation.operationId, status: c.status, example: c.example.name, ...(c.variant ? { variant: c.variant } : {}),
      outcome: outcome === 'skipped' ? 'skipped' : all.length ? 'failed' : outcome, failures: all,
      ms: Math.round(performance.now() - start), ...(reason ? { reason } : {}), exchanges: [...steps, ...own],
    };
  };
  const mode = run.profile.kind;
  let request: HttpRequest;
  if (mode === 'mock') {
    if (c.variant) return result('skipped', [], 'value case: checked against live targets (a mock serves the named examples only)');
    request = canonicalRequest(c, ctx);
    request.headers!.Prefer = c.example.header ? `code=${c.status}` : `code=${c.status}, example=${c.example.name}`;
  } else {
    if (!c.trigger) return result('failed', [failure('trigger', 'a trigger for this example', 'none in conformance/triggers')]);
    if (isMockOnly(c.trigger) && !run.profile.sandboxAdmin) return result('skipped', [], `mock-only: ${c.trigger.mockOnly}`);
    const missing = isMockOnly(c.trigger) ? undefined : c.trigger.requires?.(run.profile);
    if (missing) return result('skipped', [], missing);
    try {
      // On the reference sandbox, a mock-only case is its valid request with the case's fault armed for it.
      request = isMockOnly(c.trigger)
        ? await withFault(c, canonicalRequest(c, ctx), async (r) => (await run.send(r)).response)
        : await c.trigger.request(ctx);
    } catch (error) {
      if (error instanceof ForeignTargetError) throw error;
      return result('failed', [failure('trigger', 'the steps before the request to succeed', (error as Error).message)]);
    }
  }
  let exchange: Exchange;
  try {
    exchange = await run.send(request);
  } catch (error) {
    if (error instanceof RequestError) {
      own.push({ request: error.request, error: error.message });
      return result('failed', [failure('request', 'a response', error.message)]);
    }
    throw error;
  }
  own.push(exchange);
  const expectation = mode === 'live' && c.trigger && !isMockOnly(c.trigger) ? c.trigger.expect?.(ctx, request) : undefined;
  const failures = checkCase(c, exchange.response, {
    mode, context: checkContext(run.profile, memory, exchange.request), redirectUri: run.profile.authentication?.redirectUri,
    ...(expectation ? { expectation } : {}),
  });
  return result('passed', failures);
}

export async function runConformance(options: RunOptions): Promise<ConformanceRun> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const { cases } = loadCatalogue(options.apis);
  const sender = createSender({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 10_000 });
  const guard = foreignGuard(options.baseUrl, options.foreignAfter ?? 5);
  const redactor = new Redactor(options.secrets ?? []);
  const memory = new FlowMemory();
  let stopped: ForeignTargetError | undefined;
  const profile = await withRunKey(options.profile, async (r) => (await sender.send(r)).response)
    .catch((error: Error) => { sender.close(); throw new ForeignTargetError(error.message); });
  const run = new RunState(profile, async (request) => {
    if (stopped) throw stopped;
    const exchange = await sender.send(request);
    redactor.learn(exchange);
    memory.learn(exchange);
    try {
      guard(exchange);
    } catch (error) {
      stopped = error as ForeignTargetError;
      throw error;
    }
    return exchange;
  });
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  let failed = 0;
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, async () => {
      for (let i = next++; i < cases.length && !stopped; i = next++) {
        let result: CaseResult;
        try {
          result = await runCase(cases[i]!, run, memory);
        } catch (error) {
          if (error instanceof ForeignTargetError) break;
          throw error;
        }
        results[i] = result;
        done++;
        if (result.outcome === 'failed') failed++;
        options.onProgress?.({ done, total: cases.length, failed, result });
      }
    }));
  } finally {
    sender.close();
  }
  if (stopped) throw stopped;
  return {
    title: 'conformance', target: options.baseUrl, profile: options.profileLabel ?? options.profile.name,
    startedAt, ms: Math.round(performance.now() - start), entries: results, redactor,
  };
}
