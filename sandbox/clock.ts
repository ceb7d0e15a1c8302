/**
 * The sandbox's time. Every expiry (tokens, codes, sessions, assertions' `exp`, `iat` and `nbf`, purges) reads
 * `now()`, so that a test can move time instead of waiting: `advance(seconds)` and `set(epochSeconds)`. By
 * default the clock follows real time; once moved, it keeps its offset from real time.
 *
 * It stays within CLOCK_RANGE (1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z), so that every expiry it gives (a
 * year at most: the fixture's lifetimes are bounded so) is a NumericDate the sandbox itself accepts (RFC 7519
 * section 2, up to the year 9999): a move beyond throws ClockRangeError and leaves the clock where it was.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Moves time forward (or back, with a negative value) by this many seconds; ClockRangeError beyond the range. */
  advance(seconds: number): void;
  /** Sets the time, in seconds since the epoch; ClockRangeError beyond the range. */
  set(epochSeconds: number): void;
  /** Back to real time. */
  reset(): void;
}

/** The instants the clock may show, in seconds since the epoch. */
export const CLOCK_RANGE = { min: 0, max: 253_370_764_799 } as const;

/** A move that would take the clock out of CLOCK_RANGE, or that is not a finite number. */
export class ClockRangeError extends RangeError {
  override readonly name = 'ClockRangeError';
}

/** A clock at real time, or following `source` (milliseconds since the epoch). */
export function createClock(source: () => number = Date.now): Clock {
  let offset = 0;
  /** Throws unless the clock may show `ms` (milliseconds since the epoch). */
  const check = (ms: number, what: string) => {
    if (!Number.isFinite(ms)) throw new ClockRangeError(`${what} must be a finite number of seconds`);
    if (ms < CLOCK_RANGE.min * 1000 || ms > CLOCK_RANGE.max * 1000) {
      throw new ClockRangeError(`the clock would be at ${ms / 1000} s since the epoch: it stays within ${CLOCK_RANGE.min} (1970-01-01T00:00:00Z) and ${CLOCK_RANGE.max} (9998-12-31T23:59:59Z)`);
    }
  };
  return {
    now: () => source() + offset,
    advance(seconds) {
      const move = seconds * 1000;
      check(source() + offset + move, 'advance');
      offset += move;
    },
    set(epochSeconds) {
      check(epochSeconds * 1000, 'set');
      offset = epochSeconds * 1000 - source();
    },
    reset() {
      offset = 0;
    },
  };
}
