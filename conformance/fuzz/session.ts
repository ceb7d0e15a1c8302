/**
 * One fuzz run's shared state and its way to the target: requests are sent one at a time, at most `rate` per
 * second (the suite's RateLimit; a quota's 429 waited out as the suite does, never judged), each learned by the redactor and the flow memory, judged with the conformance suite's operation-level
 * checks grouped under the fuzz checks, and each failure kept the first time it is seen (or in place of an
 * earlier one once shrunk). The first five responses also say whether the target serves these APIs at all.
 *
 * Entry points: `new FuzzSession(options, profile, sender)`, `send`, `judge`, `sendAndJudge`, `keep`, `step`.
 */
import { collectExamples } from '../../src/contract/examples.js';
import { API_SLUGS, dereferencedBundle } from '../../src/contract/load.js';
import { OPERATIONS, type OperationId } from '../../src/contract/operations.js';
import { failure, type CheckName, type Failure } from '../failures.js';
import { FlowMemory, isRefusal } from '../flow.js';
import { RequestError, type Exchange, type HttpRequest, type HttpResponse, type Sender } from '../http.js';
import { checkResponse, matchesDocumentedError } from '../operation-checks.js';
import { ProfileError, type Profile } from '../profile.js';
import { Redactor, type RecordedExchange } from '../report/index.js';
import { RateLimit, RetriesExhausted, paced } from '../pacing.js';
import { checkContext, foreignGuard } from '../runner.js';
import { StepError, StopRequested, type Expectation, type Found, type FuzzCheck, type FuzzOptions, type Kept, type Outcome, type Phase, type RequestCounts } from './types.js';

/** The fuzz check each operation-level check of a response belongs to. */
const GROUP: Partial<Record<CheckName, FuzzCheck>> = {
  status: 'status_code_conformance',
  'content-type': 'content_type_conformance', body: 'content_type_conformance',
  header: 'response_headers_conformance', 'header-once': 'response_headers_conformance',
  schema: 'response_schema_conformance', 'undocumented-member': 'response_schema_conformance', 'error-value': 'response_schema_conformance',
  jwt: 'response_schema_conformance', scope: 'response_schema_conformance', 'cross-response': 'response_schema_conformance',
};
const RESPONSE_CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance'] as const;

/** The status and the whole body: the report writers redact it, then cut it (cutting first could leave half a
 *  token, which redaction would no longer recognise). */
const briefly = (response: HttpResponse) => `HTTP ${response.status}${response.text ? `: ${response.text}` : ''}`;
/** A member path without item indexes, so that one defect found at several items is one failure. */
const where = (at: string | undefined) => (at ?? '').replace(/\[\d+\]/g, '[*]').replace(/\/\d+(?=\/|$)/g, '/*');

/** The documented refusals the profile accepts for valid requests, as named examples. */
function acceptedRefusals(profile: Profile) {
  const ids = profile.fuzz?.documentedRefusals ?? [];
  if (!ids.length) return [];
  const documented = API_SLUGS.flatMap((slug) => collectExamples(slug, dereferencedBundle(slug))).filter((e) => e.kind === 'response' && Number(e.status) >= 400);
  const unknown = ids.filter((id) => !documented.some((e) => e.id === id));
  if (unknown.length) throw new ProfileError(`fuzz.documentedRefusals names no documented error: ${unknown.join(', ')} (ids are slug/operationId/status/example)`);
  return documented.filter((e) => ids.includes(e.id));
}

export class FuzzSession {
  readonly redactor: Redactor;
  readonly memory = new FlowMemory();
  readonly requests = new Map<OperationId, RequestCounts>(OPERATIONS.map((o) => [o.operationId, { positive: 0, negative: 0, auth: 0, stateful: 0, shrinking: 0, total: 0 }]));
  readonly discarded = new Map<OperationId, number>();
  readonly kept = new Map<string, Kept>();
  readonly exercised = new Map<OperationId, Set<FuzzCheck>>();
  readonly skipped = new Map<string, string>();
  readonly notes: string[] = [];
  /** Failures already shrunk in the run: another phase that meets one again does not shrink it again. */
  readonly known = new Set<string>();
  phase: Phase = 'positive';
  shrinking = false;
  /** The code flows of the revocable subscriber's session are for another end-user than the profile's subject. */
  otherSession = false;
  private readonly refusals: ReturnType<typeof acceptedRefusals>;
  private readonly profileWithoutSubject: Profile;
  /** The sender, paced by the run's rate, a quota's 429 waited out (never a verdict) as the suite does. */
  private readonly paced: (request: HttpRequest) => Promise<Exchange>;
  /** A target whose first five answers none of these APIs would give is not theirs (the suite's guard). */
  private readonly guardForeign: (exchange: Exchange) => void;
  private stepCount = 0;

  constructor(readonly options: FuzzOptions, readonly profile: Profile, sender: Sender) {
    this.redactor = new Redactor(options.secrets ?? []);
    this.refusals = acceptedRefusals(profile);
    const { userInfoSubject: _subject, ...withoutSubject } = profile;
    this.profileWithoutSubject = withoutSubject;
    this.paced = paced((request: HttpRequest) => sender.send(request), {
      ...(options.rate ? { rate: new RateLimit(options.rate) } : {}), retry: { statuses: [429] }, ...(options.signal ? { signal: options.signal } : {}),
    });
    this.guardForeign = foreignGuard(options.baseUrl, 5);
  }

  exercise(op: OperationId, check: FuzzCheck): void {
    (this.exercised.get(op) ?? this.exercised.set(op, new Set()).get(op)!).add(check);
  }

  skip(op: OperationId, check: FuzzCheck, reason: string): void {
    if (!this.skipped.has(`${op} ${check}`)) this.skipped.set(`${op} ${check}`, reason);
  }

  /** Throws StopRequested once the run's signal has fired. */
  checkStop(): void {
    if (this.options.signal?.aborted) throw new StopRequested('stopped');
  }

  /** `work`, unless the run is stopped first: a stop does not wait for a slow answer. */
  private untilStopped<T>(work: Promise<T>): Promise<T> {
    const signal = this.options.signal;
    if (!signal) return work;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new StopRequested('stopped'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async send(request: HttpRequest, op: OperationId | undefined): Promise<RecordedExchange> {
    this.checkStop();
    if (op) {
      const counts = this.requests.get(op)!;
      counts[this.phase]++;
      counts.total++;
      if (this.shrinking) counts.shrinking++;
    }
    let recorded: RecordedExchange;
    try {
      const exchange = await this.untilStopped(this.paced(request));
      this.redactor.learn(exchange);
      this.memory.learn(exchange);
      recorded = exchange;
      this.guardForeign(exchange);
    } catch (error) {
      if (error instanceof RetriesExhausted) {
        // A quota that a minute of waiting did not lift: nothing more can be judged.
        this.notes.push(`the target's quota: ${error.message}; the run stopped there`);
        throw new StopRequested(`the target kept answering 429 (${error.message})`);
      }
      if (this.options.signal?.aborted) throw new StopRequested('stopped');
      if (!(error instanceof RequestError)) throw error;
      recorded = { request: error.request, error: error.message };
    }
    this.options.onExchange?.(recorded, op, this.phase);
    return recorded;
  }

  /** The fuzz failures of a response (or of no response), given what the request expected. */
  judge(op: OperationId, recorded: RecordedExchange, expectation: Expectation): Found[] {
    const found: Found[] = [];
    const add = (check: FuzzCheck, key: string, f: Failure) => found.push({ operationId: op, check, key: `${op}|${check}|${key}`, failure: f });
    if (!recorded.response) {
      add('not_a_server_error', 'no response', failure('not_a_server_error', 'a complete response', `no response: ${recorded.error}`));
      return found;
    }
    const exchange = recorded as Exchange;
    const response = exchange.response;
    for (const check of RESPONSE_CHECKS) this.exercise(op, check);
    if (response.status >= 500) add('not_a_server_error', String(response.status), failure('not_a_server_error', 'no 5xx', briefly(response)));
    for (const f of checkResponse(op, response, checkContext(this.otherSession ? this.profileWithoutSubject : this.profile, this.memory, exchange.request)).failures) {
      const group = GROUP[f.check];
      if (group) add(group, `${f.check}|${where(f.at)}${f.check === 'status' ? `|${response.status}` : ''}`, f);
    }
    const refused = isRefusal(response);
    if (expectation.kind === 'refuse') {
      this.exercise(op, expectation.check);
      if (!refused && response.status < 500) {
        add(expectation.check, expectation.what, failure(expectation.check, `a refusal (4xx, or a redirect with error) of ${expectation.what}`, `accepted: ${briefly(response)}`));
      }
    } else {
      this.exercise(op, 'positive_data_acceptance');
      if (refused && response.status < 500 && !this.documentedRefusal(op, response)) {
        add('positive_data_acceptance', String(response.status), failure('positive_data_acceptance', 'a valid request accepted (2xx, or a redirect without error)', `refused: ${briefly(response)}`));
      }
    }
    return found;
  }

  /** True when a refusal is one of the documented errors the profile accepts for valid requests. */
  private documentedRefusal(op: OperationId, response: HttpResponse): boolean {
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch { /* not JSON */ }
    return this.refusals.some((e) => e.operationId === op && e.status === String(response.status) && matchesDocumentedError(e, body));
  }

  /** Keeps a failure: the first seen, or the shrunk one. */
  keep(found: Found, exchange: RecordedExchange, replace = false): void {
    if (!replace && this.kept.has(found.key)) return;
    this.kept.set(found.key, { operationId: found.operationId, check: found.check, failure: { ...found.failure, ...(exchange.label ? { step: exchange.label } : {}) }, exchange });
  }

  /** Sends a request, judges its response, and keeps each failure the first time it is seen. */
  async sendAndJudge(op: OperationId, request: HttpRequest, expectation: Expectation, label: string): Promise<Outcome> {
    const recorded = { ...(await this.send(request, op)), label };
    const found = this.judge(op, recorded, expectation);
    for (const f of found) this.keep(f, recorded);
    return { found, exchange: recorded };
  }

  /** A step another request needs: checked as a valid request of its own operation. */
  async step(op: OperationId, request: HttpRequest): Promise<Exchange> {
    const label = `step ${++this.stepCount}: ${request.method} ${request.path}`;
    const outcome = await this.sendAndJudge(op, request, { kind: 'accept' }, label);
    if (!outcome.exchange?.response) throw new StepError(`${label}: no response`);
    return outcome.exchange as Exchange;
  }

  /** A number for the values a step makes unique (state, nonce, jti). */
  nextStep(): number {
    return ++this.stepCount;
  }
}
