/**
 * The leak response's view of Secrets Manager (SDK v3): reads by stage, the revoked-versions tag, RotateSecret,
 * and finding the managed secret of a key name or an IAM access key id. Throttling is retried with backoff.
 */
import {
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  RotateSecretCommand,
  TagResourceCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { LEAK_TAGS, PROVIDER_KINDS, STAGE, TAGS } from '../core/constants';
import { SecretNotFoundError, type LeakSecrets, type StageRead } from '../core/leak/ports';
import type { SecretDescription } from '../core/ports';
import { parseSecretContent } from '../core/stored-key';
import { SecretInventory } from './secret-inventory';
import { tagRecord } from './sdk-maps';
import { SecretsManagerSecretStore } from './secret-store';

export class SecretsManagerLeakSecrets implements LeakSecrets {
  private readonly store: SecretsManagerSecretStore;
  private readonly inventory: SecretInventory;

  constructor(
    private readonly client: SecretsManagerClient,
    options: { secretPrefix: string },
  ) {
    this.store = new SecretsManagerSecretStore(client);
    this.inventory = new SecretInventory(client, { secretPrefix: options.secretPrefix });
  }

  async describe(secretId: string): Promise<SecretDescription> {
    try {
      return await this.store.describe(secretId);
    } catch (error) {
      if (error instanceof ResourceNotFoundException)
        throw new SecretNotFoundError(`no secret ${secretId.slice(0, 512)}`, { cause: error });
      throw error;
    }
  }

  async readStage(secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<StageRead | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
      );
      return out.VersionId && out.SecretString !== undefined
        ? { versionId: out.VersionId, value: out.SecretString }
        : undefined;
    } catch (error) {
      // No version carries the label (no AWSPREVIOUS yet), or no such secret: describe tells which.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  readVersion(secretId: string, versionId: string): Promise<string | undefined> {
    return this.store.getValue(secretId, versionId);
  }

  async markRevoked(secretId: string, versionIds: string[]): Promise<void> {
    await this.client.send(
      new TagResourceCommand({
        SecretId: secretId,
        Tags: [{ Key: LEAK_TAGS.revokedVersions, Value: versionIds.join(' ') }],
      }),
    );
  }

  async rotateNow(secretId: string, clientRequestToken: string): Promise<'started' | 'in-progress'> {
    try {
      await this.client.send(
        new RotateSecretCommand({
          SecretId: secretId,
          ClientRequestToken: clientRequestToken,
          RotateImmediately: true,
        }),
      );
      return 'started';
    } catch (error) {
      // "A previous rotation isn't complete": that rotation will produce the replacement.
      if (error instanceof InvalidRequestException && /previous rotation/i.test(error.message))
        return 'in-progress';
      throw error;
    }
  }

  async findByKeyName(keyName: string, environment?: string): Promise<string[]> {
    const filters = [{ Key: 'tag-value' as const, Values: [keyName] }];
    const secrets = await this.inventory.listSecrets(filters);
    return secrets
      .filter(
        (s) =>
          tagOf(s.Tags, TAGS.keyName) === keyName &&
          (!environment || tagOf(s.Tags, TAGS.environment) === environment),
      )
      .map((s) => s.ARN!)
      .filter(Boolean);
  }

  /** Scan the managed IAM keys' AWSCURRENT and AWSPREVIOUS: an access key id is public, but stored only in the value. */
  async findByKeyId(keyId: string): Promise<string | undefined> {
    const secrets = await this.inventory.listSecrets([
      { Key: 'tag-value', Values: [PROVIDER_KINDS.iamAccessKey] },
    ]);
    for (const secret of secrets) {
      if (tagOf(secret.Tags, TAGS.provider) !== PROVIDER_KINDS.iamAccessKey || !secret.ARN) continue;
      const reads = await Promise.all([
        this.readStage(secret.ARN, STAGE.current),
        this.readStage(secret.ARN, STAGE.previous),
      ]);
      for (const read of reads) {
        const parsed = read ? parseSecretContent(read.value) : undefined;
        if (parsed?.ok && parsed.content.kind === 'key' && parsed.content.key.keyId === keyId)
          return secret.ARN;
      }
    }
    return undefined;
  }
}

function tagOf(tags: Array<{ Key?: string; Value?: string }> | undefined, key: string): string | undefined {
  return tagRecord(tags)[key];
}
