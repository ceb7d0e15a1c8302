/**
 * The validating proxy's limits and its verdict's one option, as data: what the commands' help and argument checks
 * need, without loading the proxy (the forwarder, the recording thread, the judge).
 *
 * Entry points: `FORWARDER_LIMITS`, `PROXY_LIMITS`, `AGGREGATE_LIMITS` and their types, `FAIL_ON`, `FailOn`.
 */
import type { RedactionLimits } from './redaction.js';

export interface AggregateLimits {
  /** Exchanges kept in all. */
  kept: number;
  /** Exchanges kept per operation and check. */
  perCheck: number;
  /** Characters of each kept body. */
  bodyChars: number;
}

/** What an aggregate report keeps (conformance/proxy/aggregate.ts). */
export const AGGREGATE_LIMITS: Readonly<AggregateLimits> = { kept: 200, perCheck: 5, bodyChars: 64 * 1024 };

/** What makes an exchange a violation: its response (the target deviates), its request (the client does), either. */
export const FAIL_ON = ['response', 'request', 'any'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface ForwarderLimits {
  /** Time a client has to send a request's headers. */
  headersMs: number;
  /** Time a client has to send a whole request. */
  requestMs: number;
  /** Time the upstream may stay silent. */
  idleMs: number;
  /** Time the upstream's whole answer may take, head and body. */
  answerMs: number;
  /** Bytes of a request body, and of an answer body. */
  bodyBytes: number;
}

export const FORWARDER_LIMITS: Readonly<ForwarderLimits> = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000, answerMs: 120_000, bodyBytes: 8 * 1024 * 1024 };

export interface ProxyLimits extends ForwarderLimits {
  /** Exchanges waiting for the judge beyond which it skips them (recording them only). */
  judgeBacklog: number;
  /** Exchanges, and KiB of bodies, waiting to be recorded beyond which new requests wait. */
  backlog: number;
  backlogKiB: number;
  aggregate?: Partial<AggregateLimits>;
  redaction?: Partial<RedactionLimits>;
  /** Entries of each kind the flow memory keeps. */
  flowMemory?: number;
}

export const PROXY_LIMITS: Readonly<ProxyLimits> = { ...FORWARDER_LIMITS, judgeBacklog: 500, backlog: 2000, backlogKiB: 32 * 1024 };
