/**
 * Checks a presented API key against the managed secrets a service accepts, without a restart across rotations:
 * - a key in a fresh cached set is accepted on one SHA-256 and a constant-time compare (the hot path);
 * - a malformed key (wrong prefix, bad checksum) is rejected by one regex and one CRC32: no AWS call at all;
 * - the accepted set (AWSCURRENT, AWSPREVIOUS unless retired) is cached per container for `ttlMs`;
 * - an unknown well-formed key may trigger a refresh, but at most one per `minRefreshIntervalMs` per key, and
 *   concurrent refreshes share one call (single-flight): spraying keys cannot become Secrets Manager traffic;
 * - if Secrets Manager fails, the cached set keeps serving for up to `maxStaleMs`, then the verifier fails closed;
 * - comparison is constant-time: crypto.timingSafeEqual over equal-length SHA-256 digests, every entry compared.
 */
import { timingSafeEqual } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { assertValidPrefix, parseApiKey } from '../core/key-material';
import type { SecretStore } from '../core/ports';
import { digestOf, KeySetLoader, type KeySet } from './key-set';
import type { VerifierMetrics } from './metrics';

export interface AcceptedKey {
  /** The key's name, put into the request context and metric dimensions (never the key). */
  name: string;
  /** The managed secret's ARN or name. */
  secretId: string;
  /** The key's prefix, e.g. `kt_live_`: presented keys without it are rejected without a lookup. */
  prefix: string;
}

export interface ApiKeyVerifierOptions {
  /** The keys this service accepts (usually one). */
  keys: AcceptedKey[];
  /**
   * Secrets Manager client (needs secretsmanager:DescribeSecret and GetSecretValue on the secrets, and
   * kms:Decrypt through Secrets Manager).
   * @default new SecretsManagerClient({})
   */
  client?: SecretsManagerClient;
  /**
   * How long a loaded key set is used before it is re-read.
   * @default 300_000 (5 minutes)
   */
  ttlMs?: number;
  /**
   * Minimum time between two refresh attempts of one key (on a miss, on expiry, or after a failure).
   * @default 30_000
   */
  minRefreshIntervalMs?: number;
  /**
   * How long a key set may be served after its TTL while Secrets Manager keeps failing; then every key is refused.
   * @default 3_600_000 (1 hour)
   */
  maxStaleMs?: number;
  /** @default - no metrics */
  metrics?: VerifierMetrics;
  /** Told about failed refreshes (the error's name and message only; they never hold key material). @default - ignored */
  onRefreshError?: (error: unknown, keyName: string) => void;
  /** @default Date.now */
  now?: () => number;
  /** For tests: a SecretStore instead of the client. @default - built from `client` */
  store?: SecretStore;
}

export type VerifyResult =
  | { valid: true; keyName: string }
  | { valid: false; reason: 'malformed' | 'unknown' | 'retired' | 'unavailable' };

interface KeyState {
  config: AcceptedKey;
  loader: KeySetLoader;
  set?: KeySet;
  loadedAt?: number;
  lastAttemptAt?: number;
  inflight?: Promise<void>;
}

/** Longer strings are never keys (prefix, body and checksum): not worth a digest. */
const MAX_PRESENTED_LENGTH = 256;

/** Name used in metrics for keys that match no configured prefix. */
export const UNMATCHED_KEY = 'unmatched';

export class ApiKeyVerifier {
  private readonly states: KeyState[];
  private readonly ttlMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ApiKeyVerifierOptions) {
    const problems: string[] = [];
    if (!options.keys.length) problems.push('keys: list at least one key');
    for (const key of options.keys) {
      try {
        assertValidPrefix(key.prefix);
      } catch (error) {
        problems.push(`keys[${key.name}].prefix: ${(error as Error).message}`);
      }
    }
    const durations = {
      ttlMs: options.ttlMs,
      minRefreshIntervalMs: options.minRefreshIntervalMs,
      maxStaleMs: options.maxStaleMs,
    };
    for (const [name, value] of Object.entries(durations)) {
      if (value !== undefined && (!Number.isFinite(value) || value < 0))
        problems.push(`${name}: must be >= 0 ms, got ${value}`);
    }
    if (problems.length) throw new TypeError(`ApiKeyVerifier: ${problems.join('; ')}`);
    const store =
      options.store ?? new SecretsManagerSecretStore(options.client ?? new SecretsManagerClient({}));
    this.states = options.keys.map((config) => ({
      config,
      loader: new KeySetLoader(store, config.secretId),
    }));
    this.ttlMs = options.ttlMs ?? 300_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.maxStaleMs = options.maxStaleMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  async verify(presented: unknown): Promise<VerifyResult> {
    const hit = this.freshHit(presented);
    if (hit) {
      this.count('KeyAccepted', hit.config.name);
      return { valid: true, keyName: hit.config.name };
    }
    const candidates = this.states.filter((s) => parseApiKey(presented, s.config.prefix) !== undefined);
    if (!candidates.length) {
      this.count('KeyRejected', this.states.length === 1 ? this.states[0].config.name : UNMATCHED_KEY);
      return { valid: false, reason: 'malformed' };
    }
    const digest = digestOf(presented as string);
    // The hot path: fresh sets are checked without awaiting anything.
    for (const state of candidates) if (!this.isFresh(state)) await this.ensureFresh(state);
    let match = this.match(candidates, digest);
    if (!match) {
      // A miss may be a key that was just rotated in: refresh, at most once per interval per key.
      await Promise.all(candidates.map((state) => this.refreshIfAllowed(state)));
      match = this.match(candidates, digest);
    }
    if (match) {
      this.count('KeyAccepted', match.config.name);
      return { valid: true, keyName: match.config.name };
    }
    const retired = candidates.find((s) => this.usable(s) && anyEqual(s.set!.retired, digest));
    for (const state of candidates) {
      this.count(state === retired ? 'RetiredKeyPresented' : 'KeyRejected', state.config.name);
    }
    if (retired) return { valid: false, reason: 'retired' };
    return { valid: false, reason: candidates.some((s) => this.usable(s)) ? 'unknown' : 'unavailable' };
  }

  /**
   * The hot path: a key whose digest is in a fresh accepted set is valid (it equals a stored, well-formed key), so
   * the checksum is only computed on a miss. Anything else (stale sets, misses) takes the full path.
   */
  private freshHit(presented: unknown): KeyState | undefined {
    if (typeof presented !== 'string' || presented.length > MAX_PRESENTED_LENGTH) return undefined;
    const candidates: KeyState[] = [];
    for (const state of this.states) {
      if (!presented.startsWith(state.config.prefix)) continue;
      if (!this.isFresh(state)) return undefined;
      candidates.push(state);
    }
    return candidates.length ? this.match(candidates, digestOf(presented)) : undefined;
  }

  /** Load every key set now (e.g. at cold start, outside the first request's latency). */
  async warm(): Promise<void> {
    await Promise.all(this.states.map((state) => this.ensureFresh(state)));
  }

  private match(candidates: KeyState[], digest: Buffer): KeyState | undefined {
    let found: KeyState | undefined;
    for (const state of candidates) {
      if (this.usable(state) && anyEqual(state.set!.accepted, digest) && !found) found = state;
    }
    return found;
  }

  /** A loaded set within TTL, or served stale while refreshes fail, up to maxStaleMs. */
  private usable(state: KeyState): boolean {
    return state.set !== undefined && this.now() - state.loadedAt! <= this.ttlMs + this.maxStaleMs;
  }

  private isFresh(state: KeyState): boolean {
    return state.set !== undefined && this.now() - state.loadedAt! < this.ttlMs;
  }

  private async ensureFresh(state: KeyState): Promise<void> {
    if (this.isFresh(state)) return;
    await this.refreshIfAllowed(state);
  }

  private async refreshIfAllowed(state: KeyState): Promise<void> {
    if (state.inflight) return state.inflight;
    if (state.lastAttemptAt !== undefined && this.now() - state.lastAttemptAt < this.minRefreshIntervalMs)
      return;
    state.lastAttemptAt = this.now();
    state.inflight = this.refresh(state).finally(() => {
      state.inflight = undefined;
    });
    return state.inflight;
  }

  private async refresh(state: KeyState): Promise<void> {
    try {
      const set = await state.loader.load();
      state.set = set;
      state.loadedAt = this.now();
    } catch (error) {
      // Keep serving what we have; the failure is counted and reported, never thrown at the caller.
      this.count('KeySetRefreshFailed', state.config.name);
      this.options.onRefreshError?.(error, state.config.name);
    }
  }

  private count(metric: Parameters<VerifierMetrics['count']>[0], keyName: string): void {
    this.options.metrics?.count(metric, keyName);
  }
}

/** Constant-time over the list: every digest is compared, whatever matched first. Digests are all 32 bytes. */
function anyEqual(digests: Buffer[], digest: Buffer): boolean {
  let equal = false;
  for (const candidate of digests) equal = timingSafeEqual(candidate, digest) || equal;
  return equal;
}
