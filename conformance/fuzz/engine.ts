/**
 * The fuzzer: requests generated from the contract's schemas (schema.ts, request.ts), sent to a target, every
 * response checked with the operation-level checks of the conformance suite, grouped under the fuzz checks.
 *
 * Phases, per operation, each bounded by `maxExamples`:
 * - positive: valid requests (the coverage values first: minimal, maximal, each enum member; then generated
 *   ones), with the members that name the target's state taken from the profile (plans.ts). They must not be
 *   refused (positive_data_acceptance).
 * - negative: the same with one constraint broken (schema.ts `violations`, malformed JSON, wrong content type);
 *   each must be refused (negative_data_rejection). A mutation that the request checks do not see as invalid is
 *   discarded, never counted.
 * - auth: valid requests with no, malformed, unknown, revoked or wrong-scope credentials (ignored_auth).
 * - stateful: sequences that follow the contract's OpenAPI links (links.ts) with generated data; what a link
 *   says is single use is replayed, what expires is replayed after the target's clock moves, what the end-user
 *   revoked is replayed after the revocation and again after a new consent: each must be refused (use_after_free).
 *
 * Generation is fast-check's, from one seed: a fixed seed gives the same requests on the same contract (requests
 * are sent one at a time, at most `rate` per second). Each distinct failure (operation, check, and what failed) is
 * shrunk by fast-check, re-sending candidates (at most `shrinkBudget` requests per failure), and kept with the
 * smallest request that still fails the same way. Stateful sequences are not shrunk.
 *
 * Entry points: `runFuzz(options)` → `FuzzRun` (a Report with one entry per operation × fuzz check),
 * `FUZZ_CHECKS`, `PHASES`.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { ASSERTION_ALG, ASSERTION_AUDIENCE, ASSERTION_SUB_TYPE, ASSERTION_TYP, JWT_BEARER_GRANT_TYPE } from 'orange-identity-client/auth/jwt-bearer';
import { basicAuthorization } from 'orange-identity-client/auth/basic';
import { collectExamples } from '../../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle, type ApiSlug } from '../../src/contract/load.js';
import { OPERATIONS, operation as operationEntry, pathOf, type Operation, type OperationId } from '../../src/contract/operations.js';
import { failure, type CheckName, type Failure } from '../failures.js';
import { FlowMemory } from '../flow.js';
import { createSender, RequestError, wireRequest, type Exchange, type HttpRequest, type HttpResponse } from '../http.js';
import { checkRequest, checkResponse, matchesDocumentedError } from '../operation-checks.js';
import { ProfileError, type Profile } from '../profile.js';
import { withRunKey } from '../sandbox-admin.js';
import { Redactor, type RecordedExchange, type Report, type ReportEntry } from '../report/index.js';
import { checkContext, ForeignTargetError, looksForeign } from '../runner.js';
import type { TargetControl } from './control.js';
import { linkedValues, linksFrom, LINKS, type Link } from './links.js';
import { authorizationScopes, PLANS, type AuthVariant, type PlanContext } from './plans.js';
import { applyViolation, fillBound, privateKeyOf, requestShape, signJws, toHttpRequest, type RequestExtras, type RequestValue, type Signing } from './request.js';
import { coverage, setAt, valid, violations, type Violation } from './schema.js';

export const FUZZ_CHECKS = [
  'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance',
  'negative_data_rejection', 'positive_data_acceptance', 'ignored_auth', 'use_after_free',
] as const satisfies readonly CheckName[];
export type FuzzCheck = (typeof FUZZ_CHECKS)[number];

export const PHASES = ['positive', 'negative', 'auth', 'stateful'] as const;
export type Phase = (typeof PHASES)[number];

/** Shrinking requests for a failure that is no response at all (each candidate may wait for the timeout). */
const NO_RESPONSE_SHRINKS = 5;

/** The fuzz check each operation-level check of a response belongs to. */
const GROUP: Partial<Record<CheckName, FuzzCheck>> = {
  status: 'status_code_conformance',
  'content-type': 'content_type_conformance', body: 'content_type_conformance',
  header: 'response_headers_conformance', 'header-once': 'response_headers_conformance',
  schema: 'response_schema_conformance', 'undocumented-member': 'response_schema_conformance', 'error-value': 'response_schema_conformance',
  jwt: 'response_schema_conformance', scope: 'response_schema_conformance', 'cross-response': 'response_schema_conformance',
};

/** Requests sent per operation: by phase, and how many of them were shrinking or steps for other operations. */
export type RequestCounts = Record<Phase | 'shrinking', number> & { total: number };

export interface FuzzOptions {
  baseUrl: string;
  profile: Profile;
  secrets?: readonly string[];
  profileLabel?: string;
  apis?: readonly ApiSlug[];
  seed: number;
  /** Examples per operation and phase (and stateful sequences per root operation). */
  maxExamples: number;
  /** Requests per second at most; undefined: no limit. */
  rate?: number;
  /** Requests per distinct failure spent shrinking it (100 by default). */
  shrinkBudget?: number;
  timeoutMs?: number;
  /** The target's clock and admin operations, when it has them. */
  control?: TargetControl;
  /** Called with every exchange, in order (a request log). */
  onExchange?: (exchange: RecordedExchange, operationId: OperationId | undefined, phase: Phase) => void;
  onProgress?: (progress: { operationId: OperationId; phase: Phase; requests: number }) => void;
}

export interface FuzzEntry extends ReportEntry {
  operationId: OperationId;
  check: FuzzCheck;
}

export interface FuzzRun extends Report<FuzzEntry> {
  seed: number;
  maxExamples: number;
  rate?: number;
  shrinkBudget: number;
  requests: Map<OperationId, RequestCounts>;
  /** Generated examples not sent: positive ones the request checks found invalid, negative ones they found valid. */
  discarded: Map<OperationId, number>;
  /** What the run could not check on this target, and why (no clock to move, no admin API). */
  notes: string[];
}

/** What a sent request is expected to get. */
type Expectation =
  | { kind: 'accept' }
  | { kind: 'refuse'; check: 'negative_data_rejection' | 'ignored_auth' | 'use_after_free'; what: string };

interface Found { operationId: OperationId; check: FuzzCheck; key: string; failure: Failure }

interface Outcome { found: Found[]; exchange?: RecordedExchange; discarded?: boolean }

interface Kept { operationId: OperationId; check: FuzzCheck; failure: Failure; exchange: RecordedExchange }

/** A step could not get what the example needs (a code, a token): the example is dropped. */
class StepError extends Error {}

const isRefusal = (response: HttpResponse): boolean => {
  if (response.status >= 400) return true;
  if (response.status >= 300 && response.status < 400) {
    // RFC 6749 section 4.1.2.1: an authorization error is redirected with `error` in the query.
    try {
      return new URL(response.headers.get('location') ?? '').searchParams.has('error');
    } catch {
      return false;
    }
  }
  return false;
};

/** The status and the whole body: the report writers redact it, then cut it (cutting first could leave half a
 *  token, which redaction would no longer recognise). */
const briefly = (response: HttpResponse) => `HTTP ${response.status}${response.text ? `: ${response.text}` : ''}`;
/** A member path without item indexes, so that one defect found at several items is one failure. */
const where = (at: string | undefined) => (at ?? '').replace(/\[\d+\]/g, '[*]').replace(/\/\d+(?=\/|$)/g, '/*');
const pathText = (v: Violation) => v.path.join('/') || 'the request';

function violationText(v: Violation): string {
  if (v.keyword === 'required') return `${pathText(v)} missing (required)`;
  if (v.keyword === 'additionalProperties') return `an undocumented member ${pathText(v)} (additionalProperties: false)`;
  return `${pathText(v)} breaking ${v.keyword}`;
}

/** The order the first negative examples take: members missing, then bodies of another kind, then members' types, then values. */
const RANK = ['required', 'content-type', 'malformed', 'additionalProperties', 'type', 'const', 'enum', 'pattern', 'format'];
const rank = (b: { violation?: Violation; extras?: RequestExtras }) => {
  const keyword = b.violation?.keyword ?? (b.extras?.rawBody !== undefined ? 'malformed' : 'content-type');
  const at = RANK.indexOf(keyword);
  return at < 0 ? RANK.length : at;
};

/** A violation of the request itself: not of its root, nor the query or headers as a whole (each parameter apart). */
const requestViolation = (a: fc.Arbitrary<Violation>) => {
  const [sample] = fc.sample(a, { seed: 0, numRuns: 1 });
  return sample!.path.length > 1 || sample!.path[0] === 'body';
};

/** The documented refusals the profile accepts for valid requests, as named examples. */
function acceptedRefusals(profile: Profile) {
  const ids = profile.fuzz?.documentedRefusals ?? [];
  if (!ids.length) return [];
  const documented = API_SLUGS.flatMap((slug) => collectExamples(slug, dereferencedBundle(slug))).filter((e) => e.kind === 'response' && Number(e.status) >= 400);
  const unknown = ids.filter((id) => !documented.some((e) => e.id === id));
  if (unknown.length) throw new ProfileError(`fuzz.documentedRefusals names no documented error: ${unknown.join(', ')} (ids are slug/operationId/status/example)`);
  return documented.filter((e) => ids.includes(e.id));
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzRun> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const { seed, maxExamples } = options;
  const shrinkBudget = options.shrinkBudget ?? 100;
  const selected = OPERATIONS.filter((o) => !options.apis || options.apis.includes(o.slug));
  const refusals = acceptedRefusals(options.profile);
  const sender = createSender({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 10_000, maxSockets: 1 });
  // On the reference sandbox, a fresh Direct Match key registered for the run, as the conformance runner does.
  const profile = await withRunKey(options.profile, async (r) => (await sender.send(r)).response)
    .catch((error: Error) => { sender.close(); throw new ProfileError(error.message); });
  const redactor = new Redactor(options.secrets ?? []);
  const memory = new FlowMemory();
  const requests = new Map<OperationId, RequestCounts>(OPERATIONS.map((o) => [o.operationId, { positive: 0, negative: 0, auth: 0, stateful: 0, shrinking: 0, total: 0 }]));
  const discarded = new Map<OperationId, number>();
  const kept = new Map<string, Kept>();
  const exercised = new Map<OperationId, Set<FuzzCheck>>();
  const skipped = new Map<string, string>();
  const exercise = (op: OperationId, check: FuzzCheck) => (exercised.get(op) ?? exercised.set(op, new Set()).get(op)!).add(check);
  const skip = (op: OperationId, check: FuzzCheck, reason: string) => { if (!skipped.has(`${op} ${check}`)) skipped.set(`${op} ${check}`, reason); };
  const notes: string[] = [];
  // The code flows of the revocable subscriber's session are for another end-user than the profile's subject.
  let otherSession = false;
  const { userInfoSubject: _subject, ...profileWithoutSubject } = profile;

  // One request at a time, paced.
  const interval = options.rate ? 1000 / options.rate : 0;
  let nextSlot = 0;
  let phase: Phase = 'positive';
  let shrinking = false;
  const foreignSeen: boolean[] = [];

  async function send(request: HttpRequest, op: OperationId | undefined): Promise<RecordedExchange> {
    if (interval) {
      const now = performance.now();
      const wait = nextSlot - now;
      nextSlot = Math.max(now, nextSlot) + interval;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (op) {
      const counts = requests.get(op)!;
      counts[phase]++;
      counts.total++;
      if (shrinking) counts.shrinking++;
    }
    let recorded: RecordedExchange;
    try {
      const exchange = await sender.send(request);
      redactor.learn(exchange);
      memory.learn(exchange);
      recorded = exchange;
      if (foreignSeen.length < 5) {
        foreignSeen.push(looksForeign(exchange.request, exchange.response));
        if (foreignSeen.length === 5 && foreignSeen.every(Boolean)) {
          throw new ForeignTargetError(`${options.baseUrl} does not serve the Orange identity APIs: its first 5 responses were not what any of them documents; is --target the base URL, without a path?`);
        }
      }
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      recorded = { request: error.request, error: error.message };
    }
    options.onExchange?.(recorded, op, phase);
    return recorded;
  }

  /** The fuzz failures of a response (or of no response), given what the request expected. */
  function judge(op: OperationId, recorded: RecordedExchange, expectation: Expectation): Found[] {
    const found: Found[] = [];
    const add = (check: FuzzCheck, key: string, f: Failure) => found.push({ operationId: op, check, key: `${op}|${check}|${key}`, failure: f });
    if (!recorded.response) {
      add('not_a_server_error', 'no response', failure('not_a_server_error', 'a complete response', `no response: ${recorded.error}`));
      return found;
    }
    const exchange = recorded as Exchange;
    const response = exchange.response;
    for (const check of ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance'] as const) exercise(op, check);
    if (response.status >= 500) add('not_a_server_error', String(response.status), failure('not_a_server_error', 'no 5xx', briefly(response)));
    for (const f of checkResponse(op, response, checkContext(otherSession ? profileWithoutSubject : profile, memory, exchange.request)).failures) {
      const group = GROUP[f.check];
      if (group) add(group, `${f.check}|${where(f.at)}${f.check === 'status' ? `|${response.status}` : ''}`, f);
    }
    const refused = isRefusal(response);
    if (expectation.kind === 'refuse') {
      exercise(op, expectation.check);
      if (!refused && response.status < 500) {
        add(expectation.check, expectation.what, failure(expectation.check, `a refusal (4xx, or a redirect with error) of ${expectation.what}`, `accepted: ${briefly(response)}`));
      }
    } else {
      exercise(op, 'positive_data_acceptance');
      if (refused && response.status < 500) {
        let body: unknown;
        try {
          body = JSON.parse(response.text);
        } catch { /* not JSON */ }
        const documented = refusals.some((e) => e.operationId === op && e.status === String(response.status) && matchesDocumentedError(e, body));
        if (!documented) add('positive_data_acceptance', String(response.status), failure('positive_data_acceptance', 'a valid request accepted (2xx, or a redirect without error)', `refused: ${briefly(response)}`));
      }
    }
    return found;
  }

  /** Keeps a failure: the first seen, or the shrunk one. */
  function keep(found: Found, exchange: RecordedExchange, replace = false) {
    if (!replace && kept.has(found.key)) return;
    kept.set(found.key, { operationId: found.operationId, check: found.check, failure: { ...found.failure, ...(exchange.label ? { step: exchange.label } : {}) }, exchange });
  }

  /** Sends a request, judges its response, and keeps each failure the first time it is seen. */
  async function sendAndJudge(op: OperationId, request: HttpRequest, expectation: Expectation, label: string): Promise<Outcome> {
    const recorded = { ...(await send(request, op)), label };
    const found = judge(op, recorded, expectation);
    for (const f of found) keep(f, recorded);
    return { found, exchange: recorded };
  }

  // What plans ask of the run: profile values, steps for state the target holds, keys.
  let stepCount = 0;
  let refreshToken: Promise<string> | undefined;
  let dmToken: Promise<string> | undefined;
  let otherKey: KeyObject | undefined;
  const profileKey = profile.directMatch?.privateJwk ? privateKeyOf(profile.directMatch.privateJwk) : undefined;

  /** A step another request needs: checked as a valid request of its own operation. */
  async function step(op: OperationId, request: HttpRequest): Promise<Exchange> {
    const label = `step ${++stepCount}: ${request.method} ${request.path}`;
    const outcome = await sendAndJudge(op, request, { kind: 'accept' }, label);
    if (!outcome.exchange?.response) throw new StepError(`${label}: no response`);
    return outcome.exchange as Exchange;
  }

  async function authorizationCode(scope: string): Promise<string> {
    const auth = profile.authentication!;
    const n = ++stepCount;
    const exchange = await step('authorize', {
      method: 'GET', path: pathOf('authorize'), headers: { Cookie: auth.session!.cookie },
      query: { response_type: 'code', client_id: auth.clientId, scope, redirect_uri: auth.redirectUri, state: `fuzz-state-${n}`, nonce: `fuzz-nonce-${n}` },
    });
    let code: string | null = null;
    try {
      code = new URL(exchange.response.headers.get('location') ?? '').searchParams.get('code');
    } catch { /* no redirect */ }
    if (!code) throw new StepError(`authorize with the profile's session gave HTTP ${exchange.response.status} without a code`);
    return code;
  }

  const basic = () => basicAuthorization(profile.authentication!.clientId, profile.authentication!.clientSecret!);
  const json = (exchange: Exchange): Record<string, unknown> => {
    try {
      return JSON.parse(exchange.response.text) as Record<string, unknown>;
    } catch {
      return {};
    }
  };

  const ctx: PlanContext = {
    profile,
    code: () => authorizationCode('openid'),
    refreshToken: () => (refreshToken ??= (async () => {
      const code = await authorizationCode(['openid', ...authorizationScopes()].join(' '));
      const exchange = await step('exchangeAuthorizationCode', {
        method: 'POST', path: pathOf('exchangeAuthorizationCode'), headers: { Authorization: basic() },
        form: { grant_type: 'authorization_code', code, redirect_uri: profile.authentication!.redirectUri },
      });
      const token = json(exchange).refresh_token;
      if (typeof token !== 'string') throw new StepError('the code exchange issued no refresh token');
      return token;
    })()),
    directMatchToken: () => (dmToken ??= (async () => {
      const dm = profile.directMatch!;
      const now = ctx.now();
      const assertion = signJws({
        header: { alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid: dm.privateJwk!.kid },
        payload: { iss: dm.clientId, client_id: dm.clientId, sub: dm.subjects!.known.msisdn, sub_type: ASSERTION_SUB_TYPE, scope: dm.scope, aud: ASSERTION_AUDIENCE, jti: `fuzz-jti-${++stepCount}`, iat: now, exp: now + 3600 },
      }, ctx.signing());
      const exchange = await step('requestJwtBearerToken', { method: 'POST', path: pathOf('requestJwtBearerToken'), form: { grant_type: JWT_BEARER_GRANT_TYPE, assertion } });
      const token = json(exchange).access_token;
      if (typeof token !== 'string') throw new StepError(`the JWT bearer token request gave HTTP ${exchange.response.status} without an access token`);
      return token;
    })()),
    now: () => Math.floor(Date.now() / 1000),
    signing(mode = 'key'): Signing {
      if (mode === 'other-key') otherKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      return { mode, ...(profileKey ? { key: profileKey } : {}), ...(otherKey ? { otherKey } : {}) };
    },
  };

  /** Per operation (and mode): the shape, plan, providers and arbitraries, built once. */
  const setups = new Map<string, ReturnType<typeof makeSetup>>();
  const setup = (op: Operation, stateful = false) => {
    const key = `${op.operationId} ${stateful}`;
    return setups.get(key) ?? setups.set(key, makeSetup(op, stateful)).get(key)!;
  };
  function makeSetup(op: Operation, stateful: boolean) {
    const shape = requestShape(op.operationId);
    const plan = PLANS[op.operationId];
    const bound = plan.bound?.(ctx) ?? {};
    const override = new Map(Object.entries(plan.override?.(profile, stateful) ?? {}));
    const generate = { bound: Object.keys(bound).map((k) => k.split('/')), override };
    return {
      shape, plan, generate, stateful,
      providers: new Map(Object.entries(bound)),
      arbitrary: valid(shape.schema, generate) as fc.Arbitrary<RequestValue>,
    };
  }

  /** A valid request's HTTP form: adjusted, broken (negative), bound, with credentials, signed. */
  async function build(s: ReturnType<typeof makeSetup>, value: RequestValue, change: { violation?: Violation; extras?: RequestExtras; variant?: AuthVariant; members?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<HttpRequest> {
    let v = s.plan.adjust ? s.plan.adjust(value, s.stateful) : value;
    for (const [path, member] of Object.entries(change.members ?? {})) v = setAt(v, path.split('/'), member) as RequestValue;
    for (const [path, member] of Object.entries(change.variant?.members ?? {})) v = setAt(v, path.split('/'), member(ctx)) as RequestValue;
    if (change.violation) v = applyViolation(v, change.violation) as RequestValue;
    v = await fillBound(v, s.providers);
    const headers: Record<string, string> = { ...(change.headers?.Authorization ? {} : await s.plan.credentials?.(ctx)), ...change.headers };
    for (const [name, value] of Object.entries(change.variant?.headers ?? {})) {
      if (value === null) delete headers[name];
      else headers[name] = value;
    }
    const signing = ctx.signing(change.variant?.signing ?? s.plan.signing ?? 'key');
    return toHttpRequest(s.shape, v, { ...change.extras, headers, signing });
  }

  /** Failures already shrunk in the run: another phase that meets one again does not shrink it again. */
  const known = new Set<string>();

  /**
   * Runs one phase of one operation through fast-check: every example is sent and judged; the first failure not
   * seen before stops the run, fast-check shrinks it (each candidate sent, kept when it fails the same way),
   * and the run starts again after it, skipping (without sending) the examples already judged.
   */
  async function explore<T>(op: OperationId, arb: fc.Arbitrary<T>, examples: T[], attempt: (value: T, label: string) => Promise<Outcome>) {
    const judged = new Map<string, number>();
    const firsts = examples.slice(0, maxExamples);
    let resumeAfter = -1;
    for (;;) {
      let index = -1;
      let current: string | undefined;
      let failIndex = -1;
      let spent = 0;
      let best: { found: Found; exchange: RecordedExchange } | undefined;
      let error: unknown;
      const details = await fc.check(fc.asyncProperty(arb, async (value) => {
        try {
          if (current === undefined) {
            index++;
            const id = JSON.stringify(value);
            const first = judged.get(id);
            if (index <= resumeAfter || (first !== undefined && first < index)) return true;
            judged.set(id, index);
            const outcome = await attempt(value, `${phase} example ${index + 1}`);
            if (outcome.discarded) {
              discarded.set(op, (discarded.get(op) ?? 0) + 1);
              return true;
            }
            // A coverage value has no generation context to shrink from: its failure is kept as found, and the
            // first generated example that fails the same way is shrunk instead.
            if (index < firsts.length) return true;
            const fresh = outcome.found.find((f) => !known.has(f.key));
            if (!fresh) return true;
            current = fresh.key;
            failIndex = index;
            best = { found: fresh, exchange: outcome.exchange! };
            shrinking = true;
            return false;
          }
          // A request that got no response may have waited for the whole timeout: a few candidates only.
          if (spent >= (current.endsWith('|no response') ? Math.min(shrinkBudget, NO_RESPONSE_SHRINKS) : shrinkBudget)) return true;
          spent++;
          const outcome = await attempt(value, `${phase} example ${failIndex + 1}, shrunk`);
          const same = outcome.found.find((f) => f.key === current);
          if (!same) return true;
          best = { found: same, exchange: outcome.exchange! };
          return false;
        } catch (e) {
          if (e instanceof StepError) return true;
          error ??= e;
          return true;
        }
      }), { seed, numRuns: maxExamples, examples: firsts.map((e) => [e] as [T]) });
      shrinking = false;
      if (error) throw error;
      if (!details.failed) return;
      if (current === undefined) throw details.errorInstance ?? new Error(`fast-check failed on ${op}`);
      known.add(current);
      keep(best!.found, { ...best!.exchange, label: `${best!.exchange.label}${spent ? ` (${spent} shrinking requests)` : ''}` }, true);
      resumeAfter = failIndex - 1;
    }
  }

  const opsWithPlan = selected.filter((op) => {
    const missing = PLANS[op.operationId].requires?.(profile);
    if (missing) for (const check of ['positive_data_acceptance', 'negative_data_rejection', 'ignored_auth', 'use_after_free'] as const) skip(op.operationId, check, missing);
    return !missing;
  });

  try {
    for (const op of opsWithPlan) {
      const id = op.operationId;
      const s = setup(op);
      const covered = coverage(s.shape.schema, s.generate) as RequestValue[];
      const report = () => options.onProgress?.({ operationId: id, phase, requests: requests.get(id)![phase] });

      phase = 'positive';
      await explore(id, s.arbitrary, covered, async (value, label) => {
        const request = await build(s, value);
        if (checkRequest(wireRequest(options.baseUrl, request)).failures.length) return { found: [], discarded: true };
        return sendAndJudge(id, request, { kind: 'accept' }, label);
      });
      report();

      phase = 'negative';
      const broken: fc.Arbitrary<{ violation?: Violation; extras?: RequestExtras; what: string }>[] = violations(s.shape.schema, s.generate).filter(requestViolation).map((a) => a.map((violation) => ({ violation, what: violationText(violation) })));
      if (s.shape.mediaType) {
        broken.push(fc.constant({ extras: { contentType: s.shape.mediaType === 'application/json' ? 'text/plain' : 'application/json' }, what: 'a body of another media type than the documented one' }));
        if (s.shape.mediaType === 'application/json') broken.push(fc.constantFrom('{', '{"a":', '[1,]', "{'a':1}").map((raw) => ({ extras: { rawBody: raw }, what: 'a body that is not JSON' })));
      }
      if (broken.length) {
        // One of each violation first, on the minimal valid request, the members' presence first.
        const firsts = broken.map((a) => fc.sample(a, { seed, numRuns: 1 })[0]!).sort((a, b) => rank(a) - rank(b)).map((b) => [covered[0]!, b] as [RequestValue, typeof b]);
        await explore(id, fc.tuple(s.arbitrary, fc.oneof(...broken)), firsts, async ([value, b], label) => {
          const request = await build(s, value, { ...(b.violation ? { violation: b.violation } : {}), ...(b.extras ? { extras: b.extras } : {}) });
          if (!checkRequest(wireRequest(options.baseUrl, request)).failures.some((f) => f.check !== 'credentials')) return { found: [], discarded: true };
          return sendAndJudge(id, request, { kind: 'refuse', check: 'negative_data_rejection', what: b.what }, label);
        });
      } else skip(id, 'negative_data_rejection', 'the operation takes no parameter or body to break');
      report();

      phase = 'auth';
      const variants = s.plan.auth?.(ctx) ?? [];
      if (variants.length) {
        await explore(id, fc.tuple(s.arbitrary, fc.integer({ min: 0, max: variants.length - 1 })), variants.map((_, i) => [covered[0]!, i] as [RequestValue, number]), async ([value, i], label) => {
          const variant = variants[i]!;
          return sendAndJudge(id, await build(s, value, { variant }), { kind: 'refuse', check: 'ignored_auth', what: `a request with ${variant.name}` }, label);
        });
      } else skip(id, 'ignored_auth', 'the operation takes no credentials');
      report();
    }

    phase = 'stateful';
    await stateful();
  } finally {
    sender.close();
  }

  async function stateful() {
    const targets = new Set(LINKS.map((l) => l.to));
    // Steps of a chain may be operations outside --api: they are sent (and checked) to reach the selected ones.
    const ready = new Set(OPERATIONS.filter((o) => !PLANS[o.operationId].requires?.(profile)).map((o) => o.operationId));
    const roots = OPERATIONS.filter((o) => ready.has(o.operationId) && LINKS.some((l) => l.from === o.operationId) && !targets.has(o.operationId));
    const reaches = (from: OperationId, seen = new Set<OperationId>()): OperationId[] =>
      seen.has(from) ? [] : (seen.add(from), [from, ...LINKS.filter((l) => l.from === from).flatMap((l) => reaches(l.to, seen))]);
    const isSelected = (id: OperationId) => selected.some((o) => o.operationId === id);
    const chains = roots.filter((root) => reaches(root.operationId).some(isSelected));
    const samples = new Map<OperationId, RequestValue[]>();
    const sampleOf = (op: OperationId, i: number): RequestValue => {
      let list = samples.get(op);
      if (!list) samples.set(op, (list = fc.sample(setup(operationEntry(op), true).arbitrary, { seed: seed + OPERATIONS.findIndex((o) => o.operationId === op) * 7919, numRuns: maxExamples })));
      return list[i % list.length]!;
    };
    interface Linked { link: Link; request: HttpRequest; expiresIn?: number }
    const singleUse: Linked[] = [];
    const expiring: Linked[] = [];

    async function sequence(root: Operation, i: number, cookie?: string, name = `stateful sequence ${i + 1}`): Promise<Linked[]> {
      const linked: Linked[] = [];
      const s = setup(root, true);
      let value = sampleOf(root.operationId, i);
      let verifier: string | undefined;
      const challenge = value.query?.code_challenge;
      if (typeof challenge === 'string') {
        // RFC 7636 section 4.2: the challenge of a verifier the exchange then sends.
        verifier = createHash('sha256').update(`verifier:${challenge}`).digest('base64url');
        value = { ...value, query: { ...value.query, code_challenge: createHash('sha256').update(verifier).digest('base64url') } };
      }
      let n = 0;
      const label = () => `${name}, request ${++n}`;
      try {
        const first = await sendAndJudge(root.operationId, await build(s, value, cookie ? { headers: { Cookie: cookie } } : {}), { kind: 'accept' }, `${label()}: ${root.operationId}`);
        const follow = async (from: OperationId, exchange: Exchange, chain: OperationId[]) => {
          for (const link of linksFrom(from, exchange.response.status)) {
            if (chain.includes(link.to) || !ready.has(link.to) || !reaches(link.to).some(isSelected)) continue;
            const values = linkedValues(link, exchange);
            if (values.incomplete) continue;
            const t = setup(operationEntry(link.to), true);
            const members: Record<string, unknown> = { ...values.members };
            if (link.to === 'exchangeAuthorizationCode') members['body/code_verifier'] = verifier;
            const request = await build(t, sampleOf(link.to, i), { members, headers: values.headers });
            const outcome = await sendAndJudge(link.to, request, { kind: 'accept' }, `${label()}: ${link.name}`);
            const entry: Linked = { link, request, ...(values.expiresIn !== undefined ? { expiresIn: values.expiresIn } : {}) };
            linked.push(entry);
            if (!outcome.exchange?.response || isRefusal(outcome.exchange.response)) continue;
            if (link.singleUse.length) singleUse.push(entry);
            if (entry.expiresIn !== undefined) expiring.push(entry);
            await follow(link.to, outcome.exchange as Exchange, [...chain, link.to]);
          }
        };
        if (first.exchange?.response && !isRefusal(first.exchange.response)) await follow(root.operationId, first.exchange as Exchange, [root.operationId]);
        for (const entry of linked.filter((l) => l.link.singleUse.length)) {
          await replay(entry, `${label()}: ${entry.link.name} again`, `the same ${entry.link.singleUse.join(', ')} again (${entry.link.name}: single use)`);
        }
      } catch (e) {
        if (!(e instanceof StepError)) throw e;
      }
      return linked;
    }

    async function replay(entry: Linked, label: string, what: string) {
      await sendAndJudge(entry.link.to, entry.request, { kind: 'refuse', check: 'use_after_free', what }, label);
    }

    for (let i = 0; i < maxExamples; i++) for (const root of chains) await sequence(root, i);

    const control = options.control;
    // Expiry: the target's clock moves past the longest lifetime a link gave; every expiring request is refused.
    const longest = Math.max(0, ...expiring.map((e) => e.expiresIn!));
    if (expiring.length && (await control?.advanceClock?.(longest + 1))) {
      try {
        for (const entry of expiring.slice(0, maxExamples * 4)) await replay(entry, `after the clock moved ${longest + 1} s: ${entry.link.name} again`, `an access token ${longest + 1} s after it was issued, past its expires_in of ${entry.expiresIn} s (${entry.link.name})`);
      } finally {
        await control!.advanceClock!(-(longest + 1));
      }
    } else if (expiring.length) {
      const reason = 'the target has no clock to move (the sandbox admin API): expiry is not checked';
      notes.push(`${[...new Set(expiring.map((e) => e.link.to))].join(', ')}: ${reason}`);
      for (const e of expiring) skip(e.link.to, 'use_after_free', reason);
    }

    // Revocation: a subscriber of its own, so that the profile's tokens keep working.
    const subscriber = profile.fuzz?.revocableSubscriber;
    const authorize = chains.find((o) => o.operationId === 'authorize');
    const cookie = subscriber && authorize ? await control?.openSession?.(subscriber) : undefined;
    if (cookie && authorize) {
      redactor.add(cookie);
      otherSession = true;
      const before = (await sequence(authorize, 0, cookie, 'revocation sequence')).filter((l) => !l.link.singleUse.length);
      if (before.length && (await control!.revokeConsent!(subscriber!))) {
        for (const entry of before) await replay(entry, `after the consent was revoked: ${entry.link.name} again`, `a token whose consent was revoked (${entry.link.name})`);
        await sequence(authorize, 1, cookie, 'new consent sequence');
        for (const entry of before) await replay(entry, `after a new consent: ${entry.link.name} with the revoked token`, `a token whose consent was revoked, after the end-user consented again (${entry.link.name})`);
      }
      otherSession = false;
    } else if (authorize) {
      const reason = subscriber ? 'the target cannot open sessions and revoke consent (the sandbox admin API): revocation is not checked' : 'the profile names no fuzz.revocableSubscriber: revocation is not checked';
      const revocable = LINKS.filter((l) => l.from !== 'authorize' && reaches('authorize').includes(l.to)).map((l) => l.to);
      notes.push(`${[...new Set(revocable)].join(', ')}: ${reason}`);
      for (const op of revocable) skip(op, 'use_after_free', reason);
    }
    // What was refused stays refused at the end of the run.
    for (const entry of singleUse.slice(0, 3)) await replay(entry, `at the end of the run: ${entry.link.name} again`, `the same ${entry.link.singleUse.join(', ')} at the end of the run (${entry.link.name}: single use)`);
    for (const op of selected) if (!exercised.get(op.operationId)?.has('use_after_free')) skip(op.operationId, 'use_after_free', 'no link of the contract gives this operation a single-use or expiring value');
  }

  const entries: FuzzEntry[] = [];
  const reported = [...selected, ...OPERATIONS.filter((o) => !selected.includes(o) && [...kept.values()].some((k) => k.operationId === o.operationId))];
  for (const op of reported) {
    for (const check of FUZZ_CHECKS) {
      const mine = [...kept.values()].filter((k) => k.operationId === op.operationId && k.check === check);
      const ran = exercised.get(op.operationId)?.has(check) || mine.length > 0;
      const reason = skipped.get(`${op.operationId} ${check}`) ?? 'no request of the run reached it';
      entries.push({
        suite: op.slug, group: op.operationId, name: `${op.operationId} ${check}`, operationId: op.operationId, check,
        outcome: mine.length ? 'failed' : ran ? 'passed' : 'skipped', ...(ran ? {} : { reason }),
        failures: mine.map((k) => k.failure), ms: mine.reduce((sum, k) => sum + (k.exchange.ms ?? 0), 0), exchanges: mine.map((k) => k.exchange),
      });
    }
  }
  return {
    title: 'fuzz', target: options.baseUrl, profile: options.profileLabel ?? profile.name, startedAt, ms: Math.round(performance.now() - started),
    entries, redactor, seed, maxExamples, ...(options.rate ? { rate: options.rate } : {}), shrinkBudget, requests, discarded, notes,
  };
}
