/**
 * What every module of the fuzzer shares: its checks and phases, its options and its run, and what a request
 * expects and finds. Imports nothing of the fuzzer back.
 */
import type { OperationId } from '../../src/contract/operations.js';
import type { CheckName, Failure } from '../failures.js';
import type { ProfiledTarget } from '../profile.js';
import type { RecordedExchange, Report, ReportEntry } from '../report/index.js';
import type { TargetControl } from './control.js';

export const FUZZ_CHECKS = [
  'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance',
  'negative_data_rejection', 'positive_data_acceptance', 'ignored_auth', 'use_after_free',
] as const satisfies readonly CheckName[];
export type FuzzCheck = (typeof FUZZ_CHECKS)[number];

export const PHASES = ['positive', 'negative', 'auth', 'stateful'] as const;
export type Phase = (typeof PHASES)[number];

/** Requests sent per operation: by phase, and how many of them were shrinking or steps for other operations. */
export type RequestCounts = Record<Phase | 'shrinking', number> & { total: number };

export interface FuzzOptions extends ProfiledTarget {
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
  /** The target as its user named it, for the reproducers (their URLs are on its origin): `baseUrl` by default. */
  reproduceAt?: string;
  /** What the report says the target is (`baseUrl` by default): an in-process sandbox says how to replay. */
  targetLabel?: string;
  /** Stops the run at the next request (Ctrl-C): the run returns what it found so far, `stopped` set. */
  signal?: AbortSignal;
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
  /** Set when the run was stopped before its end (the signal): what it reached is reported, the rest skipped. */
  stopped?: string;
}

/** What a sent request is expected to get. */
export type Expectation =
  | { kind: 'accept' }
  | { kind: 'refuse'; check: 'negative_data_rejection' | 'ignored_auth' | 'use_after_free'; what: string };

/** A failure of one request: its operation and check, and the key that says whether two are the same. */
export interface Found { operationId: OperationId; check: FuzzCheck; key: string; failure: Failure }

export interface Outcome { found: Found[]; exchange?: RecordedExchange; discarded?: boolean }

/** A failure kept for the report, with the exchange that shows it. */
export interface Kept { operationId: OperationId; check: FuzzCheck; failure: Failure; exchange: RecordedExchange }

/** A step could not get what the example needs (a code, a token): the example is dropped. */
export class StepError extends Error {}

/** The run was stopped (its signal): every phase ends at once. */
export class StopRequested extends Error {}
