/** IAM access keys and tags of one user (SDK v3). One method per command; NoSuchEntity on delete means done. */
import { tagRecord } from './sdk-maps';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';

export interface AccessKeyInfo {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createdAt: Date;
}

interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export class IamUsers {
  constructor(private readonly client: IAMClient) {}

  async listAccessKeys(userName: string): Promise<AccessKeyInfo[]> {
    const out = await this.client.send(new ListAccessKeysCommand({ UserName: userName }));
    return (out.AccessKeyMetadata ?? []).flatMap((k) =>
      k.AccessKeyId
        ? [
            {
              accessKeyId: k.AccessKeyId,
              status: k.Status === 'Inactive' ? 'Inactive' : 'Active',
              createdAt: k.CreateDate ?? new Date(0),
            } as AccessKeyInfo,
          ]
        : [],
    );
  }

  async createAccessKey(userName: string): Promise<NewAccessKey> {
    const out = await this.client.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = out.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  }

  async updateAccessKey(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void> {
    await this.client.send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
    );
  }

  /** `false` when the key was already gone. */
  async deleteAccessKey(userName: string, accessKeyId: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
      return true;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return false;
      throw error;
    }
  }

  async listUserTags(userName: string): Promise<Record<string, string>> {
    const out = await this.client.send(new ListUserTagsCommand({ UserName: userName }));
    return tagRecord(out.Tags);
  }

  async tagUser(userName: string, key: string, value: string): Promise<void> {
    await this.client.send(new TagUserCommand({ UserName: userName, Tags: [{ Key: key, Value: value }] }));
  }

  async untagUser(userName: string, key: string): Promise<void> {
    await this.client.send(new UntagUserCommand({ UserName: userName, TagKeys: [key] }));
  }
}
