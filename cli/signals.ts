/**
 * Stop requests for the long-running commands (sandbox, mock, proxy, conformance, fuzz).
 *
 * Under `npm run X`, one Ctrl-C reaches the command twice: the terminal signals its whole process group, and
 * npm forwards the signal it got to its child. A group SIGTERM (a CI timeout, `kill -- -pgid`) does the same.
 * So a stop request is the first SIGINT or SIGTERM together with every other one within `repeatMs` (1 s): one
 * request, handled once. A signal after that is deliberate (a second Ctrl-C because the stop takes too long):
 * `onForce` runs, by default a line on stderr and exit code 130, without waiting for the reports.
 */

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface StopOptions {
  /** Signals within this many milliseconds of the first are the same request (1000 by default). */
  repeatMs?: number;
  /** What a later, deliberate signal does (by default: a line on stderr, then exit 130). */
  onForce?(signal: NodeJS.Signals): void;
}

export interface StopRequest {
  /** Resolves with the first signal. */
  readonly requested: Promise<NodeJS.Signals>;
  /** Removes the listeners (the process then reacts to signals as it did before). */
  dispose(): void;
}

const forceExit = (signal: NodeJS.Signals) => {
  console.error(`${signal} again: stopping at once, without the reports`);
  process.exit(130);
};

/** Listens for SIGINT and SIGTERM from now on; see the module's comment for repeats and forcing. */
export function listenForStop(options: StopOptions = {}): StopRequest {
  const repeatMs = options.repeatMs ?? 1000;
  const onForce = options.onForce ?? forceExit;
  let first: number | undefined;
  let resolve!: (signal: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => { resolve = r; });
  const listener = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (first === undefined) {
      first = now;
      resolve(signal);
    } else if (now - first > repeatMs) {
      onForce(signal);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, listener);
  return {
    requested,
    dispose: () => { for (const signal of STOP_SIGNALS) process.off(signal, listener); },
  };
}
