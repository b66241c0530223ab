import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * Token buckets, one per key: each holds up to `perMinute` tokens and refills continuously at
 * `perMinute` a minute. A full bucket allows a burst of `perMinute`; once empty, the next request
 * waits only for the next token (seconds), not for a window to end. Buckets idle long enough to be
 * full again are forgotten, and at most `maxKeys` are kept, so memory stays bounded under a flood
 * of made-up keys (a forgotten bucket is a full one, which is what it would be anyway, or close).
 */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    readonly perMinute: number,
    maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new LRUCache<string, Bucket>({ max: maxKeys, ttl: 60_000, ttlAutopurge: false });
  }

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
    this.buckets.set(key, bucket);
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
