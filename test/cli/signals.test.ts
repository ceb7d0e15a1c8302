import { afterEach, describe, expect, it } from 'vitest';
import { listenForStop, type StopRequest } from '../../cli/signals.js';

// process.emit runs the listeners as a delivered signal would, without signalling the test runner itself.
const deliver = (signal: NodeJS.Signals) => process.emit(signal as 'SIGINT', signal as 'SIGINT');

describe('stop requests', () => {
  let stop: StopRequest | undefined;
  afterEach(() => stop?.dispose());

  it('resolve with the first signal, and take a repeat within the window (npm and the terminal) for the same request', async () => {
    const forced: NodeJS.Signals[] = [];
    stop = listenForStop({ repeatMs: 60_000, onForce: (s) => forced.push(s) });
    deliver('SIGINT');
    deliver('SIGINT');
    deliver('SIGTERM');
    expect(await stop.requested).toBe('SIGINT');
    expect(forced).toEqual([]);
  });

  it('force on a deliberate signal after the window', async () => {
    const forced: NodeJS.Signals[] = [];
    stop = listenForStop({ repeatMs: 0, onForce: (s) => forced.push(s) });
    deliver('SIGTERM');
    expect(await stop.requested).toBe('SIGTERM');
    await expect.poll(() => { deliver('SIGINT'); return forced.length; }).toBeGreaterThan(0);
    expect(forced[0]).toBe('SIGINT');
  });

  it('leave no listener behind once disposed', () => {
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const request = listenForStop();
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before + 2);
    request.dispose();
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(before);
  });
});
