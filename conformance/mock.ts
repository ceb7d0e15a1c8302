/**
 * The Prism mock of all five APIs: generated/all.json on one port. Used by `orange-identity mock` (npm run mock)
 * and by the conformance suite when no target is given. `stop()` sends Prism SIGTERM (SIGKILL after 5 s) and
 * resolves once it has exited; a `signal` during the start kills it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { GENERATED_DIR } from '../src/contract/load.js';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly host: string, readonly port: number) {
    super(`port ${port} on ${host} is already in use: stop what listens there, or choose another port with --port`);
  }
}

export class MockUnavailableError extends Error {
  override readonly name = 'MockUnavailableError';
}

/** Resolves when `port` is free on `host` (0 picks a free port and resolves with it). */
function reservePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port) : error));
    probe.listen(port, host, () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => resolve(free));
    });
  });
}

export interface RunningMock {
  url: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once Prism has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (a forced stop that cannot wait). */
  kill(): void;
}

function prismBin(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve('@stoplight/prism-cli/package.json');
  } catch {
    throw new MockUnavailableError('the mock needs @stoplight/prism-cli (npm install -D @stoplight/prism-cli@5.14.2), or pass --target');
  }
  const { bin } = require(manifest) as { bin: { prism: string } };
  return path.join(path.dirname(manifest), bin.prism);
}

/** How long Prism may take to say it listens (it loads and validates the joined document first). */
const START_TIMEOUT_MS = 60_000;

export interface MockOptions {
  port?: number;
  host?: string;
  document?: string;
  onLog?: (line: string) => void;
  /** Stops the start: Prism is killed and the start rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** How long Prism may take to exit on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5000;

export async function startMock(options: MockOptions = {}): Promise<RunningMock> {
  options.signal?.throwIfAborted();
  const host = options.host ?? '127.0.0.1';
  const port = await reservePort(host, options.port ?? 0);
  const child: ChildProcess = spawn(process.execPath, [prismBin(), 'mock', options.document ?? path.join(GENERATED_DIR, 'all.json'), '-h', host, '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last lines Prism printed before listening, to say why it did not; Prism logs every request after.
  const last: string[] = [];
  let listening = false;
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        options.onLog?.(line);
        if (listening) continue;
        last.push(line);
        if (last.length > 10) last.shift();
        if (line.includes('Prism is listening')) {
          listening = true;
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new MockUnavailableError(`Prism exited (${code}) before listening:\n${last.join('\n')}`)));
    timer = setTimeout(() => reject(new MockUnavailableError(`Prism did not listen within ${START_TIMEOUT_MS / 1000} s:\n${last.join('\n')}`)), START_TIMEOUT_MS);
    options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { url: `http://${host}:${port}`, stop, kill: () => { child.kill('SIGKILL'); } };
}
