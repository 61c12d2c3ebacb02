/**
 * A provider fake with real side effects, for property tests: every key it issues exists "at the provider" until
 * revoked, so the tests can check orphans (live keys no secret version records) and premature revocations.
 *
 * - `create` is idempotent per rotation token (like a provider that names keys after the token), and can fail
 *   before its side effect or after it (a lost response: the key exists, the caller saw an error);
 * - `verify` models eventual consistency: a new key is refused for its first `propagationDelay` checks;
 * - `revoke` calls `onRevoke` first, so a test can assert what was true at the moment of revocation;
 * - faults are one-shot and consumed in order per operation.
 */
import { ProviderError } from '../../lambdas/core/errors';
import { randomBase62 } from '../../lambdas/core/key-material';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../../lambdas/core/provider';
import type { RetryPolicy } from '../../lambdas/core/retry';
import type { StoredKey } from '../../lambdas/core/stored-key';

export const RECORDING_PROVIDER = 'recording-fake';

export type ProviderFault =
  'create-before' | 'create-after' | 'activate-throw' | 'verify-throw' | 'verify-refuse' | 'revoke-throw';

export interface ProviderKey {
  keyId: string;
  key: string;
  token: string;
  revoked: boolean;
  activated: boolean;
  /** Verifications still refused before the key has "propagated". */
  propagationLeft: number;
  /** The provider has accepted this key at least once. */
  everAccepted: boolean;
}

export interface ProviderCall {
  op: 'create' | 'activate' | 'verify' | 'revoke';
  keyId?: string;
  token: string;
  outcome: string;
}

export class RecordingProvider implements KeyProvider {
  readonly kind = RECORDING_PROVIDER;
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly verifyRetry: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2000 };
  readonly keys = new Map<string, ProviderKey>();
  readonly calls: ProviderCall[] = [];
  readonly faults: ProviderFault[] = [];
  /** How many verifications a new key is refused for (eventual consistency). */
  propagationDelay = 0;
  /** `false` models a careless provider that issues a new key on every call (for sensitivity tests). */
  idempotentCreate = true;
  /** Called before a key is revoked, with the key as the provider knows it. */
  onRevoke?: (key: ProviderKey) => void;
  private counter = 0;

  constructor(private readonly keyPrefix = 'fk_live_') {}

  /** Issue a key outside the protocol (the secret's first key, as a deploy would). */
  seed(token: string): ProviderKey {
    const record = this.issue(token);
    record.propagationLeft = 0;
    record.everAccepted = true;
    return record;
  }

  async create(ctx: KeyContext): Promise<IssuedKey> {
    if (this.takeFault('create-before')) {
      this.calls.push({ op: 'create', token: ctx.token, outcome: 'failed-before' });
      throw new ProviderError(this.kind, 'create refused (injected)', true);
    }
    // Idempotent per token: the provider finds the key it made for this token instead of making another.
    const existing = this.idempotentCreate
      ? [...this.keys.values()].find((k) => k.token === ctx.token && !k.revoked)
      : undefined;
    const record = existing ?? this.issue(ctx.token);
    if (this.takeFault('create-after')) {
      this.calls.push({ op: 'create', keyId: record.keyId, token: ctx.token, outcome: 'failed-after' });
      throw new ProviderError(this.kind, 'create response lost (injected)', true);
    }
    this.calls.push({
      op: 'create',
      keyId: record.keyId,
      token: ctx.token,
      outcome: existing ? 'found' : 'created',
    });
    return { keyId: record.keyId, key: record.key };
  }

  async activate(ctx: KeyContext, stored: StoredKey): Promise<void> {
    if (this.takeFault('activate-throw'))
      throw new ProviderError(this.kind, 'activate failed (injected)', true);
    const record = this.keys.get(stored.keyId);
    if (!record || record.key !== stored.key)
      throw new ProviderError(this.kind, `unknown key ${stored.keyId}`, false);
    record.activated = true;
    this.calls.push({ op: 'activate', keyId: stored.keyId, token: ctx.token, outcome: 'activated' });
  }

  async verify(ctx: KeyContext, stored: StoredKey): Promise<Verification> {
    if (this.takeFault('verify-throw'))
      throw new ProviderError(this.kind, 'verify unavailable (injected)', true);
    const result = this.check(stored, true);
    if (result.accepted && this.takeFault('verify-refuse'))
      return this.log(ctx, stored, { accepted: false, reason: 'refused (injected)' });
    if (result.accepted) this.keys.get(stored.keyId)!.everAccepted = true;
    return this.log(ctx, stored, result);
  }

  async revoke(ctx: KeyContext, stored: StoredKey): Promise<void> {
    if (this.takeFault('revoke-throw')) throw new ProviderError(this.kind, 'revoke failed (injected)', true);
    const record = this.keys.get(stored.keyId);
    if (record && !record.revoked) {
      this.onRevoke?.(record);
      record.revoked = true;
    }
    this.calls.push({
      op: 'revoke',
      keyId: stored.keyId,
      token: ctx.token,
      outcome: record ? 'revoked' : 'absent',
    });
  }

  /** Would the provider accept this key now? No side effects (for invariant checks). */
  accepts(stored: Pick<StoredKey, 'keyId' | 'key'>): boolean {
    return this.check(stored, false).accepted;
  }

  liveKeys(): ProviderKey[] {
    return [...this.keys.values()].filter((k) => !k.revoked);
  }

  /** Every key material string ever issued (for "never leaked" checks). */
  allKeyMaterial(): string[] {
    return [...this.keys.values()].map((k) => k.key);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private check(stored: Pick<StoredKey, 'keyId' | 'key'>, consume: boolean): Verification {
    const record = this.keys.get(stored.keyId);
    if (!record || record.key !== stored.key) return { accepted: false, reason: 'unknown key' };
    if (record.revoked) return { accepted: false, reason: 'revoked' };
    if (record.propagationLeft > 0) {
      if (consume) record.propagationLeft--;
      return { accepted: false, reason: 'not yet propagated' };
    }
    return { accepted: true };
  }

  private log(ctx: KeyContext, stored: StoredKey, result: Verification): Verification {
    this.calls.push({
      op: 'verify',
      keyId: stored.keyId,
      token: ctx.token,
      outcome: result.accepted ? 'accepted' : 'refused',
    });
    return result;
  }

  private issue(token: string): ProviderKey {
    const keyId = `fake-key-${++this.counter}`;
    const record: ProviderKey = {
      keyId,
      key: this.keyPrefix + randomBase62(40),
      token,
      revoked: false,
      activated: false,
      propagationLeft: this.propagationDelay,
      everAccepted: false,
    };
    this.keys.set(keyId, record);
    return record;
  }

  private takeFault(fault: ProviderFault): boolean {
    const index = this.faults.indexOf(fault);
    if (index < 0) return false;
    this.faults.splice(index, 1);
    return true;
  }
}
