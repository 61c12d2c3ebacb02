/**
 * "The same event twice within minutes is one notification": a per-container memory (free, catches EventBridge
 * retries that land on the same container) in front of a durable claim (one conditional write, catches
 * concurrent containers and cold starts). The durable claim is what makes it correct; the memory saves writes.
 */

/** Claims a key for a window; `false` when someone already claimed it within the window. */
export interface DedupeClaims {
  claim(key: string, nowMs: number, windowMs: number): Promise<boolean>;
  /**
   * Give back the claim made at `claimedAtMs` for `windowMs` (the page it guarded was not sent), so the next
   * delivery claims it again. A newer claim of the key (someone else's) is left alone.
   */
  release(key: string, claimedAtMs: number, windowMs: number): Promise<void>;
}

export class Deduplicator {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly durable: DedupeClaims | undefined,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
  ) {
    if (!(windowMs > 0)) throw new Error(`dedupe window must be positive, got ${windowMs}`);
  }

  /** `true` when this is the first sighting of `key` within the window (so: notify). */
  async firstSighting(key: string): Promise<boolean> {
    const now = this.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.durable && !(await this.durable.claim(key, now, this.windowMs))) {
      this.remember(key, now);
      return false;
    }
    this.remember(key, now);
    return true;
  }

  /**
   * Forget the first sighting of `key` because its notification could not be sent: the retried delivery is then a
   * first sighting again instead of a "duplicate" of a page nobody received.
   */
  async release(key: string): Promise<void> {
    const until = this.seen.get(key);
    if (until === undefined) return;
    this.seen.delete(key);
    await this.durable?.release(key, until - this.windowMs, this.windowMs);
  }

  private remember(key: string, now: number): void {
    if (this.seen.size >= this.maxEntries) {
      for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
      // Still full: drop the oldest (Map keeps insertion order); the durable claim still guards correctness.
      if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    }
    this.seen.set(key, now + this.windowMs);
  }
}

/**
 * Publish what the claim on `key` guards; when publishing fails, give the claim back before the error propagates,
 * so the retry pages instead of finding its own claim and calling itself a duplicate (a page lost silently).
 */
export async function publishOrRelease(
  dedupe: Deduplicator,
  key: string,
  publish: () => Promise<unknown>,
): Promise<void> {
  try {
    await publish();
  } catch (error) {
    // The publish error is what the caller must see (the invocation fails and is retried), even if releasing fails.
    await dedupe.release(key).catch(() => undefined);
    throw error;
  }
}
