/**
 * The proxy's redaction over a run of any length: the reports' structured, correlating `Redactor`
 * (../report/redact.ts), with what it remembers bounded. A redactor learns every secret it meets (tokens issued,
 * credentials sent) to find them again in free text, and numbers every distinct secret (`REDACTED-n`); over days
 * of traffic both would grow without end, and every text would be searched for every secret ever seen.
 *
 * So the learned secrets are a window: the last `secrets` (128 by default) stay known wherever they stand;
 * older ones are still redacted wherever the structure says they are secrets (Authorization, cookies, token
 * members, forms, query parameters, anything JWT-shaped), but no longer in free text. The numbering keeps the last
 * `placeholders` distinct secrets (16,384), and the decoded header and claims of the last `jwts` JWTs (4,096): a
 * secret seen again after its number went gets a new one (the correlation of a HAR holds within that window).
 *
 * Redaction never feeds back into checks: the proxy judges raw exchanges, and applies this only to what it
 * writes out (the HAR, the failures kept for the reports).
 *
 * Entry point: `new ProxyRedaction(limits)`: `redactor` (the current one; use it at once, it changes as the window
 * moves), `learn(exchange)`, `retained` (what it holds, for tests and the bench).
 */
import { LRUCache } from 'lru-cache';
import type { HttpResponse, WireRequest } from '../http.js';
import { decodeJws } from '../jwt.js';
import { Redactor, isPlaceholder, type RedactedJws } from '../report/index.js';

export interface RedactionLimits {
  /** Learned secrets searched for in free text. */
  secrets: number;
  /** Distinct secrets that keep their number. */
  placeholders: number;
  /** JWTs whose decoded header and claims are kept (for the HAR's `_jwts`). */
  jwts: number;
}

export const REDACTION_LIMITS: Readonly<RedactionLimits> = { secrets: 128, placeholders: 16_384, jwts: 4096 };

/** Texts remembered per redactor, and the longest one. */
const MEMO_SIZE = 2048;
const MEMO_CHARS = 512;

/** What the generations of redactors share: the numbering, the decoded JWTs, the recent secrets. */
class Memory {
  readonly numbers: LRUCache<string, string>;
  readonly decoded: LRUCache<string, RedactedJws>;
  /** The secrets learned lately, oldest first (a Map as an ordered set). */
  readonly recent = new Map<string, true>();
  next = 1;
  learnedSinceTurn = 0;
  /** Changes whenever what a redactor would make of a text may change: a secret learned, a number given. */
  version = 0;

  constructor(readonly limits: RedactionLimits) {
    this.numbers = new LRUCache({ max: limits.placeholders });
    this.decoded = new LRUCache({ max: limits.jwts });
  }

  learned(value: string): void {
    if (this.recent.has(value)) return;
    this.recent.set(value, true);
    this.learnedSinceTurn++;
    this.version++;
    if (this.recent.size > this.limits.secrets) this.recent.delete(this.recent.keys().next().value!);
  }
}

/** A correlating redactor whose numbering and learned secrets live in a shared, bounded `Memory`. */
class BoundedRedactor extends Redactor {
  private readonly memory: Memory | undefined;
  /** What `text` made of the texts it met, while nothing it knows has changed (the same header values and
   *  body members come again and again). */
  private readonly memo = new Map<string, string>();
  private memoVersion = -1;
  /** Set while `learn` walks an exchange: `text` then collects secrets and replaces nothing, which the memo must
   *  neither give nor keep. */
  private learning = false;

  constructor(memory: Memory) {
    super([], { correlate: true });
    this.memory = memory;
    super.add(...memory.recent.keys());
  }

  override learn(exchange: { request: WireRequest; response?: HttpResponse }): void {
    this.learning = true;
    try {
      super.learn(exchange);
    } finally {
      this.learning = false;
    }
  }

  override text(text: string): string {
    const memory = this.memory;
    if (!memory || this.learning || text.length > MEMO_CHARS) return super.text(text);
    if (memory.version !== this.memoVersion) {
      this.memo.clear();
      this.memoVersion = memory.version;
    }
    let out = this.memo.get(text);
    if (out === undefined) {
      out = super.text(text);
      // A text that was given a new number changed the version: it is not kept for the old one.
      if (memory.version === this.memoVersion && this.memo.size < MEMO_SIZE) this.memo.set(text, out);
    }
    return out;
  }

  override placeholder(secret: string): string {
    const memory = this.memory!;
    if (isPlaceholder(secret)) return secret;
    let placeholder = memory.numbers.get(secret);
    if (placeholder === undefined) {
      memory.version++;
      memory.numbers.set(secret, (placeholder = `REDACTED-${memory.next++}`));
      const jws = decodeJws(secret);
      if (jws) memory.decoded.set(placeholder, { header: this.value(jws.header), payload: this.value(jws.payload), signed: jws.signature !== '' });
    }
    return placeholder;
  }

  override jws(placeholder: string): RedactedJws | undefined {
    return this.memory!.decoded.get(placeholder);
  }

  override get keepsJws(): boolean {
    return this.memory!.decoded.size > 0;
  }

  override add(...values: unknown[]): void {
    super.add(...values);
    // Called by the base constructor too, before the memory is set: nothing is learned then.
    for (const v of values) if (typeof v === 'string' && this.memory) this.memory.learned(v);
  }
}

export class ProxyRedaction {
  private readonly memory: Memory;
  private current: BoundedRedactor;

  constructor(limits: Partial<RedactionLimits> = {}) {
    this.memory = new Memory({ ...REDACTION_LIMITS, ...limits });
    this.current = new BoundedRedactor(this.memory);
  }

  /** The redactor to use now (a new one, knowing the recent secrets, once as many again were learned). */
  get redactor(): Redactor {
    return this.current;
  }

  learn(exchange: { request: WireRequest; response?: HttpResponse }): void {
    this.current.learn(exchange);
    if (this.memory.learnedSinceTurn >= this.memory.limits.secrets) {
      this.memory.learnedSinceTurn = 0;
      this.current = new BoundedRedactor(this.memory);
    }
  }

  /** What it holds: secrets known to the current redactor (at most twice the window), numbers, decoded JWTs. */
  get retained(): { secrets: number; placeholders: number; jwts: number } {
    return { secrets: this.memory.recent.size + this.memory.learnedSinceTurn, placeholders: this.memory.numbers.size, jwts: this.memory.decoded.size };
  }
}
