/**
 * Runs the catalogue against a base URL (its path prefix kept: every request, the sandbox admin API's too, goes
 * under it). Against a mock (profile kind `mock`), each case sends the operation's canonical valid request with
 * `Prefer: code=<status>, example=<name>`. Against a live target, each case sends its trigger; mock-only cases,
 * value cases against a mock, and cases whose trigger needs what the profile lacks are skipped with a reason
 * (plan.ts), except on the reference sandbox (profile `sandboxAdmin`), where a fault armed through its admin API
 * provokes each mock-only case and a fresh key is registered for the run (conformance/sandbox-admin.ts).
 *
 * Preconditions: a case starts after the cases it needs (its trigger's `after`). When one of them broke (no
 * response, another status than its own, its steps failed) it is one failed case, with a `precondition` failure
 * naming what it establishes and what came instead, and every case that needs it is skipped as
 * `blocked by <case id>` (the root of the chain), never failed again for the same cause.
 *
 * Every request is paced (`rate`: at most that many per second across the concurrency) and its 429/503 answers are
 * waited out and retried within the case's budget (pacing.ts): noted in the entry (`retries`), never a verdict; a
 * case whose retries ran out is skipped, not judged. A `signal` stops the run: what has not run is skipped, a
 * request in flight is cut, and the report holds what was done.
 *
 * Every exchange is checked: the case's own response by checkCase, each step of its trigger by the
 * operation-level checks, even when a later step failed; paths are compared without the target's prefix. Every
 * exchange feeds the run's FlowMemory (nonces and scopes asked, for later checks) and its Redactor (tokens issued,
 * for the reports).
 *
 * Entry points: `runConformance(options)` → `ConformanceRun` (a Report whose entries are `CaseResult`s),
 * `looksForeign(request, response)`, `ForeignTargetError`, `checkContext(profile, memory, request)` (what the
 * operation-level checks of an exchange need; the fuzzer uses it too).
 */
import { matchOperation } from '../src/contract/operations.js';
import { RunState, type EndUserLogin } from './context.js';
import { FlowMemory } from './flow.js';
import { HeaderList, createSender, onTarget, parseMediaType, pathnameOf, wireRequest, type Exchange, type HttpRequest, type HttpResponse, type WireRequest } from './http.js';
import { RateLimit, RetryBudget, paced, type RetryPolicy } from './pacing.js';
import { planRun, type RunPlan } from './plan.js';
import type { ProfiledTarget } from './profile.js';
import { Redactor, type Report } from './report/index.js';
import { adminFailure } from './sandbox-admin.js';
import { ForeignTargetError, runCase, type CaseResult, type CaseRun } from './run-case.js';

export { ForeignTargetError, checkContext, type CaseResult } from './run-case.js';
import type { Case } from './types.js';

export type ConformanceRun = Report<CaseResult> & {
  /** The run was stopped (`signal`) before every case ran: the signal's reason. */
  stopped?: string;
};

export interface Progress {
  done: number;
  total: number;
  failed: number;
  result: CaseResult;
}

export interface RunOptions extends ProfiledTarget {
  /** Only the cases whose id matches (`--grep`). */
  grep?: RegExp;
  /** Cases in flight at once (4 by default). */
  concurrency?: number;
  /** Per request, until the whole response is read (10 s by default). */
  timeoutMs?: number;
  /** At most this many requests per second, whatever the concurrency (no limit by default). */
  rate?: number;
  /** How 429 and 503 answers are retried (4 retries per request by default), and how long one case may wait for
   *  them in all (`maxWaitMs`, a minute by default); `false`: never retried. */
  retry?: (RetryPolicy & { maxWaitMs?: number }) | false;
  /** The end-user's login for the code flow (`--login`): codes come through it rather than the profile's session. */
  login?: EndUserLogin;
  /** Stops the run: no case starts after it, requests in flight are cut, and the report holds what was done. */
  signal?: AbortSignal;
  /** When the first this-many responses are all foreign (see `looksForeign`), the run stops (5 by default). */
  foreignAfter?: number;
  /** Called as each case ends. */
  onProgress?: (progress: Progress) => void;
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

/** Watches the first responses of a run (the suite's, the fuzzer's); throws ForeignTargetError once `after` of them
 *  are all foreign. Paths are read relative to the target (under a gateway's prefix). */
export function foreignGuard(baseUrl: string, after: number): (exchange: Exchange) => void {
  const seen: string[] = [];
  const relative = onTarget(baseUrl);
  let foreign = true;
  return ({ request: sent, response }: Exchange) => {
    if (seen.length >= after) return;
    const request = relative(sent);
    foreign &&= looksForeign(request, response);
    seen.push(`${request.method} ${pathnameOf(request)} -> ${response.status} ${mediaTypeOf(response) || 'no content type'}`);
    if (seen.length === after && foreign) {
      throw new ForeignTargetError(`${baseUrl} does not serve the Orange identity APIs: its first ${after} responses were not what any of them documents (${seen.slice(0, 2).join('; ')}...); is --target the base URL the APIs are served under (an origin, or an origin and the gateway's path prefix)?`);
    }
  };
}

/** The redirect a login followed, as an exchange the run's memory and redactor learn from (no report shows it). */
const loginRedirect = (authorizeUrl: string, callbackUrl: string): Exchange => ({
  request: { method: 'GET', url: authorizeUrl, headers: new HeaderList(), body: '' },
  response: { status: 302, headers: new HeaderList([['Location', callbackUrl]]), bytes: Buffer.alloc(0), text: '' },
  ms: 0,
});

/** The sender of a run: paced and retried, cut by the stop signal, every exchange learnt and watched for a target
 *  that is not these APIs. */
function runSender(options: RunOptions, redactor: Redactor, memory: FlowMemory) {
  const sender = createSender({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) });
  const retry = options.retry === false ? undefined : (options.retry ?? {});
  const send = paced((request: HttpRequest) => sender.send(request), {
    ...(options.rate ? { rate: new RateLimit(options.rate) } : {}), ...(retry ? { retry } : {}), ...(options.signal ? { signal: options.signal } : {}),
  });
  const guard = foreignGuard(options.baseUrl, options.foreignAfter ?? 5);
  let stopped: ForeignTargetError | undefined;
  return {
    close: () => sender.close(),
    get foreign() {
      return stopped;
    },
    budget: () => new RetryBudget(retry ? retry.maxWaitMs : undefined),
    async send(request: HttpRequest, budget: RetryBudget, expect?: readonly number[]): Promise<Exchange> {
      if (stopped) throw stopped;
      const exchange = await send(request, { budget, ...(expect ? { expect } : {}) });
      redactor.learn(exchange);
      memory.learn(exchange);
      try {
        guard(exchange);
      } catch (error) {
        stopped = error as ForeignTargetError;
        throw error;
      }
      return exchange;
    },
  };
}

/** Runs `plan.order` with `concurrency` workers; resolves with the results by case id. */
async function runAll(plan: RunPlan, run: CaseRun, options: RunOptions, foreign: () => ForeignTargetError | undefined): Promise<Map<string, CaseResult>> {
  const results = new Map<string, CaseResult>();
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, async () => {
    for (let i = next++; i < plan.order.length && !foreign() && !options.signal?.aborted; i = next++) {
      const c = plan.order[i]!;
      let result: CaseResult;
      try {
        result = await runCase(c, run);
      } catch (error) {
        if (error instanceof ForeignTargetError) break;
        throw error;
      }
      if (foreign()) break;
      results.set(c.id, result);
      if (result.outcome === 'failed') failed++;
      options.onProgress?.({ done: results.size, total: plan.cases.length, failed, result });
    }
  }));
  return results;
}

/** A case the run did not get to, as its entry says. */
const notRun = (c: Case, reason: string): CaseResult => ({
  suite: c.slug, name: c.id, group: c.operation.operationId, id: c.id, slug: c.slug, operationId: c.operation.operationId, status: c.status,
  example: c.example.name, ...(c.variant ? { variant: c.variant } : {}), outcome: 'skipped', failures: [], ms: 0, reason, exchanges: [],
});

export async function runConformance(options: RunOptions): Promise<ConformanceRun> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const plan = await planRun({ profile: options.profile, apis: options.apis, grep: options.grep, setup: options.login ? { login: options.login.label } : {} });
  const redactor = new Redactor(options.secrets ?? []);
  const memory = new FlowMemory();
  const sender = runSender(options, redactor, memory);
  const { registration, what } = plan.runKey;
  const state = new RunState(plan.profile, {
    send: (request, budget) => sender.send(request, budget),
    url: (request) => wireRequest(options.baseUrl, request).url,
    ...(options.login ? { login: options.login } : {}),
    learnCallback: (authorizeUrl, callbackUrl) => {
      const redirect = loginRedirect(authorizeUrl, callbackUrl);
      redactor.learn(redirect);
      memory.learn(redirect);
    },
    ...(registration ? { keyRegistration: registration, registrationFailure: (response: HttpResponse) => adminFailure(response, what!) } : {}),
  });
  const run: CaseRun = {
    state, plan, memory, relative: onTarget(options.baseUrl), budget: sender.budget, outcomes: new Map(),
    send: (request, budget, expect) => sender.send(request, budget, expect),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let results: Map<string, CaseResult>;
  try {
    results = await runAll(plan, run, options, () => sender.foreign);
  } finally {
    sender.close();
  }
  if (sender.foreign) throw sender.foreign;
  const stopped = options.signal?.aborted ? String(options.signal.reason instanceof Error ? options.signal.reason.message : options.signal.reason ?? 'stopped') : undefined;
  return {
    title: 'conformance', target: options.baseUrl, profile: options.profileLabel ?? options.profile.name,
    startedAt, ms: Math.round(performance.now() - start), redactor, ...(stopped ? { stopped } : {}),
    entries: plan.cases.map((c) => results.get(c.id) ?? notRun(c, `not run: the run was stopped (${stopped ?? 'stopped'})`)),
  };
}
