// Token buckets: `limit` takes per `windowMs`, refilled continuously.
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    now: number,
  ) {
    this.tokens = limit;
    this.updatedAt = now;
  }

  /** Takes one token; false when the bucket is empty (the caller answers 429). */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Refilled to the brim: as good as a new bucket, so it need not be kept. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.limit;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.limit, this.tokens + (elapsed * this.limit) / this.windowMs);
    this.updatedAt = now;
  }
}

/**
 * One bucket per key (a network address). A full bucket is forgotten on the
 * next sweep, so the map holds only keys active within about one window.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private nextSweep = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  take(key: string, now: number): boolean {
    if (now >= this.nextSweep) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.limit, this.windowMs, now)));
    return bucket.take(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.nextSweep = now + this.windowMs;
    for (const [key, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(key);
  }
}
