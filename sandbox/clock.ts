/**
 * The sandbox's time. Every expiry (tokens, codes, sessions, assertions' `exp`, `iat` and `nbf`, purges) reads
 * `now()`, so that a test can move time instead of waiting: `advance(seconds)` and `set(epochSeconds)`. By
 * default the clock follows real time; once moved, it keeps its offset from real time.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Moves time forward (or back, with a negative value) by this many seconds. */
  advance(seconds: number): void;
  /** Sets the time, in seconds since the epoch. */
  set(epochSeconds: number): void;
  /** Back to real time. */
  reset(): void;
}

/** A clock at real time, or following `source` (milliseconds since the epoch). */
export function createClock(source: () => number = Date.now): Clock {
  let offset = 0;
  const finite = (value: number, what: string) => {
    if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number of seconds`);
    return value;
  };
  return {
    now: () => source() + offset,
    advance(seconds) {
      offset += finite(seconds, 'advance') * 1000;
    },
    set(epochSeconds) {
      offset = finite(epochSeconds, 'set') * 1000 - source();
    },
    reset() {
      offset = 0;
    },
  };
}
