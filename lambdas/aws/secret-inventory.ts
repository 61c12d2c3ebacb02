/**
 * The key inventory over Secrets Manager: ListSecrets (filtered by the managed tag and the name prefix, all
 * pages, 100 per call) carries stages, dates and tags, so no per-secret DescribeSecret is needed. Only a secret
 * with an unfinished rotation costs one more call (ListSecretVersionIds) to learn how old its pending version is.
 * Throttling is retried by the SDK itself (adaptive mode, SDK_RETRY_ENV). Also the two calls `keyturn rotate` makes.
 */
import {
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  type Filter,
  type SecretListEntry,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DEFAULT_SECRET_PREFIX, TAGS } from '../core/constants';
import type { Inventory, ManagedSecret } from '../core/audit/inventory';
import { pendingVersionOf } from '../core/version-labels';
import type { SecretDescription } from '../core/ports';
import { stageRecord, tagRecord } from './sdk-maps';
import { SecretsManagerSecretStore } from './secret-store';

interface SecretInventoryOptions {
  /** Only secrets whose name starts with this. @default 'keyturn/' */
  secretPrefix?: string;
}

/** ListSecrets' largest page. */
export const LIST_PAGE_SIZE = 100;

export class SecretInventory implements Inventory {
  private readonly prefix: string;
  private readonly store: SecretsManagerSecretStore;

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretInventoryOptions = {},
  ) {
    this.prefix = options.secretPrefix ?? DEFAULT_SECRET_PREFIX;
    this.store = new SecretsManagerSecretStore(client);
  }

  /**
   * Every managed secret: ListSecrets pages, then the pending version's age where a rotation is unfinished.
   * `extraFilters` narrow the listing further (e.g. a tag value), ANDed with the managed tag and the prefix.
   */
  async listManaged(extraFilters: Filter[] = []): Promise<ManagedSecret[]> {
    const secrets = (await this.listSecrets(extraFilters)).map(toManagedSecret);
    for (const secret of secrets) {
      if (secret.pendingVersion)
        secret.pendingVersion.createdDate = await this.versionCreatedDate(
          secret.arn,
          secret.pendingVersion.versionId,
        );
    }
    return secrets;
  }

  /** ListSecrets, all pages. */
  async listSecrets(extraFilters: Filter[] = []): Promise<SecretListEntry[]> {
    const out: SecretListEntry[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretsCommand({
          MaxResults: LIST_PAGE_SIZE,
          NextToken: nextToken,
          // Filters are ANDed: tagged managed and named under the prefix (the name filter is a prefix match).
          Filters: [
            { Key: 'tag-key', Values: [TAGS.managed] },
            { Key: 'name', Values: [this.prefix] },
            ...extraFilters,
          ],
        }),
      );
      for (const entry of page.SecretList ?? []) if (this.isManaged(entry)) out.push(entry);
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  }

  /** ListSecretVersionIds: when one version was created (undefined if it is gone). */
  async versionCreatedDate(secretId: string, versionId: string): Promise<Date | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSecretVersionIdsCommand({ SecretId: secretId, MaxResults: 100, NextToken: nextToken }),
      );
      const version = page.Versions?.find((v) => v.VersionId === versionId);
      if (version) return version.CreatedDate;
      nextToken = page.NextToken;
    } while (nextToken);
    return undefined;
  }

  /** DescribeSecret (for following a rotation). */
  describe(secretId: string): Promise<SecretDescription> {
    return this.store.describe(secretId);
  }

  /** RotateSecret now; returns the new version id. Retrying is safe: the same ClientRequestToken is one rotation. */
  async startRotation(secretId: string, token: string): Promise<string> {
    const out = await this.client.send(
      new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token, RotateImmediately: true }),
    );
    return out.VersionId ?? token;
  }

  private isManaged(entry: SecretListEntry): boolean {
    // The filters run server-side; check again, because a tag-key filter does not look at the value.
    return Boolean(
      entry.Name?.startsWith(this.prefix) &&
      !entry.DeletedDate &&
      entry.Tags?.some((t) => t.Key === TAGS.managed && t.Value === 'true'),
    );
  }
}

/** A ListSecrets entry as the audit's inventory item. */
function toManagedSecret(entry: SecretListEntry): ManagedSecret {
  const tags = tagRecord(entry.Tags);
  const versions = stageRecord(entry.SecretVersionsToStages);
  const pending = pendingVersionOf(versions);
  return {
    arn: entry.ARN ?? '',
    name: entry.Name ?? '',
    rotationEnabled: entry.RotationEnabled === true,
    versions,
    tags,
    lastRotatedDate: entry.LastRotatedDate,
    lastAccessedDate: entry.LastAccessedDate,
    nextRotationDate: entry.NextRotationDate,
    createdDate: entry.CreatedDate,
    ...(pending ? { pendingVersion: { versionId: pending } } : {}),
  };
}
