/**
 * The verdict on one recorded exchange, the same live (the validating proxy) and offline (`orange-identity
 * validate` on a HAR): the proxy judges each exchange as it records it, from the redacted HAR entry, so that a
 * recording checked later gives the same verdicts by construction.
 *
 * Each exchange is matched to its operation with the contract's operation table; its request gets the request
 * checks (parameters, body, content type, credentials present), its response the conformance suite's
 * operation-level checks (status, content type, headers, body schema, strict members, documented error values,
 * id_token claims) with what the flow so far tells (the client, nonce and scope of the authorization request, the
 * end-user of an access token: a `FlowMemory` fed every exchange in order). Traffic the contract does not have (a path or a method) is its own
 * finding: skipped, with why, unless requests are judged. An exchange that got no response from the upstream
 * fails the `request` check.
 *
 * What redaction hides is handled so: a JWT placeholder is put back as a surrogate JWS built from the decoded
 * header and claims the recording kept (its signature is not checked: the proxy holds no client secret), and the
 * checks are told which other values are placeholders (their string shape is not judged, a credential counts as
 * present). Failures name placeholders, never surrogates.
 *
 * `--fail-on` says what counts: `response` (the default: is the upstream what the contract says?), `request` (is
 * the client?), or `any`. Findings that do not count are noted on the entry, not failed.
 *
 * Entry points: `Judge` (`judge(entry, seq)` → `ExchangeVerdict`), `FAIL_ON`, `FailOn`, `verdictLine(v)`,
 * `operationSummary(verdicts)`, `violations(verdicts)`.
 */
import { isUtf8 } from 'node:buffer';
import { ASSERTION_AUDIENCE } from 'orange-identity-client/auth/jwt-bearer';
import { ORANGE_OIDC_ISSUER } from 'orange-identity-client/auth/oidc';
import { matchOperation, type OperationId } from '../../src/contract/operations.js';
import { failure, type Failure } from '../failures.js';
import { FlowMemory } from '../flow.js';
import type { RecordedEntry } from '../har.js';
import { HeaderList, type Exchange, type HttpResponse } from '../http.js';
import { checkRequest, checkResponse, whyNoOperation } from '../operation-checks.js';
import { PLACEHOLDERS, isPlaceholder, type RecordedExchange, type RedactedJws, type ReportEntry } from '../report/index.js';

export const FAIL_ON = ['response', 'request', 'any'] as const;
export type FailOn = (typeof FAIL_ON)[number];

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

export class Judge {
  private readonly memory = new FlowMemory();
  private readonly failOn: FailOn;
  private readonly issuer: string;

  constructor(options: JudgeOptions = {}) {
    this.failOn = options.failOn ?? 'response';
    this.issuer = options.issuer ?? ORANGE_OIDC_ISSUER;
  }

  /** The verdict on one recorded exchange; exchanges come in the order they ended (the HAR's). */
  judge(entry: RecordedEntry, seq: number): ExchangeVerdict {
    const recorded = entry.exchange;
    const { method } = recorded.request;
    const path = new URL(recorded.request.url).pathname;
    const match = matchOperation(method, path);
    const operationId = match.kind === 'operation' ? match.operation.operationId : undefined;
    const verdict = (outcome: ExchangeVerdict['outcome'], found: { request?: Failure[]; response?: Failure[]; reason?: string } = {}): ExchangeVerdict => {
      const requestFindings = (found.request ?? []).map((f) => ({ ...f, step: 'request' }));
      const responseFindings = found.response ?? [];
      const counts = (side: 'request' | 'response') => this.failOn === 'any' || this.failOn === side;
      const failures = [...(counts('request') ? requestFindings : []), ...(counts('response') ? responseFindings : [])];
      // A skipped exchange says why in its reason; its findings are not noted twice.
      const notes = failures.length || outcome !== 'skipped' ? [...(counts('request') ? [] : requestFindings), ...(counts('response') ? [] : responseFindings)] : [];
      return {
        suite: match.kind === 'operation' ? match.operation.slug : match.kind === 'unmatched' ? 'unmatched' : match.slug,
        name: `#${seq} ${method} ${path}`, group: operationId ?? 'unmatched',
        outcome: failures.length ? 'failed' : outcome, failures, ...(notes.length ? { notes } : {}), ...(found.reason ? { reason: found.reason } : {}),
        ms: recorded.ms, exchanges: [recorded],
        seq, ...(operationId ? { operationId } : {}), method, path, ...(recorded.response ? { status: recorded.response.status } : {}),
      };
    };
    if (entry.aborted) return verdict('skipped', { reason: 'the client went away before the exchange ended: not checked' });
    if (entry.unrecorded) return verdict('skipped', { reason: `the ${entry.unrecorded} body went past the recording limit: not checked` });

    if (match.kind !== 'operation') {
      const why = whyNoOperation(match, method);
      // Counted when requests are judged; otherwise skipped with why (never passed).
      return verdict('skipped', { request: [failure('operation', 'a documented operation', `${method} ${path}: ${why}`)], reason: `not an operation of the contract: ${why}` });
    }
    const { exchange, back } = restore(recorded, entry.jwts);
    const now = Math.floor((entry.startedAt.getTime() + recorded.ms) / 1000);
    const request = checkRequest(exchange.request, { jwt: { now }, redacted: isPlaceholder }).failures.map(back);
    if (!exchange.response) return verdict('passed', { request, response: [failure('request', 'a response from the upstream', exchange.error ?? 'none')] });
    const facts = this.memory.contextFor(exchange.request);
    const response = checkResponse(match.operation.operationId, exchange.response, {
      jwt: { issuer: this.issuer, now, ...(facts.clientId ? { audience: facts.clientId } : {}), ...(facts.nonce ? { nonce: facts.nonce } : {}) },
      ...(facts.scope ? { scope: facts.scope } : {}),
      ...(facts.subject ? { subject: facts.subject } : {}),
      assertionAudience: ASSERTION_AUDIENCE,
      redacted: isPlaceholder,
    }).failures.map(back);
    this.memory.learn(exchange as Exchange);
    return verdict('passed', { request, response });
  }
}

/** The exchanges that violated the contract (under the judge's `--fail-on`). */
export const violations = (verdicts: readonly ExchangeVerdict[]): ExchangeVerdict[] => verdicts.filter((v) => v.outcome === 'failed');

const checksOf = (failures: readonly Failure[]) => [...new Set(failures.map((f) => f.check))].join(', ');

/** One line for an exchange: number, method, path, status, operation, then ok or the failed checks. */
export function verdictLine(v: ExchangeVerdict): string {
  const status = v.status ?? 'no response';
  const notes = v.notes?.length ? `; noted: ${checksOf(v.notes)}` : '';
  const outcome = v.outcome === 'failed' ? `FAILED ${checksOf(v.failures)}` : v.outcome === 'skipped' ? `skipped (${v.reason})` : 'ok';
  return `${v.name} → ${status} ${v.group}: ${outcome}${notes} (${v.ms} ms)`;
}

interface OperationTally { exchanges: number; ok: number; violations: number; skipped: number; noted: number }

/** A table per operation (unmatched traffic apart): exchanges, ok, violations, skipped, and exchanges with notes. */
export function operationSummary(verdicts: readonly ExchangeVerdict[]): string {
  const rows = new Map<string, OperationTally>([['total', { exchanges: 0, ok: 0, violations: 0, skipped: 0, noted: 0 }]]);
  const add = (key: string, v: ExchangeVerdict) => {
    const t = rows.get(key) ?? { exchanges: 0, ok: 0, violations: 0, skipped: 0, noted: 0 };
    t.exchanges++;
    if (v.outcome === 'failed') t.violations++;
    else if (v.outcome === 'skipped') t.skipped++;
    else t.ok++;
    if (v.notes?.length) t.noted++;
    rows.set(key, t);
  };
  for (const v of verdicts) add(v.group, v);
  for (const v of verdicts) add('total', v);
  const width = Math.max('operation'.length, ...[...rows.keys()].map((k) => k.length));
  const columns = ['exchanges', 'ok', 'violations', 'skipped', 'noted'] as const;
  const line = (label: string, cells: (string | number)[]) => `${label.padEnd(width)}  ${cells.map((c, i) => String(c).padStart(columns[i]!.length)).join('  ')}`;
  const order = [...rows.keys()].filter((k) => k !== 'unmatched' && k !== 'total').sort();
  return [line('operation', [...columns]), ...[...order, 'unmatched', 'total'].filter((k) => rows.has(k)).map((k) => line(k, columns.map((c) => rows.get(k)![c])))].join('\n');
}
