interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * Token buckets, one per key: each holds up to `perMinute` tokens and refills continuously at
 * `perMinute` a minute. A full bucket allows a burst of `perMinute`; once empty, the next request
 * waits only for the next token (seconds), not for a window to end. At most `maxKeys` are kept,
 * the least recently used forgotten first, so memory stays bounded under a flood of made-up keys
 * (a forgotten bucket is a full one, which after a minute idle it would be anyway).
 */
export class TokenBuckets {
  /**
   * In order of last use, oldest first. A Map grows as keys come: a preallocated LRU cache of
   * `maxKeys` took megabytes per budget up front, and a server's size is paid again on every fork.
   */
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perMinute: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tokens `key` has now (fractional). */
  private level(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.perMinute, at: now };
    return {
      tokens: Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000),
      at: now,
    };
  }

  /** Milliseconds until `key` has a whole token; 0 when it has one now. */
  waitFor(key: string): number {
    const { tokens } = this.level(key, this.now());
    // The epsilon keeps float noise (0.99999...) from adding a millisecond.
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 60_000) / this.perMinute - 1e-6);
  }

  /** Takes a token from `key` (call after waitFor answered 0). */
  take(key: string): void {
    const bucket = this.level(key, this.now());
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/**
 * Takes one token from each of `buckets` for `key` if all have one; otherwise takes none and
 * answers how long to wait (ms) until all would.
 */
export function takeFromAll(buckets: readonly TokenBuckets[], key: string): number {
  const wait = Math.max(...buckets.map((bucket) => bucket.waitFor(key)));
  if (wait === 0) for (const bucket of buckets) bucket.take(key);
  return wait;
}
