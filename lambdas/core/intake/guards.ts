/**
 * The intake faces the internet: a token bucket per container (the stage throttle and reserved concurrency bound
 * the rest) refuses a flood before any signature work, and a replay guard remembers the digests of signatures it
 * accepted, so a captured request replayed to the same container is refused (across containers, the leak response's
 * execution name makes a replay start nothing new).
 */
import { hash } from 'node:crypto';

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = burst;
    this.at = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.ratePerSecond);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const digestOf = (signature: string) => hash('sha256', signature, 'hex');

export class ReplayGuard {
  private readonly seen_ = new Map<string, number>();

  constructor(
    private readonly windowMs: number = 24 * 3_600_000,
    private readonly capacity: number = 10_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Was this signature accepted within the window? */
  seen(signature: string): boolean {
    const at = this.seen_.get(digestOf(signature));
    return at !== undefined && this.now() - at < this.windowMs;
  }

  /** Remember a signature once its request was processed (a failed one may be retried by the partner). */
  remember(signature: string): void {
    const digest = digestOf(signature);
    const t = this.now();
    this.seen_.delete(digest);
    this.seen_.set(digest, t);
    // Oldest first (insertion order): evict past the window, then past capacity.
    for (const [d, when] of this.seen_) {
      if (this.seen_.size <= this.capacity && t - when < this.windowMs) break;
      this.seen_.delete(d);
    }
  }
}
