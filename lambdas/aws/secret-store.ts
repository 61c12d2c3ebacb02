/** SecretStore over Secrets Manager (SDK v3). One method per command; only expected errors are mapped. */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { STAGE } from '../core/constants';
import type { PutPendingInput, SecretDescription, SecretStore } from '../core/ports';
import { stageRecord, tagRecord } from './sdk-maps';

export class SecretsManagerSecretStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return {
      arn: out.ARN ?? secretId,
      name: out.Name ?? secretId,
      rotationEnabled: out.RotationEnabled === true,
      versions: stageRecord(out.VersionIdsToStages),
      tags: tagRecord(out.Tags),
      ...(out.KmsKeyId ? { kmsKeyId: out.KmsKeyId } : {}),
      lastRotatedDate: out.LastRotatedDate,
      lastAccessedDate: out.LastAccessedDate,
      nextRotationDate: out.NextRotationDate,
    };
  }

  async getValue(secretId: string, versionId: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }),
      );
      return out.SecretString;
    } catch (error) {
      // The service answers ResourceNotFound for a version that exists but has no value yet.
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async putPendingValue(input: PutPendingInput): Promise<'stored' | 'already-exists'> {
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: input.secretId,
          ClientRequestToken: input.token,
          SecretString: input.value,
          VersionStages: [STAGE.pending],
          ...(input.rotationToken ? { RotationToken: input.rotationToken } : {}),
        }),
      );
      return 'stored';
    } catch (error) {
      // Same token, different value: an earlier attempt already stored this version.
      if (error instanceof ResourceExistsException) return 'already-exists';
      throw error;
    }
  }

  async promoteToCurrent(secretId: string, token: string, fromVersionId: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: STAGE.current,
        MoveToVersionId: token,
        RemoveFromVersionId: fromVersionId,
      }),
    );
  }
}
