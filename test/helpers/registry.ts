/**
 * Registries for tests. `MemoryKeyRegistry` holds exactly the entries a test registers (what a deployment wrote);
 * `deployedRegistry(fake)` registers the fake's secrets the way a deployment would have: their name, full ARN,
 * KMS key and the policy of the configuration that also wrote their tags, captured the first time the secret is
 * looked up (later tag edits change nothing, as with a real deployment). Tests of planted secrets use MemoryKeyRegistry.
 */
import { readKeyPolicy, type KeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyRegistry, RegistryEntry } from '../../lambdas/core/registry';
import { FAKE_KMS_KEY_ARN, type FakeSecret, type FakeSecretsManager } from './secrets-manager-fake';

export class MemoryKeyRegistry implements KeyRegistry {
  readonly entries = new Map<string, RegistryEntry>();
  lookups = 0;

  register(entry: RegistryEntry): this {
    this.entries.set(entry.secretName, structuredClone(entry));
    return this;
  }

  async lookup(secretName: string): Promise<RegistryEntry | undefined> {
    this.lookups++;
    const entry = this.entries.get(secretName);
    return entry ? structuredClone(entry) : undefined;
  }

  async list(): Promise<RegistryEntry[]> {
    return [...this.entries.values()].map((e) => structuredClone(e));
  }
}

/** The entry a deployment writes for `secret`, with the policy its configuration gave it. */
export function entryFor(
  secret: Pick<FakeSecret, 'name' | 'arn'> & { kmsKeyId?: string },
  policy: KeyPolicy,
): RegistryEntry {
  return { secretName: secret.name, secretArn: secret.arn, kmsKeyArn: FAKE_KMS_KEY_ARN, policy };
}

/** The policy of the configuration behind a secret's deployed tags (test set-up only: never at run time). */
export function policyFromDeployedTags(tags: Record<string, string>): KeyPolicy {
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(`test set-up: the tags are not a deployable key: ${outcome.reason}`);
  return outcome.policy;
}

/**
 * A registry holding every secret of `fake` that a test created as deployed (default: all; `except` leaves out
 * planted ones), each registered on first sight with the policy its tags had then.
 */
export function deployedRegistry(
  fake: FakeSecretsManager,
  options: { except?: (secret: FakeSecret) => boolean } = {},
): KeyRegistry & { lookups: number } {
  const captured = new Map<string, RegistryEntry>();
  const registry = {
    lookups: 0,
    async lookup(secretName: string): Promise<RegistryEntry | undefined> {
      registry.lookups++;
      const secret = [...fake.secrets.values()].find((s) => s.name === secretName && !s.deleted);
      if (!secret || options.except?.(secret)) return undefined;
      // Keyed by ARN: a test that resets the fake and creates the secret again has deployed a new secret.
      const existing = captured.get(secret.arn);
      if (existing) return structuredClone(existing);
      const outcome = readKeyPolicy(secret.tags);
      if (!outcome.ok) return undefined;
      const entry = entryFor(secret, outcome.policy);
      captured.set(secret.arn, entry);
      return structuredClone(entry);
    },
    async list(): Promise<RegistryEntry[]> {
      return [...captured.values()];
    },
  };
  return registry;
}
