/**
 * The stored self-issued keys of every managed secret, for the intake's keyed-hash index: one ListSecrets listing
 * (managed tag, name prefix, provider self-issued; it carries stages and tags), then AWSCURRENT and AWSPREVIOUS
 * values read in parallel. Live = accepted by consumers now (the rules of lambdas/core/retirement.ts).
 */
import { PROVIDER_KINDS, STAGE, TAGS } from '../core/constants';
import type { ManagedSecret } from '../core/audit/inventory';
import type { ManagedKeySource, ManagedKeyVersion } from '../core/intake/token-index';
import type { SecretStore } from '../core/ports';
import { acceptedVersions } from '../core/retirement';
import { parseSecretContent } from '../core/stored-key';
import type { Filter } from '@aws-sdk/client-secrets-manager';

export interface ManagedInventory {
  listManaged(extraFilters?: Filter[]): Promise<ManagedSecret[]>;
}

export class SecretsManagerManagedKeys implements ManagedKeySource {
  constructor(
    private readonly inventory: ManagedInventory,
    private readonly store: Pick<SecretStore, 'getValue'>,
  ) {}

  async list(): Promise<ManagedKeyVersion[]> {
    const secrets = (
      await this.inventory.listManaged([{ Key: 'tag-value', Values: [PROVIDER_KINDS.selfIssued] }])
    ).filter((s) => s.tags[TAGS.provider] === PROVIDER_KINDS.selfIssued);
    const reads = secrets.flatMap((secret) => {
      const live = acceptedVersions(secret);
      return Object.entries(secret.versions)
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
    });
    return (await Promise.all(reads)).filter((v): v is ManagedKeyVersion => v !== undefined);
  }
}
