/**
 * A bounded store of expiring entries: what the sandbox keeps between requests (tokens, codes, sessions...).
 * An expired entry is never returned; every write also examines a few entries from a cursor that walks the
 * store round and round, removing the expired ones, so that memory is given back without a timer and no write
 * pays for a big sweep; and a store never holds more than its cap (the oldest entries go first, except the ones
 * that never expire: the fixture's, which are few and must keep working however many were issued since).
 */
type Entry<V> = { value: V; expiresAt: number };

export class ExpiringStore<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Where the incremental purge goes on; Map iterators see later insertions and skip deleted entries. */
  private cursor: Iterator<[string, Entry<V>]> = this.entries[Symbol.iterator]();

  constructor(
    private readonly now: () => number,
    /** The most entries the store holds. */
    readonly cap: number,
    /** Entries examined per write. */
    private readonly purgeBatch = 4,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` until `expiresAt` (milliseconds since the epoch; Infinity for never). */
  set(key: string, value: V, expiresAt: number): void {
    this.step(this.purgeBatch);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.cap) this.evictOldest();
  }

  /** The live value, or undefined (an expired one is removed). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Removes and returns the live value (a single-use entry, such as an authorization code). */
  take(key: string): V | undefined {
    const value = this.get(key);
    this.entries.delete(key);
    return value;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.rewind();
  }

  /** The keys of the live entries. */
  *keys(): IterableIterator<string> {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt > now) yield key;
  }

  /** The live entries. */
  *values(): IterableIterator<V> {
    const now = this.now();
    for (const entry of this.entries.values()) if (entry.expiresAt > now) yield entry.value;
  }

  /** Removes every entry whose value satisfies `predicate` (the tokens of a removed client). */
  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.entries.delete(key);
    this.rewind();
  }

  /** Removes the oldest entry that can expire. */
  private evictOldest(): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== Infinity) {
        this.entries.delete(key);
        return;
      }
    }
  }

  /** Removes every expired entry; returns how many went. */
  purge(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now && this.entries.delete(key)) removed++;
    }
    this.rewind();
    return removed;
  }

  /** A fresh cursor: a live Map iterator keeps the Map's old, larger tables alive once it has shrunk. */
  private rewind(): void {
    this.cursor = this.entries[Symbol.iterator]();
  }

  /** Examines the next `count` entries of the cursor, removing the expired ones. */
  private step(count: number): void {
    const now = this.now();
    for (let i = 0; i < count; i++) {
      let next = this.cursor.next();
      if (next.done) {
        this.rewind();
        next = this.cursor.next();
        if (next.done) return;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}

/** A map of at most `cap` entries: setting one more drops the oldest. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly cap: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.cap) super.delete(this.keys().next().value!);
    return this;
  }
}
