/**
 * Pacing for any sender of the toolkit (the conformance suite, the fuzzer, anything that sends through
 * conformance/http.ts): a rate limit shared by every request of a run whatever the concurrency, and a retry policy
 * for the answers that say "later", 429 Too Many Requests (RFC 6585 section 4, a quota) and 503 Service Unavailable
 * (RFC 9110 section 15.6.4). Their `Retry-After` (RFC 9110 section 10.2.3: seconds, or an HTTP-date) is waited out;
 * without one, the wait doubles from one retry to the next (exponential backoff, with jitter so that concurrent
 * senders do not retry in step). Every wait is bounded twice: a few retries per request, and a budget of waiting
 * per unit of work (a conformance case: a minute) that all its requests share. A wait the budget cannot afford is
 * not started: the request ends with `RetriesExhausted`, which its caller reports as "not judged", never as a
 * verdict on the target.
 *
 * Entry points:
 * - `new RateLimit(perSecond)`, `take(signal)`: at most `perSecond` request starts in any one second, in the order
 *   asked; `parseRate(text)` reads `20` or `20/s`.
 * - `retryAfterMs(value, now)`: a Retry-After value in milliseconds.
 * - `new RetryBudget(maxWaitMs)`: the waiting a unit of work may do, and the waits it did (`waits`).
 * - `paced(send, { rate, retry, signal })` → `(request, { budget, expect }) => Promise<Exchange>`: `send` (any
 *   function resolving to an Exchange) paced by `rate`, its 429/503 answers retried as `retry` says, within
 *   `budget`; an answer whose status is in `expect` (the case asks for a 503) is returned as it is.
 * - `RetriesExhausted`: the request still got 429/503 when the retries or the budget ran out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Exchange } from './http.js';

/** The fastest rate `parseRate` accepts. */
export const MAX_RATE = 10_000;

/** `20` or `20/s`: requests per second, a positive number up to MAX_RATE; an Error saying what it takes otherwise. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0 && n <= MAX_RATE)) throw new Error(`--rate takes requests per second, a number above 0 and up to ${MAX_RATE} (20 or 20/s), not '${text}'`);
  return n;
}

/** Waits `ms`; rejects with `signal`'s reason when it aborts first. */
async function wait(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/**
 * At most `perSecond` request starts in any one second, across every caller, in the order they asked: each start is
 * let go at least 1000/perSecond ms after the previous one was, so that no window of one second holds more than
 * `perSecond` of them (for a whole rate; a fraction spaces them 1/perSecond s apart). The times are the real ones,
 * taken as each start is let go: a stalled event loop never releases a burst of late starts.
 */
export class RateLimit {
  private readonly interval: number;
  private last = -Infinity;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError(`a rate limit needs a positive number of requests per second, not ${perSecond}`);
    this.interval = 1000 / perSecond;
  }

  /** Resolves when the caller may start; rejects when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.admit(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async admit(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      const due = this.last + this.interval;
      if (due <= now) {
        this.last = now;
        return;
      }
      await wait(Math.ceil(due - now), signal);
    }
  }
}

export interface RetryPolicy {
  /** The statuses that say "later" (429 and 503 by default). */
  statuses?: readonly number[];
  /** Retries of one request at most (4 by default). */
  maxRetries?: number;
  /** The first wait without Retry-After, doubled at each retry (1000 ms by default). */
  baseDelayMs?: number;
  /** A number in [0, 1) for the jitter (Math.random by default). */
  random?: () => number;
}

/** One wait before a retry, as reports note it. */
export interface RetryWait {
  /** `POST /path`. */
  request: string;
  status: number;
  /** The Retry-After value the answer gave, as it came. */
  retryAfter?: string;
  waitedMs: number;
}

/** The waiting one unit of work (a case) may do, shared by all its requests, and what it waited. */
export class RetryBudget {
  readonly waits: RetryWait[] = [];
  waitedMs = 0;

  /** `maxWaitMs`: a minute by default. */
  constructor(readonly maxWaitMs = 60_000) {}

  get leftMs(): number {
    return Math.max(0, this.maxWaitMs - this.waitedMs);
  }
}

/** The request still got a "later" answer when the retries or the budget ran out: no verdict can be given. */
export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(message: string, readonly exchange: Exchange) {
    super(message);
  }
}

/** A Retry-After value in milliseconds from `now`: delay-seconds, or an HTTP-date (a past one is 0); undefined when
 *  it is neither. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const describe = (exchange: Exchange) => `${exchange.request.method} ${new URL(exchange.request.url).pathname}`;

/** How long to wait before retry `attempt` (0 for the first) of `exchange`'s request, or why not to retry. */
export function retryDelay(exchange: Exchange, attempt: number, budget: RetryBudget, policy: RetryPolicy = {}): number | string {
  const { status } = exchange.response;
  const maxRetries = policy.maxRetries ?? 4;
  if (attempt >= maxRetries) return `still HTTP ${status} after ${maxRetries} retries (${(budget.waitedMs / 1000).toFixed(1)} s waited)`;
  const header = exchange.response.headers.get('retry-after');
  const asked = retryAfterMs(header);
  if (asked !== undefined) {
    return asked <= budget.leftMs ? asked
      : `HTTP ${status} with Retry-After ${header}: more than the ${(budget.leftMs / 1000).toFixed(1)} s left to wait (of ${budget.maxWaitMs / 1000} s)`;
  }
  const full = (policy.baseDelayMs ?? 1000) * 2 ** attempt;
  const delay = Math.round(full / 2 + (policy.random ?? Math.random)() * (full / 2));
  return delay <= budget.leftMs ? delay
    : `still HTTP ${status} after ${attempt} retries, and the next wait (${(delay / 1000).toFixed(1)} s) is more than the ${(budget.leftMs / 1000).toFixed(1)} s left (of ${budget.maxWaitMs / 1000} s)`;
}

export interface PacingOptions {
  /** Shared by every request sent through the paced function (and any other that takes the same limit). */
  rate?: RateLimit;
  /** Without it, nothing is retried. */
  retry?: RetryPolicy;
  /** Stops every wait (the rate limit's and the retries'): the paced call rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface PacedCall {
  /** The waiting this call may do and records (a fresh minute when absent). */
  budget?: RetryBudget;
  /** Statuses the caller asks for: an answer with one of them is returned, not retried. */
  expect?: readonly number[];
}

/** `send`, paced and retried (see the module comment). */
export function paced<R>(send: (request: R) => Promise<Exchange>, options: PacingOptions = {}): (request: R, call?: PacedCall) => Promise<Exchange> {
  const statuses = options.retry?.statuses ?? [429, 503];
  return async (request, call = {}) => {
    const budget = call.budget ?? new RetryBudget();
    for (let attempt = 0; ; attempt++) {
      await options.rate?.take(options.signal);
      const exchange = await send(request);
      const { status } = exchange.response;
      if (!options.retry || !statuses.includes(status) || call.expect?.includes(status)) return exchange;
      const delay = retryDelay(exchange, attempt, budget, options.retry);
      if (typeof delay === 'string') throw new RetriesExhausted(delay, exchange);
      const retryAfter = exchange.response.headers.get('retry-after');
      budget.waits.push({ request: describe(exchange), status, ...(retryAfter !== null ? { retryAfter } : {}), waitedMs: delay });
      budget.waitedMs += delay;
      await wait(delay, options.signal);
    }
  };
}
