/**
 * The retirement marks on a managed secret (Secrets Manager, SDK v3): the AWSPREVIOUS label comes off the retired
 * version, and a tag records it. Separate from SecretsManagerSecretStore because only the retire function writes
 * these (its role has UpdateSecretVersionStage and TagResource limited to the two retirement tags).
 */
import {
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { RETIREMENT_TAGS, STAGE } from '../core/constants';
import type { RetirementMarks } from '../core/retire';

export class SecretsManagerRetirementMarks implements RetirementMarks {
  constructor(private readonly client: SecretsManagerClient) {}

  /** The caller checked the label is there; if a rotation moved it meanwhile, the service refuses and we retry. */
  async removePreviousLabel(secretId: string, versionId: string): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: STAGE.previous,
        RemoveFromVersionId: versionId,
      }),
    );
  }

  async markRetired(secretId: string, versionId: string, at: Date): Promise<void> {
    await this.client.send(
      new TagResourceCommand({
        SecretId: secretId,
        Tags: [
          { Key: RETIREMENT_TAGS.retiredVersion, Value: versionId },
          { Key: RETIREMENT_TAGS.retiredAt, Value: at.toISOString() },
        ],
      }),
    );
  }
}
