/**
 * An in-memory world for the pure core (rotation, retirement): a secret store that keeps the service's staging
 * rules, a provider that records every call, and a ledger that keeps every append (duplicates included), so a
 * test can see what a step did and, as important, what it did not do.
 */
import { PROVIDER_KINDS, STAGE, TAGS } from '../../lambdas/core/constants';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyRegistry, RegistryEntry } from '../../lambdas/core/registry';
import type {
  Ledger,
  LedgerEntry,
  PutPendingInput,
  SecretDescription,
  SecretStore,
} from '../../lambdas/core/ports';
import type {
  IssuedKey,
  KeyContext,
  KeyProvider,
  ProviderRegistry,
  Verification,
} from '../../lambdas/core/provider';
import type { RetryPolicy } from '../../lambdas/core/retry';
import { serializeStoredKey, type StoredKey } from '../../lambdas/core/stored-key';

export const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf';
export const NAME = 'keyturn/prod/billing-api';
export const KMS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-bbbb-cccc-dddd-eeeeffff0000';

/** Tags of a managed key as the stack writes them (provider `fake`, unless overridden). */
export function policyTags(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const tags: Record<string, string | undefined> = {
    [TAGS.managed]: 'true',
    [TAGS.keyName]: 'billing-api',
    [TAGS.provider]: 'fake',
    [TAGS.environment]: 'prod',
    [TAGS.tier]: 'critical',
    [TAGS.overlapHours]: '24',
    [TAGS.leakPolicy]: 'revoke-first',
    [TAGS.owner]: 'payments-team@example.com',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
}

export function storedKey(keyId: string, provider = 'fake'): StoredKey {
  return {
    keyturn: 1,
    provider,
    keyId,
    key: `material-of-${keyId}-0123456789abcdef`,
    createdAt: '2026-11-01T00:00:00.000Z',
  };
}

export type StoreWrite = { op: 'put'; token: string } | { op: 'promote'; token: string; from: string };

/** A secret store with the service's label rules: promoting moves AWSCURRENT and makes the old one AWSPREVIOUS. */
export class MemoryStore implements SecretStore {
  rotationEnabled = true;
  tags: Record<string, string> = policyTags();
  readonly versions: Record<string, string[]> = {};
  readonly values: Record<string, string> = {};
  readonly writes: StoreWrite[] = [];
  readonly reads: string[] = [];
  lastRotatedDate?: Date;
  /** Called on every describe after the first: lets a test change the secret between two reads. */
  onDescribe?: (describeCount: number) => void;
  describes = 0;

  /** A version with labels and (optionally) a stored key or raw value. */
  addVersion(versionId: string, labels: string[], value?: StoredKey | string): this {
    this.versions[versionId] = labels;
    if (value !== undefined)
      this.values[versionId] = typeof value === 'string' ? value : serializeStoredKey(value);
    return this;
  }

  async describe(secretId: string): Promise<SecretDescription> {
    this.describes += 1;
    this.onDescribe?.(this.describes);
    return {
      arn: secretId === NAME ? ARN : secretId,
      name: NAME,
      rotationEnabled: this.rotationEnabled,
      versions: Object.fromEntries(Object.entries(this.versions).map(([v, l]) => [v, [...l]])),
      tags: { ...this.tags },
      kmsKeyId: KMS_KEY,
      ...(this.lastRotatedDate ? { lastRotatedDate: this.lastRotatedDate } : {}),
    };
  }

  async getValue(_secretId: string, versionId: string): Promise<string | undefined> {
    this.reads.push(versionId);
    return this.values[versionId];
  }

  async putPendingValue(input: PutPendingInput): Promise<'stored' | 'already-exists'> {
    this.writes.push({ op: 'put', token: input.token });
    if (this.values[input.token] !== undefined) return 'already-exists';
    this.values[input.token] = input.value;
    this.versions[input.token] ??= [STAGE.pending];
    return 'stored';
  }

  async promoteToCurrent(_secretId: string, token: string, fromVersionId: string): Promise<void> {
    this.writes.push({ op: 'promote', token, from: fromVersionId });
    for (const [versionId, labels] of Object.entries(this.versions)) {
      this.versions[versionId] = labels.filter((l) => l !== STAGE.previous);
    }
    this.versions[fromVersionId] = [
      ...(this.versions[fromVersionId] ?? []).filter((l) => l !== STAGE.current),
      STAGE.previous,
    ];
    this.versions[token] = [
      ...(this.versions[token] ?? []).filter((l) => l !== STAGE.current),
      STAGE.current,
    ];
  }
}

export type ProviderCall = { op: 'create' | 'activate' | 'verify' | 'revoke'; keyId?: string; token: string };

/** A provider whose keys live outside the secret: issued keys are accepted until revoked. Every call recorded. */
export class RecordingProvider implements KeyProvider {
  readonly calls: ProviderCall[] = [];
  readonly live = new Set<string>();
  verifyRetry?: RetryPolicy;
  /** What create returns; default a fresh, well-formed key named after the token. */
  issue: (ctx: KeyContext) => IssuedKey = (ctx) => ({
    keyId: `id-${ctx.token}`,
    key: `material-${ctx.token}-xyz`,
  });
  /** Answers of verify, in order, before the live-set rule applies. */
  readonly scriptedVerifications: Verification[] = [];
  /** When true, revoke is recorded but the key keeps working. */
  ignoreRevoke = false;
  activate?: (ctx: KeyContext, key: StoredKey) => Promise<void>;
  /** A wait before the proof of a revocation (a vendor that propagates slowly); none unless a test sets it. */
  proofDelayMs?: (ctx: KeyContext) => number;
  /** As the real providers: only self-issued keys are checked by consumers. */
  get checkedByConsumers(): boolean {
    return this.kind === PROVIDER_KINDS.selfIssued;
  }

  constructor(
    readonly kind = 'fake',
    readonly createHasSideEffects = true,
    withActivate = false,
  ) {
    if (withActivate) {
      this.activate = async (ctx, key) => {
        this.calls.push({ op: 'activate', keyId: key.keyId, token: ctx.token });
      };
    }
  }

  async create(ctx: KeyContext, _loadCurrent: () => Promise<StoredKey | undefined>): Promise<IssuedKey> {
    this.calls.push({ op: 'create', token: ctx.token });
    const issued = this.issue(ctx);
    this.live.add(issued.keyId);
    return issued;
  }

  async verify(ctx: KeyContext, key: StoredKey): Promise<Verification> {
    this.calls.push({ op: 'verify', keyId: key.keyId, token: ctx.token });
    const scripted = this.scriptedVerifications.shift();
    if (scripted) return scripted;
    return this.live.has(key.keyId) ? { accepted: true } : { accepted: false, reason: 'revoked' };
  }

  async revoke(ctx: KeyContext, key: StoredKey): Promise<void> {
    this.calls.push({ op: 'revoke', keyId: key.keyId, token: ctx.token });
    if (!this.ignoreRevoke) this.live.delete(key.keyId);
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export function registryOf(...providers: KeyProvider[]): ProviderRegistry {
  return { get: (kind) => providers.find((p) => p.kind === kind) };
}

/** Keeps every append in order (a real ledger dedupes by idempotency key: `distinct` shows that view). */
export class RecordingLedger implements Ledger {
  readonly appends: LedgerEntry[] = [];

  async append(entry: LedgerEntry): Promise<void> {
    this.appends.push(entry);
  }

  async history(): Promise<LedgerEntry[]> {
    return this.distinct();
  }

  distinct(): LedgerEntry[] {
    const seen = new Set<string>();
    return this.appends.filter((e) => !seen.has(e.idempotencyKey) && seen.add(e.idempotencyKey));
  }
}

/**
 * The deployed registry as the stack would write it for this store's secret: the policy comes from the store's
 * tags (the tests' way of saying what the configuration was); a secret whose tags form no policy is not registered.
 */
export function registryFor(store: MemoryStore): KeyRegistry {
  const entry = (): RegistryEntry | undefined => {
    const outcome = readKeyPolicy(store.tags);
    return outcome.ok
      ? { secretName: NAME, secretArn: ARN, kmsKeyArn: KMS_KEY, policy: outcome.policy }
      : undefined;
  };
  return {
    lookup: async (name) => (name === NAME ? entry() : undefined),
    list: async () => [entry()].filter((e): e is RegistryEntry => e !== undefined),
  };
}
