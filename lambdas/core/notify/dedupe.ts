/**
 * "The same event twice within minutes is one notification": a per-container memory (free, catches EventBridge
 * retries that land on the same container) in front of a durable claim (one conditional write, catches
 * concurrent containers and cold starts). The durable claim is what makes it correct; the memory saves writes.
 */

/** Claims a key for a window; `false` when someone already claimed it within the window. */
export interface DedupeClaims {
  claim(key: string, nowMs: number, windowMs: number): Promise<boolean>;
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

  private remember(key: string, now: number): void {
    if (this.seen.size >= this.maxEntries) {
      for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
      // Still full: drop the oldest (Map keeps insertion order); the durable claim still guards correctness.
      if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    }
    this.seen.set(key, now + this.windowMs);
  }
}
