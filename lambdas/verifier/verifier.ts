/**
 * Checks a presented API key against the managed secrets a service accepts, without a restart across rotations:
 * - a key in a fresh cached set is accepted on one SHA-256 and a constant-time compare (the hot path);
 * - a malformed key (wrong prefix, bad checksum) is rejected by one regex and one CRC32: no AWS call at all;
 * - the accepted set (AWSCURRENT, AWSPREVIOUS unless retired) is cached per container for `ttlMs`;
 * - an unknown well-formed key may trigger a refresh, but at most one per `minRefreshIntervalMs` per key, and
 *   concurrent refreshes share one call (single-flight): spraying keys cannot become Secrets Manager traffic;
 * - if Secrets Manager fails, the cached set keeps serving for up to `maxStaleMs`, then the verifier fails closed;
 * - with `revocations`, the leak response's revocation record is read every `pollMs` (one small DynamoDB read for
 *   all keys): a revoked version is refused within seconds, stale set or not; when the record cannot be read for
 *   `maxUnconfirmedMs`, every key is refused (a revocation is never masked by stale data). docs/verifier.md;
 * - comparison is constant-time: crypto.timingSafeEqual over equal-length SHA-256 digests, every entry compared.
 */
import { timingSafeEqual } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoRevocationStore } from '../aws/revocation-store';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { assertValidPrefix, parseApiKey } from '../core/key-material';
import type { SecretStore } from '../core/ports';
import { secretNameOf, type RevocationReader } from '../core/revocations';
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

export interface RevocationOptions {
  /** The revocation table's name (stack output `RevocationTableName`). Required unless `reader` is given. */
  tableName?: string;
  /** DynamoDB client (needs dynamodb:GetItem and BatchGetItem on the table: KeyturnRevocationStore.grantRead). @default new DynamoDBClient({}) */
  client?: DynamoDBClient;
  /**
   * How old the last read of the revocation record may be before a request starts a new one (in the background:
   * the request does not wait). One eventually consistent read per interval while requests arrive. 1 s to 30 s.
   * @default 5_000
   */
  pollMs?: number;
  /**
   * How long the verifier trusts its last successful read while the store cannot be read; then every key is
   * refused. The bound on "revoked but still accepted" whatever fails. pollMs to 30 s.
   * @default 20_000
   */
  maxUnconfirmedMs?: number;
  /** For tests or another store. @default - a DynamoRevocationStore over `client` and `tableName` */
  reader?: RevocationReader;
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
  /**
   * The revocation record the leak response writes at contain: revoked keys are refused within `pollMs` (at most
   * `maxUnconfirmedMs`), even while Secrets Manager fails.
   * @default - none: a revocation reaches this verifier at its next Secrets Manager refresh (`ttlMs`), and not while
   * Secrets Manager fails (up to `maxStaleMs`)
   */
  revocations?: RevocationOptions;
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
  | { valid: false; reason: 'malformed' | 'unknown' | 'retired' | 'revoked' | 'unavailable' };

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

/** The design's promise: a revocation reaches every verifier within 30 s, whatever fails. */
export const MAX_REVOCATION_DELAY_MS = 30_000;
/** A failed revocation read is retried at most this often (requests never wait for it until the bound). */
const REVOCATION_RETRY_MS = 1_000;

interface RevocationState {
  reader: RevocationReader;
  pollMs: number;
  maxUnconfirmedMs: number;
  /** Revoked version ids per secret name, as last read. */
  revoked: ReadonlyMap<string, readonly string[]>;
  confirmedAt?: number;
  lastAttemptAt?: number;
  inflight?: Promise<void>;
}

export class ApiKeyVerifier {
  private readonly states: KeyState[];
  private readonly ttlMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly maxStaleMs: number;
  private readonly now: () => number;
  private readonly revocations?: RevocationState;

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
    problems.push(...revocationProblems(options.revocations));
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
    const r = options.revocations;
    if (r) {
      this.revocations = {
        reader:
          r.reader ?? new DynamoRevocationStore(r.client ?? new DynamoDBClient({}), r.tableName as string),
        pollMs: r.pollMs ?? 5_000,
        maxUnconfirmedMs: r.maxUnconfirmedMs ?? 20_000,
        revoked: new Map(),
      };
    }
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
    if (!(await this.revocationsConfirmed())) {
      // Fail closed: a revocation may exist that this verifier cannot see.
      for (const state of candidates) this.count('KeyRejected', state.config.name);
      return { valid: false, reason: 'unavailable' };
    }
    const revoked = candidates.find((s) => this.matchOf(s, digest) === 'revoked');
    if (revoked) {
      for (const state of candidates)
        this.count(state === revoked ? 'RetiredKeyPresented' : 'KeyRejected', state.config.name);
      return { valid: false, reason: 'revoked' };
    }
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
    if (!this.revocationsFresh()) return undefined;
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
    await Promise.all([
      ...this.states.map((state) => this.ensureFresh(state)),
      ...(this.revocations ? [this.refreshRevocations()] : []),
    ]);
  }

  /**
   * Read the revocation record now (joins a read in flight). Requests start reads themselves; a long-running
   * server may also call this on a timer so that an idle verifier stays confirmed.
   */
  async pollRevocations(): Promise<void> {
    if (this.revocations) await this.refreshRevocations();
  }

  private match(candidates: KeyState[], digest: Buffer): KeyState | undefined {
    let found: KeyState | undefined;
    for (const state of candidates) {
      if (this.matchOf(state, digest) === 'accepted' && !found) found = state;
    }
    return found;
  }

  /** Constant-time over the accepted set: every digest is compared; a revoked version never matches as accepted. */
  private matchOf(state: KeyState, digest: Buffer): 'accepted' | 'revoked' | undefined {
    if (!this.usable(state)) return undefined;
    const revoked = this.revokedVersionsOf(state);
    let accepted = false;
    let wasRevoked = false;
    for (const entry of state.set!.accepted) {
      const equal = timingSafeEqual(entry.digest, digest);
      if (revoked.includes(entry.versionId)) wasRevoked = equal || wasRevoked;
      else accepted = equal || accepted;
    }
    return accepted ? 'accepted' : wasRevoked ? 'revoked' : undefined;
  }

  private secretNameFor(state: KeyState): string {
    return state.set?.secretName ?? secretNameOf(state.config.secretId);
  }

  private revokedVersionsOf(state: KeyState): readonly string[] {
    return this.revocations?.revoked.get(this.secretNameFor(state)) ?? [];
  }

  /** Read within pollMs (or no revocation store): the hot path may answer without looking further. */
  private revocationsFresh(): boolean {
    const r = this.revocations;
    return !r || (r.confirmedAt !== undefined && this.now() - r.confirmedAt < r.pollMs);
  }

  /**
   * Past pollMs a read starts in the background; past maxUnconfirmedMs the request waits for one, and if the
   * store still cannot be read, nothing is confirmed.
   */
  private async revocationsConfirmed(): Promise<boolean> {
    const r = this.revocations;
    if (!r) return true;
    const within = () => r.confirmedAt !== undefined && this.now() - r.confirmedAt <= r.maxUnconfirmedMs;
    if (this.revocationsFresh()) return true;
    const reading = this.refreshRevocations();
    if (within()) return true;
    await reading;
    return within();
  }

  private refreshRevocations(): Promise<void> {
    const r = this.revocations!;
    if (r.inflight) return r.inflight;
    const retryMs = Math.min(REVOCATION_RETRY_MS, r.pollMs);
    if (r.lastAttemptAt !== undefined && this.now() - r.lastAttemptAt < retryMs) return Promise.resolve();
    const startedAt = this.now();
    r.lastAttemptAt = startedAt;
    const names = this.states.map((state) => this.secretNameFor(state));
    r.inflight = r.reader
      .read(names)
      .then((revoked) => {
        r.revoked = revoked;
        // Confirmed as of when the read was sent, not when it came back: the bound counts the read's latency too.
        r.confirmedAt = startedAt;
      })
      .catch((error: unknown) => {
        // The last confirmed state keeps serving up to maxUnconfirmedMs; counted and reported, never thrown.
        for (const state of this.states) this.count('KeySetRefreshFailed', state.config.name);
        this.options.onRefreshError?.(error, this.states.map((s) => s.config.name).join(','));
      })
      .finally(() => {
        r.inflight = undefined;
      });
    return r.inflight;
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

function revocationProblems(r: RevocationOptions | undefined): string[] {
  if (!r) return [];
  const problems: string[] = [];
  if (!r.reader && !r.tableName)
    problems.push('revocations.tableName: name the revocation table (stack output RevocationTableName)');
  const poll = r.pollMs ?? 5_000;
  const bound = r.maxUnconfirmedMs ?? 20_000;
  if (!Number.isFinite(poll) || poll < 1_000 || poll > MAX_REVOCATION_DELAY_MS)
    problems.push(`revocations.pollMs: must be 1000 to ${MAX_REVOCATION_DELAY_MS} ms, got ${poll}`);
  if (!Number.isFinite(bound) || bound < poll || bound > MAX_REVOCATION_DELAY_MS)
    problems.push(
      `revocations.maxUnconfirmedMs: must be pollMs (${poll}) to ${MAX_REVOCATION_DELAY_MS} ms, got ${bound}: it bounds how long a revoked key may still be accepted`,
    );
  return problems;
}

/** Constant-time over the list: every digest is compared, whatever matched first. Digests are all 32 bytes. */
function anyEqual(digests: Buffer[], digest: Buffer): boolean {
  let equal = false;
  for (const candidate of digests) equal = timingSafeEqual(candidate, digest) || equal;
  return equal;
}
