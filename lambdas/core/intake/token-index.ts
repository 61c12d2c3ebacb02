/**
 * Which managed key a reported token is, by a keyed hash: the index holds HMAC-SHA-256 digests of the stored keys
 * under a random per-container key (never the keys), and a lookup compares the token's HMAC with every entry in
 * constant time (timingSafeEqual, all entries, whatever matched). The index is rebuilt from the managed secrets
 * after `ttlMs`, or on a miss at most once per `minRefreshMs` (a key rotated in since).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ManagedKeyVersion {
  secretArn: string;
  secretName: string;
  versionId: string;
  /** The key's public id (`sha256:…`), safe to log and to put in the leak signal. */
  keyId: string;
  /** Accepted by consumers now (AWSCURRENT, or AWSPREVIOUS not retired, and not revoked). */
  live: boolean;
  key: string;
}

export interface ManagedKeySource {
  /** Every stored self-issued key version (AWSCURRENT, AWSPREVIOUS) of the managed secrets. */
  list(): Promise<ManagedKeyVersion[]>;
}

export type IndexedKey = Omit<ManagedKeyVersion, 'key'>;

interface Entry {
  digest: Buffer;
  key: IndexedKey;
}

export interface TokenIndexOptions {
  /** @default 300_000 */
  ttlMs?: number;
  /** @default 30_000 */
  minRefreshMs?: number;
  now?: () => number;
}

export class TokenIndex {
  private readonly hmacKey = randomBytes(32);
  private entries: Entry[] = [];
  private builtAt?: number;
  private lastAttemptAt?: number;
  private inflight?: Promise<void>;
  private readonly ttlMs: number;
  private readonly minRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: ManagedKeySource,
    options: TokenIndexOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.minRefreshMs = options.minRefreshMs ?? 30_000;
    this.now = options.now ?? (() => Date.now());
  }

  /** The managed key versions each token is (undefined: not a managed key). */
  async lookup(tokens: string[]): Promise<Array<IndexedKey | undefined>> {
    if (this.builtAt === undefined || this.now() - this.builtAt >= this.ttlMs) await this.rebuild(true);
    let found = tokens.map((t) => this.find(t));
    if (found.some((f) => f === undefined) && (await this.rebuild(false)))
      found = tokens.map((t) => this.find(t));
    return found;
  }

  private digest(value: string): Buffer {
    return createHmac('sha256', this.hmacKey).update(value).digest();
  }

  private find(token: string): IndexedKey | undefined {
    const digest = this.digest(token);
    let match: IndexedKey | undefined;
    for (const entry of this.entries) {
      const equal = timingSafeEqual(entry.digest, digest);
      if (equal && !match) match = entry.key;
    }
    return match;
  }

  /** Rebuild (single-flight); a refresh on a miss is rate-limited. True when a rebuild ran. */
  private async rebuild(due: boolean): Promise<boolean> {
    if (this.inflight) {
      await this.inflight;
      return true;
    }
    if (!due && this.lastAttemptAt !== undefined && this.now() - this.lastAttemptAt < this.minRefreshMs)
      return false;
    this.lastAttemptAt = this.now();
    this.inflight = (async () => {
      const versions = await this.source.list();
      this.entries = versions.map(({ key, ...rest }) => ({ digest: this.digest(key), key: rest }));
      this.builtAt = this.now();
    })().finally(() => (this.inflight = undefined));
    await this.inflight;
    return true;
  }
}
