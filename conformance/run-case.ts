/**
 * One case of a conformance run (runner.ts runs them all): skipped when the plan says so or when a case it needs
 * broke (`blocked by <case id>`), otherwise its request (the canonical one with `Prefer` against a mock, its
 * trigger against a live target, a fault armed first on the sandbox for a mock-only case), sent within the case's
 * retry budget and checked: its own response by checkCase, every step by the operation-level checks. A precondition
 * that breaks gets a `precondition` failure naming what it establishes and what came instead.
 *
 * Entry points: `runCase(c, run)` → `CaseResult`, `CaseRun` (what the runner shares with each case),
 * `checkContext(profile, memory, request)`, `ForeignTargetError`, `CaseResult`.
 */
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { ASSERTION_AUDIENCE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import type { Json, JsonObject } from '../src/contract/examples.js';
import type { ApiSlug } from '../src/contract/load.js';
import { checkCase } from './checks.js';
import { TriggerContext, type RunState } from './context.js';
import { failure, type CheckName, type Failure } from './failures.js';
import type { FlowMemory } from './flow.js';
import { RequestError, pathnameOf, type Exchange, type HttpRequest, type WireRequest } from './http.js';
import { checkExchange, type CheckContext } from './operation-checks.js';
import { RetriesExhausted, type RetryBudget } from './pacing.js';
import type { RunPlan } from './plan.js';
import type { Profile } from './profile.js';
import type { RecordedExchange, ReportEntry } from './report/index.js';
import { withFault } from './sandbox-admin.js';
import { isMockOnly, type Case } from './types.js';

export interface CaseResult extends ReportEntry {
  id: string;
  slug: ApiSlug;
  operationId: string;
  status: string;
  example: string;
  /** The value case's name, for a case computed from the profile (`near-miss`). */
  variant?: string;
}

/** The target answers, but not as these APIs: the run stopped early. */
export class ForeignTargetError extends Error {
  override readonly name = 'ForeignTargetError';
}

/** What the runner shares with every case. */
export interface CaseRun {
  state: RunState;
  plan: RunPlan;
  memory: FlowMemory;
  /** A wire request as the contract sees it (the target's path prefix removed), for the checks. */
  relative(request: WireRequest): WireRequest;
  /** A fresh retry budget for a case. */
  budget(): RetryBudget;
  /** Sends a case's own request; an answer with a status in `expect` is never retried. */
  send(request: HttpRequest, budget: RetryBudget, expect?: readonly number[]): Promise<Exchange>;
  /** Per case id once it started: resolves with the id of the case that broke when this one broke or was blocked
   *  (the root of the chain), with undefined otherwise. */
  outcomes: Map<string, Promise<string | undefined>>;
  signal?: AbortSignal;
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
      // The profile's session (or login) is the userinfo subject's (conformance/profile.schema.json).
      ...((auth?.session || auth?.login) && typeof profile.userInfoSubject?.claims.sub === 'string' ? { subject: profile.userInfoSubject.claims.sub } : {}),
      ...(facts.nonce ? { nonce: facts.nonce } : {}),
      // A mock serves the contract's examples: issued long ago, signed with a dummy secret.
      ...(live ? { now: Math.floor(Date.now() / 1000), ...(auth?.clientSecret ? { hmacSecret: auth.clientSecret } : {}) } : {}),
    },
    ...(facts.scope ? { scope: facts.scope } : {}),
    ...(facts.subject ? { subject: facts.subject } : {}),
    assertionAudience: ASSERTION_AUDIENCE,
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

const stepLabel = (i: number, e: RecordedExchange) => `step ${i + 1}: ${e.request.method} ${pathnameOf(e.request)}`;

/** The entry of a case: its steps checked (unless it was skipped), then its own failures. */
function entry(c: Case, run: CaseRun, ctx: TriggerContext, own: RecordedExchange[], start: number, outcome: CaseResult['outcome'], failures: Failure[] = [], reason?: string): CaseResult {
  const steps = ctx.steps.map((e, i) => ({ ...e, label: stepLabel(i, e) }));
  const stepFailures = outcome === 'skipped' ? [] : steps.flatMap((e) => (e.response
    ? checkExchange({ ...(e as Exchange), request: run.relative(e.request) }, checkContext(run.plan.profile, run.memory, e.request)).map((f) => ({ ...f, step: e.label }))
    : []));
  const all = outcome === 'skipped' ? [] : [...stepFailures, ...failures];
  return {
    suite: c.slug, name: c.id, group: c.operation.operationId,
    id: c.id, slug: c.slug, operationId: c.operation.operationId, status: c.status, example: c.example.name, ...(c.variant ? { variant: c.variant } : {}),
    outcome: outcome === 'skipped' ? 'skipped' : all.length ? 'failed' : outcome, failures: all,
    ms: Math.round(performance.now() - start), ...(reason ? { reason } : {}), exchanges: [...steps, ...own],
    ...(ctx.budget.waits.length ? { retries: [...ctx.budget.waits] } : {}),
  };
}

/** The case's own failures, or why it could not be judged. */
type Attempt = { failures: Failure[] } | { skipped: string };

const notJudged = (error: RetriesExhausted) => `not judged: ${error.message} (answers that say "later" are never a verdict; a lower --rate may help)`;

/** What a trigger's error means for its case: a ForeignTargetError stops the run; retries that ran out leave the
 *  case unjudged; anything else is a failed step. */
function triggerError(error: unknown): Attempt {
  if (error instanceof ForeignTargetError) throw error;
  if (error instanceof RetriesExhausted) return { skipped: notJudged(error) };
  return { failures: [failure('trigger', 'the steps before the request to succeed', (error as Error).message)] };
}

/** Builds the case's request (its steps sent on the way), sends it, and checks the response. */
async function attempt(c: Case, run: CaseRun, ctx: TriggerContext, own: RecordedExchange[]): Promise<Attempt> {
  const mode = run.plan.profile.kind;
  // The status the case asks for is never retried: a mock asked for a 503, a fault armed for it.
  const expect: number[] = [];
  let request: HttpRequest;
  if (mode === 'mock') {
    request = canonicalRequest(c, ctx);
    request.headers!.Prefer = c.example.header ? `code=${c.status}` : `code=${c.status}, example=${c.example.name}`;
    expect.push(Number(c.status));
  } else {
    if (!c.trigger) return { failures: [failure('trigger', 'a trigger for this example', 'none in conformance/triggers')] };
    try {
      if (isMockOnly(c.trigger)) {
        // On the reference sandbox, a mock-only case is its valid request with the case's fault armed for it.
        request = await withFault(c, canonicalRequest(c, ctx), async (r) => (await ctx.send(r)).response);
        expect.push(Number(c.status));
      } else request = await c.trigger.request(ctx);
    } catch (error) {
      return triggerError(error);
    }
  }
  let exchange: Exchange;
  try {
    exchange = await run.send(request, ctx.budget, expect);
  } catch (error) {
    if (error instanceof RequestError) {
      own.push({ request: error.request, error: error.message });
      return { failures: [failure('request', 'a response', error.message)] };
    }
    if (error instanceof RetriesExhausted) {
      own.push(error.exchange);
      return { skipped: notJudged(error) };
    }
    throw error;
  }
  own.push(exchange);
  const expectation = mode === 'live' && c.trigger && !isMockOnly(c.trigger) ? c.trigger.expect?.(ctx, request) : undefined;
  return {
    failures: checkCase(c, exchange.response, {
      mode, context: checkContext(run.plan.profile, run.memory, exchange.request), redirectUri: run.plan.profile.authentication?.redirectUri,
      requestUrl: exchange.request.url, ...(expectation ? { expectation } : {}),
    }),
  };
}

/** The failures that mean a precondition did not establish what it should: no response, another status, its steps. */
const BREAKING = new Set<CheckName>(['status', 'request', 'trigger']);

/** What a broken precondition got instead, in a few words: the status and body of its response, or the error. */
function cause(failures: Failure[], own: RecordedExchange[]): string {
  const last = own.at(-1);
  if (last?.response) {
    const body = last.response.text.replace(/\s+/g, ' ').trim();
    return `HTTP ${last.response.status}${body ? `: ${body.length > 300 ? `${body.slice(0, 300)}...` : body}` : ''}`;
  }
  return String(failures.find((f) => BREAKING.has(f.check))?.got ?? 'nothing');
}

/** The case a broken dependency of `c` traces back to, once every dependency that runs has ended. */
async function blockedBy(c: Case, run: CaseRun): Promise<string | undefined> {
  for (const dep of c.dependsOn) {
    const root = await run.outcomes.get(dep);
    if (root) return root;
  }
  return undefined;
}

async function judge(c: Case, run: CaseRun): Promise<{ result: CaseResult; brokenBy?: string }> {
  const start = performance.now();
  const ctx = new TriggerContext(run.state, run.budget());
  const own: RecordedExchange[] = [];
  const finish = (outcome: CaseResult['outcome'], failures: Failure[] = [], reason?: string) => entry(c, run, ctx, own, start, outcome, failures, reason);
  const planned = run.plan.skips.get(c.id);
  if (planned !== undefined) return { result: finish('skipped', [], planned) };
  const root = run.plan.profile.kind === 'live' ? await blockedBy(c, run) : undefined;
  if (root) return { result: { ...finish('skipped', [], `blocked by ${root}`), blockedBy: root }, brokenBy: root };
  if (run.signal?.aborted) return { result: finish('skipped', [], 'not run: the run was stopped') };
  let outcome: Attempt;
  try {
    outcome = await attempt(c, run, ctx, own);
  } catch (error) {
    // A wait cut by the stop (the rate limit's, a retry's) is no verdict either.
    if (run.signal?.aborted && !(error instanceof ForeignTargetError)) return { result: finish('skipped', [], 'interrupted: the run was stopped') };
    throw error;
  }
  if ('skipped' in outcome) return { result: finish('skipped', [], outcome.skipped) };
  const result = finish('passed', outcome.failures);
  // A case cut by the stop is not a verdict on the target.
  if (run.signal?.aborted && result.outcome === 'failed') return { result: finish('skipped', [], 'interrupted: the run was stopped') };
  const precondition = c.trigger && !isMockOnly(c.trigger) ? c.trigger.precondition : undefined;
  if (precondition && outcome.failures.some((f) => BREAKING.has(f.check))) {
    return { result: finish('failed', [failure('precondition', precondition, cause(outcome.failures, own)), ...outcome.failures]), brokenBy: c.id };
  }
  return { result };
}

/** Runs `c` (see the module comment); its outcome is known to the cases that need it as soon as it ends. */
export async function runCase(c: Case, run: CaseRun): Promise<CaseResult> {
  let settle!: (root: string | undefined) => void;
  run.outcomes.set(c.id, new Promise((resolve) => { settle = resolve; }));
  let root: string | undefined;
  try {
    const { result, brokenBy } = await judge(c, run);
    root = brokenBy;
    return result;
  } finally {
    settle(root);
  }
}
