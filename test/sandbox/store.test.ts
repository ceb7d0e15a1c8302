import { describe, expect, it } from 'vitest';
import { createClock } from '../../sandbox/clock.js';
import { BoundedMap, ExpiringStore } from '../../sandbox/store.js';

describe('the sandbox clock', () => {
  it('follows its source until moved, then keeps the offset', () => {
    let real = 1_000_000;
    const clock = createClock(() => real);
    expect(clock.now()).toBe(1_000_000);
    clock.advance(60);
    real += 5;
    expect(clock.now()).toBe(1_060_005);
    clock.set(2_000_000_000);
    expect(clock.now()).toBe(2_000_000_000_000);
    clock.reset();
    expect(clock.now()).toBe(real);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
  });
});

describe('ExpiringStore', () => {
  it('never returns an expired entry, and take() gives a value once', () => {
    const clock = createClock(() => 0);
    const store = new ExpiringStore<string>(clock.now, 10);
    store.set('a', 'A', 1000);
    expect(store.get('a')).toBe('A');
    clock.advance(1);
    expect(store.get('a')).toBeUndefined();
    store.set('b', 'B', Infinity);
    expect(store.take('b')).toBe('B');
    expect(store.take('b')).toBeUndefined();
  });

  it('gives expired entries back while it is written, a few per write, whatever sits first', () => {
    const clock = createClock(() => 0);
    const store = new ExpiringStore<number>(clock.now, 1_000_000);
    for (let i = 0; i < 100; i++) store.set(`fixture-${i}`, i, Infinity); // never expire, and come first
    for (let i = 0; i < 10_000; i++) store.set(`short-${i}`, i, 1000);
    clock.advance(2);
    for (let i = 0; i < 10_000; i++) store.set(`late-${i}`, i, Infinity);
    // 4 entries examined per write, round and round: the 10,000 expired ones are gone after as many writes.
    expect(store.size).toBe(100 + 10_000);
  });

  it('holds at most its cap, dropping the oldest', () => {
    const store = new ExpiringStore<number>(() => 0, 3);
    for (let i = 0; i < 5; i++) store.set(String(i), i, 1000);
    expect([...store.values()]).toEqual([2, 3, 4]);
  });
});

describe('BoundedMap', () => {
  it('holds at most its cap, dropping the oldest, and a key set again counts as new', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect([...map]).toEqual([['a', 3], ['c', 4]]);
  });
});

describe('ExpiringStore.deleteWhere', () => {
  it('removes the entries whose value matches, and only those', () => {
    const store = new ExpiringStore<{ clientId: string }>(() => 0, 10);
    store.set('t1', { clientId: 'a' }, Infinity);
    store.set('t2', { clientId: 'b' }, Infinity);
    store.deleteWhere((v) => v.clientId === 'a');
    expect([...store.values()]).toEqual([{ clientId: 'b' }]);
  });
});

describe('ExpiringStore at its cap', () => {
  it('drops the oldest entry that can expire, never one that cannot (the fixture\'s)', () => {
    const store = new ExpiringStore<number>(() => 0, 3);
    store.set('fixture', 0, Infinity);
    for (let i = 1; i <= 5; i++) store.set(`issued-${i}`, i, 1000);
    expect([...store.keys()]).toEqual(['fixture', 'issued-4', 'issued-5']);
  });
});
