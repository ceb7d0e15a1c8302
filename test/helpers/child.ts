/**
 * Child processes for tests: start one, wait until its output says it is ready (or it exits first, which fails
 * at once with what it printed), and always stop it. `stopAll` in an `afterEach`/`afterAll` stops any child a
 * failed test left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export interface Child {
  process: ChildProcess;
  /** Everything written so far on stdout and stderr. */
  output(): string;
  /** What was written so far on stdout alone, and on stderr alone. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the output; rejects when the child exits before it. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code once the child is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the child exits by itself. */
  exited(): Promise<number | null>;
}

const running = new Set<Child>();

export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  const streams = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const onData = (stream: keyof typeof streams) => (chunk: Buffer) => {
    out += chunk.toString();
    streams[stream] += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData('stdout'));
  child.stderr?.on('data', onData('stderr'));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    running.delete(handle);
    for (const listener of listeners) listener();
    resolve(code);
  }));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const handle: Child = {
    process: child,
    output: () => out,
    stdout: () => streams.stdout,
    stderr: () => streams.stderr,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (gone()) {
            listeners.delete(check);
            reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!gone()) child.kill(signal);
      return exit;
    },
    exited: () => exit,
  };
  running.add(handle);
  return handle;
}

/** Whether any process of the process group `pgid` is left (a child started with `detached: true` leads one). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop('SIGKILL')));
}

export { once };
