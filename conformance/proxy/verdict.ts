/**
 * The verdict on one exchange, live (the validating proxy) and offline (`orange-identity validate` on a HAR).
 *
 * Live, the proxy judges each exchange on its raw values, as it went over the wire: redaction never feeds back
 * into checks (an odd request cannot turn a later response's `token_type` into a secret). Offline, the judge reads
 * a redacted recording: each JWT placeholder is put back as a surrogate JWS built from the decoded header and
 * claims the recording kept (its signature is not checked: the proxy holds no client secret), and the checks are
 * told which other values are placeholders (their string shape is not judged, a credential counts as present).
 * Failures name placeholders, never surrogates. The two agree on every exchange whose checks do not need what
 * the redaction hid (a test compares them exchange by exchange).
 *
 * Each exchange is matched to its operation with the contract's operation table; its request gets the request
 * checks (parameters, body, content type, credentials present), its response the conformance suite's
 * operation-level checks (status, content type, headers, body schema, strict members, documented error values,
 * id_token claims) with what the flow so far tells (the client, nonce and scope of the authorization request, the
 * end-user of an access token: a `FlowMemory` fed every exchange in order), and what the flow forbids (a code
 * redeemed twice, a `state` not echoed: `flowFailures`). A request the contract refuses (a request finding) that
 * the upstream accepts (a 2xx, or a redirect without `error`) is the upstream's deviation too:
 * `negative_data_rejection`, as Schemathesis names it. Traffic the contract does not have (a path or a method) is
 * its own finding: skipped, with why, unless requests are judged. An exchange that got no complete response from
 * the upstream fails the `request` check, saying why (refused, broke off, cut by a limit).
 *
 * `--fail-on` says what counts: `response` (the default: is the upstream what the contract says?), `request` (is
 * the client?), or `any`. Findings that do not count are noted on the entry, not failed.
 *
 * Entry points: `Judge` (`judge(input, seq)` → `ExchangeVerdict`, `learn(input)`), `judged(observed)` and
 * `recorded(entry)` (the two kinds of input), `FAIL_ON`, `FailOn`, `verdictLine(v)`.
 */
import { isUtf8 } from 'node:buffer';
import { ASSERTION_AUDIENCE } from 'orange-identity-client/auth/jwt-bearer';
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { matchOperation, type OperationId } from '../../src/contract/operations.js';
import { failure, type Failure } from '../failures.js';
import { FlowMemory, flowFailures, isRefusal } from '../flow.js';
import type { ObservedExchange, RecordedEntry } from '../har.js';
import { HeaderList, type Exchange, type HttpResponse } from '../http.js';
import { checkRequest, checkResponse, whyNoOperation } from '../operation-checks.js';
import { PLACEHOLDERS, isPlaceholder, type RecordedExchange, type RedactedJws, type ReportEntry } from '../report/index.js';
import type { FailOn } from './limits.js';


export interface ExchangeVerdict extends ReportEntry {
  /** The exchange's number, from 1, in the order the exchanges ended. */
  seq: number;
  /** The operationId, or `unmatched`. */
  group: string;
  operationId?: OperationId;
  method: string;
  path: string;
  /** The upstream's status; undefined when no response came. */
  status?: number;
  /** The content codings undone on the response body (`gzip`, `br`...). */
  contentCoding?: string;
  /** Recorded, not judged (the judge was behind, or the proxy was stopping). */
  unjudged?: true;
}

export interface JudgeOptions {
  /** What counts as a violation (`response` by default). */
  failOn?: FailOn;
  /** The `iss` an id_token must carry (the contract's OIDC issuer by default). */
  issuer?: string;
}

/** Stands for the signature a recording dropped. */
const SIGNATURE = Buffer.from('signature not recorded').toString('base64url');
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The exchange with each JWT placeholder put back as a surrogate JWS, and a function that maps failures back. */
function restore(exchange: RecordedExchange, jwts: Record<string, RedactedJws>): { exchange: RecordedExchange; back: (f: Failure) => Failure } {
  const surrogates = new Map(Object.entries(jwts).map(([p, jws]) => [p, `${segment(jws.header)}.${segment(jws.payload)}.${jws.signed ? SIGNATURE : ''}`]));
  if (!surrogates.size) return { exchange, back: (f) => f };
  const put = (text: string) => text.replace(PLACEHOLDERS, (p) => surrogates.get(p) ?? p);
  const unput = (value: unknown): unknown => {
    if (typeof value === 'string') return [...surrogates].reduce((s, [p, jws]) => s.split(jws).join(p), value);
    if (Array.isArray(value)) return value.map(unput);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unput(v)]));
    return value;
  };
  const headers = (list: HeaderList) => new HeaderList(list.entries.map(([k, v]) => [k, put(v)]));
  const { request, response } = exchange;
  let restored: HttpResponse | undefined;
  if (response) {
    // A body that is not UTF-8 is kept as its bytes: its checks stop at its encoding.
    const text = isUtf8(response.bytes) ? put(response.text) : response.text;
    restored = { ...response, headers: headers(response.headers), text, bytes: text === response.text ? response.bytes : Buffer.from(text) };
  }
  return {
    exchange: { ...exchange, request: { ...request, url: put(request.url), headers: headers(request.headers), body: put(request.body) }, ...(restored ? { response: restored } : {}) },
    back: (f) => ({ ...f, expected: unput(f.expected), got: unput(f.got), ...(f.at !== undefined ? { at: unput(f.at) as string } : {}) }),
  };
}

/** What the judge takes: an exchange, when it started, and why it did not end as one should. */
export interface JudgeInput {
  exchange: RecordedExchange & { ms: number };
  startedAt: Date;
  aborted?: string;
  refused?: string;
  /** The request body (`request`) or the response body (`response`) does not decode as its Content-Encoding says. */
  decodeError?: { side: 'request' | 'response'; message: string };
  /** A redacted recording: the JWTs its placeholders stand for. Absent for raw traffic. */
  jwts?: Record<string, RedactedJws>;
}

/** A raw exchange the proxy observed, as the judge takes it. */
export function judged(observed: ObservedExchange & { decodeError?: JudgeInput['decodeError'] }): JudgeInput {
  const ms = Math.round(observed.timings.send + observed.timings.wait + observed.timings.receive);
  return {
    exchange: { request: observed.request, ...(observed.response ? { response: observed.response } : {}), ...(observed.error ? { error: observed.error } : {}), ms },
    startedAt: observed.startedAt,
    ...(observed.aborted ? { aborted: observed.aborted } : {}),
    ...(observed.refused ? { refused: observed.refused } : {}),
    ...(observed.decodeError ? { decodeError: observed.decodeError } : {}),
  };
}

/** A recorded (redacted) HAR entry, as the judge takes it. */
export const recorded = (entry: RecordedEntry): JudgeInput => ({
  exchange: entry.exchange, startedAt: entry.startedAt, jwts: entry.jwts,
  ...(entry.aborted ? { aborted: entry.aborted } : {}), ...(entry.refused ? { refused: entry.refused } : {}),
  ...(entry.decodeError ? { decodeError: { side: 'response' as const, message: entry.decodeError } } : {}),
});

type Found = { request?: Failure[]; response?: Failure[]; reason?: string };

export class Judge {
  private readonly memory: FlowMemory;
  private readonly failOn: FailOn;
  private readonly issuer: string;

  constructor(options: JudgeOptions & { flowMemory?: number } = {}) {
    this.failOn = options.failOn ?? 'response';
    this.issuer = options.issuer ?? ORANGE_OIDC_ISSUER;
    this.memory = new FlowMemory(options.flowMemory !== undefined ? { max: options.flowMemory } : {});
  }

  /** Entries the flow memory holds. */
  get retained(): number {
    return this.memory.size;
  }

  /** The verdict on one exchange; exchanges come in the order they ended. The verdict holds no exchange: the
   *  caller attaches the recorded (redacted) one when it keeps the verdict. */
  judge(input: JudgeInput, seq: number): ExchangeVerdict {
    const { request } = input.exchange;
    const path = new URL(request.url).pathname;
    const match = matchOperation(request.method, path);
    const verdict = (outcome: ExchangeVerdict['outcome'], found: Found = {}) => this.verdict(input, seq, match, outcome, found);
    if (input.aborted) return verdict('skipped', { reason: `${input.aborted}: not checked` });
    if (input.refused) return verdict('skipped', { reason: `not forwarded: ${input.refused}` });
    if (match.kind !== 'operation') {
      const why = whyNoOperation(match, request.method);
      // Counted when requests are judged; otherwise skipped with why (never passed).
      return verdict('skipped', { request: [failure('operation', 'a documented operation', `${request.method} ${path}: ${why}`)], reason: `not an operation of the contract: ${why}` });
    }
    const { exchange, back } = input.jwts ? restore(input.exchange, input.jwts) : { exchange: input.exchange, back: (f: Failure) => f };
    const redacted = input.jwts ? isPlaceholder : undefined;
    const now = Math.floor((input.startedAt.getTime() + input.exchange.ms) / 1000);
    const requestFindings = checkRequest(exchange.request, { jwt: { now }, ...(redacted ? { redacted } : {}) }).failures;
    if (input.decodeError?.side === 'request') requestFindings.push(failure('body', 'a request body that decodes as its Content-Encoding says', input.decodeError.message));
    const requestFailures = requestFindings.map(back);
    if (!exchange.response) return verdict('passed', { request: requestFailures, response: [failure('request', 'a complete response from the upstream', exchange.error ?? 'none')] });
    if (input.decodeError?.side === 'response') {
      return verdict('passed', { request: requestFailures, response: [failure('body', 'a body that decodes as its Content-Encoding says', input.decodeError.message)] });
    }
    const facts = this.memory.contextFor(exchange.request);
    const response = exchange.response;
    const responseFailures = [
      ...checkResponse(match.operation.operationId, response, {
        jwt: { issuer: this.issuer, now, ...(facts.clientId ? { audience: facts.clientId } : {}), ...(facts.nonce ? { nonce: facts.nonce } : {}) },
        ...(facts.scope ? { scope: facts.scope } : {}),
        ...(facts.subject ? { subject: facts.subject } : {}),
        assertionAudience: ASSERTION_AUDIENCE,
        ...(redacted ? { redacted } : {}),
      }).failures,
      ...flowFailures(exchange as Exchange, facts),
      ...(requestFindings.length && !isRefusal(response)
        ? [failure('negative_data_rejection', `a refusal of a request the contract says is invalid (${[...new Set(requestFindings.map((f) => f.check))].join(', ')})`, `accepted: HTTP ${response.status}`)]
        : []),
    ].map(back);
    this.memory.learn(exchange as Exchange);
    return verdict('passed', { request: requestFailures, response: responseFailures });
  }

  /** Feeds the flow memory with an exchange that is not judged (the judge was behind): later checks still know it. */
  learn(input: JudgeInput): void {
    if (!input.exchange.response || input.aborted || input.refused) return;
    const { exchange } = input.jwts ? restore(input.exchange, input.jwts) : input;
    this.memory.learn(exchange as Exchange);
  }

  private verdict(input: JudgeInput, seq: number, match: ReturnType<typeof matchOperation>, outcome: ExchangeVerdict['outcome'], found: Found): ExchangeVerdict {
    const { request, response } = input.exchange;
    const path = new URL(request.url).pathname;
    const operationId = match.kind === 'operation' ? match.operation.operationId : undefined;
    const requestFindings = (found.request ?? []).map((f) => ({ ...f, step: 'request' }));
    const responseFindings = found.response ?? [];
    const counts = (side: 'request' | 'response') => this.failOn === 'any' || this.failOn === side;
    const failures = [...(counts('request') ? requestFindings : []), ...(counts('response') ? responseFindings : [])];
    // A skipped exchange says why in its reason; its findings are not noted twice.
    const notes = failures.length || outcome !== 'skipped' ? [...(counts('request') ? [] : requestFindings), ...(counts('response') ? [] : responseFindings)] : [];
    return {
      suite: match.kind === 'operation' ? match.operation.slug : match.kind === 'unmatched' ? 'unmatched' : match.slug,
      name: `#${seq} ${request.method} ${path}`, group: operationId ?? 'unmatched',
      outcome: failures.length ? 'failed' : outcome, failures, ...(notes.length ? { notes } : {}), ...(found.reason ? { reason: found.reason } : {}),
      ms: input.exchange.ms, exchanges: [],
      seq, ...(operationId ? { operationId } : {}), method: request.method, path,
      ...(response ? { status: response.status } : {}), ...(response?.contentCoding ? { contentCoding: response.contentCoding } : {}),
    };
  }
}

/** A verdict for an exchange the judge did not judge (it was behind, or the proxy was stopping): recorded only. */
export function unjudged(input: JudgeInput, seq: number, why: string): ExchangeVerdict {
  const { request, response } = input.exchange;
  const path = new URL(request.url).pathname;
  const match = matchOperation(request.method, path);
  return {
    suite: match.kind === 'operation' ? match.operation.slug : match.kind === 'unmatched' ? 'unmatched' : match.slug,
    name: `#${seq} ${request.method} ${path}`, group: match.kind === 'operation' ? match.operation.operationId : 'unmatched',
    outcome: 'skipped', reason: `not judged: ${why}`, failures: [], ms: input.exchange.ms, exchanges: [], unjudged: true,
    seq, ...(match.kind === 'operation' ? { operationId: match.operation.operationId } : {}), method: request.method, path, ...(response ? { status: response.status } : {}),
  };
}

const checksOf = (failures: readonly Failure[]) => [...new Set(failures.map((f) => f.check))].join(', ');

/** One line for an exchange: number, method, path, status (and the content coding undone), operation, then ok
 *  or the failed checks. */
export function verdictLine(v: ExchangeVerdict): string {
  const status = `${v.status ?? 'no response'}${v.contentCoding ? ` (${v.contentCoding})` : ''}`;
  const notes = v.notes?.length ? `; noted: ${checksOf(v.notes)}` : '';
  const outcome = v.outcome === 'failed' ? `FAILED ${checksOf(v.failures)}` : v.outcome === 'skipped' ? `skipped (${v.reason})` : 'ok';
  return `${v.name} → ${status} ${v.group}: ${outcome}${notes} (${v.ms} ms)`;
}
