/**
 * The stored self-issued keys of every registered secret, for the intake's keyed-hash index: the deployed registry
 * names the secrets (never a tag or a listing, so a planted secret is never indexed), each is described by its
 * registered full ARN and admitted as the other functions admit it, then its AWSCURRENT and AWSPREVIOUS values are
 * read in parallel. Live = accepted by consumers now (the rules of lambdas/core/retirement.ts).
 */
import { PROVIDER_KINDS, STAGE } from '../core/constants';
import type { ManagedKeySource, ManagedKeyVersion } from '../core/intake/token-index';
import type { SecretStore } from '../core/ports';
import { admitSecret, type KeyRegistry, type RegistryEntry } from '../core/registry';
import { acceptedVersions } from '../core/retirement';
import { parseSecretContent } from '../core/stored-key';

export class RegistryManagedKeys implements ManagedKeySource {
  constructor(
    private readonly registry: KeyRegistry,
    private readonly store: Pick<SecretStore, 'describe' | 'getValue'>,
  ) {}

  async list(): Promise<ManagedKeyVersion[]> {
    const entries = (await this.registry.list()).filter(
      (entry) => entry.policy.provider === PROVIDER_KINDS.selfIssued,
    );
    const versions = await Promise.all(entries.map((entry) => this.versionsOf(entry)));
    return versions.flat();
  }

  private async versionsOf(entry: RegistryEntry): Promise<ManagedKeyVersion[]> {
    const secret = await this.store.describe(entry.secretArn).catch((error: unknown) => {
      // A registered secret deleted since the deployment holds no key to match; the others still answer.
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    });
    if (!secret) return [];
    // Same checks as every function: a secret re-created under the name or moved to another KMS key is not indexed.
    const admitted = await admitSecret(this.registry, secret).then(
      () => true,
      () => false,
    );
    if (!admitted) return [];
    const live = acceptedVersions(secret);
    const reads = Object.entries(secret.versions)
      .filter(([, labels]) => labels.includes(STAGE.current) || labels.includes(STAGE.previous))
      .map(async ([versionId]): Promise<ManagedKeyVersion | undefined> => {
        const raw = await this.store.getValue(secret.arn, versionId);
        const parsed = raw === undefined ? undefined : parseSecretContent(raw);
        if (!parsed?.ok || parsed.content.kind !== 'key') return undefined;
        return {
          secretArn: secret.arn,
          secretName: secret.name,
          versionId,
          keyId: parsed.content.key.keyId,
          live: live.includes(versionId),
          key: parsed.content.key.key,
        };
      });
    return (await Promise.all(reads)).filter((v): v is ManagedKeyVersion => v !== undefined);
  }
}
