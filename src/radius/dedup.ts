/**
 * RFC 5080 section 2.2.2 duplicate detection: a request is a duplicate when
 * source address and port, Identifier and Request Authenticator are equal to
 * one seen within the window. A duplicate of a request still being processed
 * is dropped (the first one's answer goes to the same address and port with
 * the same Identifier); a duplicate of an answered request gets the cached
 * answer again, byte for byte, and is not applied twice.
 *
 * Expiry is lazy (swept on insert with the injected clock): no timers.
 */

export type DedupState = { state: 'pending' } | { state: 'answered'; reply: Buffer };

interface Entry {
  expires: number;
  value: DedupState;
}

export class DuplicateCache {
  private readonly map = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    /** Hard bound on entries (oldest evicted first). */
    private readonly maxEntries = 200_000,
  ) {}

  static key(address: string, port: number, identifier: number, authenticator: Buffer): string {
    return `${address}|${port}|${identifier}|${authenticator.toString('latin1')}`;
  }

  get(key: string): DedupState | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Mark a request as being processed. */
  begin(key: string): void {
    this.sweep();
    this.map.set(key, { expires: this.now() + this.windowMs, value: { state: 'pending' } });
  }

  /**
   * Remember the answer; the window restarts from now. The entry is updated
   * in place (no delete + insert in a map of up to maxEntries per reply): it
   * keeps its insertion position, a few milliseconds ahead of its expiry
   * order, which only lets the sweep stop a little early; get() still checks
   * each entry's own expiry.
   */
  answer(key: string, reply: Buffer): void {
    const value: DedupState = { state: 'answered', reply };
    const expires = this.now() + this.windowMs;
    const e = this.map.get(key);
    if (e) {
      e.expires = expires;
      e.value = value;
    } else this.map.set(key, { expires, value });
  }

  /** Processing failed without an answer: let a retransmission try again. */
  forget(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  private sweep(): void {
    // Map keeps insertion order and every insert carries now+window, so expired entries are at the front.
    const t = this.now();
    for (const [k, e] of this.map) {
      const expired = e.expires <= t;
      if (!expired && this.map.size < this.maxEntries) break;
      // Over the bound: evict the oldest answered entries, never one still being processed.
      if (!expired && e.value.state === 'pending') continue;
      this.map.delete(k);
    }
  }
}

/** Log at most `burst` messages per `intervalMs` per key; reports how many were suppressed. */
export class RateLimitedLog {
  private readonly slots = new Map<string, { start: number; count: number; suppressed: number }>();
  constructor(
    private readonly now: () => number,
    private readonly intervalMs = 10_000,
    private readonly burst = 5,
  ) {}

  /** Returns undefined to suppress, else the number suppressed since the last message of this key. */
  allow(key: string): number | undefined {
    const t = this.now();
    let s = this.slots.get(key);
    if (!s || t - s.start >= this.intervalMs) {
      const suppressed = s?.suppressed ?? 0;
      s = { start: t, count: 0, suppressed: 0 };
      this.slots.set(key, s);
      if (this.slots.size > 10_000) this.slots.clear();
      s.count = 1;
      return suppressed;
    }
    if (s.count < this.burst) {
      s.count++;
      return 0;
    }
    s.suppressed++;
    return undefined;
  }
}

/**
 * Hands bursts of work to the store together. Datagrams are read by libuv at
 * most 32 per poll, and a synchronous store commit (fsync) blocks the loop,
 * so without this every group commit would hold at most one poll's worth of
 * events. Items are held while more keep arriving (the queue grew during the
 * last loop turn) up to `maxBatch`, then released in one synchronous run, so
 * a group-committing store takes them in one transaction. A lone request is
 * released on the same loop turn it arrived: no added latency when idle.
 */
export class BurstCoalescer<T> {
  private queue: T[] = [];
  private seen = 0;
  private scheduled = false;

  constructor(
    private readonly release: (items: T[]) => void,
    private readonly maxBatch = 1000,
    /** Scheduler of the next check (setImmediate: after the current poll phase). */
    private readonly schedule: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.queue.length >= this.maxBatch) {
      this.drain();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.seen = this.queue.length;
      this.schedule(() => this.tick());
    }
  }

  private tick(): void {
    if (this.queue.length === 0) {
      this.scheduled = false;
      return;
    }
    if (this.queue.length > this.seen) {
      this.seen = this.queue.length;
      this.schedule(() => this.tick());
      return;
    }
    this.scheduled = false;
    this.drain();
  }

  private drain(): void {
    const items = this.queue;
    this.queue = [];
    this.seen = 0;
    this.release(items);
  }
}
