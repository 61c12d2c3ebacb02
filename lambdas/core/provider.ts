/**
 * The interface every key provider implements (self-issued, IAM, API Gateway, HTTP admin APIs).
 * The protocol in rotation.ts calls it; providers live in lambdas/providers and never see the secret store.
 */
import type { KeyPolicy } from './key-policy';
import type { RetryPolicy } from './retry';
import type { StoredKey } from './stored-key';

export interface KeyContext {
  /** The secret's ARN. */
  secretId: string;
  secretName: string;
  /** The rotation's ClientRequestToken: providers name or tag new keys after it so a retry finds them. */
  token: string;
  policy: KeyPolicy;
}

/** What a provider returns for a new key; the protocol wraps it into a StoredKey. */
export interface IssuedKey {
  keyId: string;
  key: string;
  expiresAt?: string;
  attributes?: Record<string, string>;
}

export type Verification = { accepted: true } | { accepted: false; reason: string };

export interface KeyProvider {
  readonly kind: string;
  /**
   * `false` when `create` only computes a value (nothing exists outside the secret until it is stored), so the
   * protocol can store optimistically and let Secrets Manager's token idempotency absorb a retry.
   */
  readonly createHasSideEffects: boolean;
  /**
   * `true` when the services that accept the key check it against the secret (the verifier library), not at a
   * provider: nothing exists elsewhere to revoke, taking the version's labels off IS the revocation, and the proof
   * is that the secret no longer offers the version (retirement asks the provider nothing).
   */
  readonly checkedByConsumers: boolean;
  /** How testSecret retries `verify` while a new key propagates (IAM, API Gateway take seconds). */
  readonly verifyRetry?: RetryPolicy;
  /**
   * Issue a new key. Must be idempotent per `ctx.token`: a retry after a lost response returns the same key
   * (or a replacement) without leaving an unrecorded key behind. `loadCurrent` reads the AWSCURRENT key lazily.
   */
  create(ctx: KeyContext, loadCurrent: () => Promise<StoredKey | undefined>): Promise<IssuedKey>;
  /** setSecret: make the pending key usable where it must be. Absent when creating is enough. */
  activate?(ctx: KeyContext, key: StoredKey): Promise<void>;
  /** Does the provider accept this key now? */
  verify(ctx: KeyContext, key: StoredKey): Promise<Verification>;
  /** Milliseconds to wait after a revoke before proving it (a vendor whose revocation propagates slowly). */
  proofDelayMs?(ctx: KeyContext): number;
  /** Make the key unusable; idempotent (revoking a revoked or absent key succeeds). */
  revoke(ctx: KeyContext, key: StoredKey): Promise<void>;
  /**
   * Leak containment: make the key unusable now in ONE provider call, reversibly (IAM deactivates the stored key
   * id without listing the user's keys first). Idempotent. Absent: the leak response calls `revoke`. Retirement
   * always calls `revoke`, which keeps its phases (IAM: deactivate, then delete on the next revoke).
   */
  contain?(ctx: KeyContext, key: StoredKey): Promise<void>;
}

/** Looks providers up by the `keyturn:provider` tag value. */
export interface ProviderRegistry {
  get(kind: string): KeyProvider | undefined;
}
