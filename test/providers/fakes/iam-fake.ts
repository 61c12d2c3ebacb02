/**
 * A stateful IAM + STS fake: users with at most two access keys (LimitExceeded beyond), tags, statuses, and an
 * STS that accepts a new key only after `propagationFailures` calls answered InvalidClientTokenId.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  IAMClient,
  LimitExceededException,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { AwsCredentials } from '../../../lambdas/aws/caller-identity';

export interface FakeAccessKey {
  id: string;
  secret: string;
  status: 'Active' | 'Inactive';
  created: Date;
  stsCalls: number;
}

const meta = { $metadata: {} };

export function stsError(name: string): Error {
  const error = new Error(`The security token included in the request is invalid (${name})`);
  error.name = name;
  return error;
}

export class FakeIam {
  readonly mock: AwsClientStub<IAMClient> = mockClient(IAMClient);
  readonly keys = new Map<string, FakeAccessKey[]>();
  readonly tags = new Map<string, Record<string, string>>();
  readonly account = '111122223333';
  propagationFailures = 0;
  now = () => new Date();
  /** Errors thrown by the next calls of a command, in order. */
  readonly faults: Array<{ command: string; error: Error }> = [];

  constructor() {
    this.install();
  }

  arnOf(user: string) {
    return `arn:aws:iam::${this.account}:user/${user}`;
  }

  addUser(name: string, existing: Array<Partial<FakeAccessKey>> = []) {
    this.keys.set(
      name,
      existing.map((k) => this.newKey(k)),
    );
    this.tags.set(name, {});
  }

  private newKey(k: Partial<FakeAccessKey> = {}): FakeAccessKey {
    return {
      id: 'AKIA' + randomBytes(8).toString('hex').toUpperCase().slice(0, 16),
      secret: randomBytes(30).toString('base64'),
      status: 'Active',
      created: this.now(),
      stsCalls: 0,
      ...k,
    };
  }

  private user(name: string | undefined): FakeAccessKey[] {
    const keys = name ? this.keys.get(name) : undefined;
    if (!keys) throw new NoSuchEntityException({ message: `user ${name} not found`, ...meta });
    return keys;
  }

  private fault(command: string) {
    const i = this.faults.findIndex((f) => f.command === command);
    if (i >= 0) throw this.faults.splice(i, 1)[0].error;
  }

  reset() {
    this.mock.reset();
    this.keys.clear();
    this.tags.clear();
    this.faults.length = 0;
    this.propagationFailures = 0;
    this.install();
  }

  private install() {
    this.mock.on(ListAccessKeysCommand).callsFake((input) => {
      this.fault('ListAccessKeys');
      return {
        AccessKeyMetadata: this.user(input.UserName).map((k) => ({
          AccessKeyId: k.id,
          Status: k.status,
          CreateDate: k.created,
          UserName: input.UserName,
        })),
      };
    });
    this.mock.on(CreateAccessKeyCommand).callsFake((input) => {
      this.fault('CreateAccessKey');
      const keys = this.user(input.UserName);
      if (keys.length >= 2)
        throw new LimitExceededException({
          message: 'Cannot exceed quota for AccessKeysPerUser: 2',
          ...meta,
        });
      const key = this.newKey();
      keys.push(key);
      this.fault('CreateAccessKey:after');
      return {
        AccessKey: {
          AccessKeyId: key.id,
          SecretAccessKey: key.secret,
          Status: 'Active',
          UserName: input.UserName,
        },
      };
    });
    this.mock.on(UpdateAccessKeyCommand).callsFake((input) => {
      this.fault('UpdateAccessKey');
      const key = this.user(input.UserName).find((k) => k.id === input.AccessKeyId);
      if (!key) throw new NoSuchEntityException({ message: 'no such key', ...meta });
      key.status = input.Status;
      return {};
    });
    this.mock.on(DeleteAccessKeyCommand).callsFake((input) => {
      const keys = this.user(input.UserName);
      const i = keys.findIndex((k) => k.id === input.AccessKeyId);
      if (i < 0) throw new NoSuchEntityException({ message: 'no such key', ...meta });
      keys.splice(i, 1);
      return {};
    });
    this.mock.on(ListUserTagsCommand).callsFake((input) => ({
      Tags: Object.entries(this.tags.get(input.UserName) ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }));
    this.mock.on(TagUserCommand).callsFake((input) => {
      this.fault('TagUser');
      const tags = this.tags.get(input.UserName)!;
      for (const t of input.Tags) tags[t.Key] = t.Value;
      return {};
    });
    this.mock.on(UntagUserCommand).callsFake((input) => {
      const tags = this.tags.get(input.UserName)!;
      for (const k of input.TagKeys) delete tags[k];
      return {};
    });
  }

  /** An STS client for `credentials`: InvalidClientTokenId until the key has propagated, then the user's ARN. */
  stsClientFor = (credentials: AwsCredentials): STSClient => {
    const fake = {
      send: async () => {
        for (const [user, keys] of this.keys) {
          const key = keys.find((k) => k.id === credentials.accessKeyId);
          if (!key) continue;
          if (key.secret !== credentials.secretAccessKey) throw stsError('SignatureDoesNotMatch');
          key.stsCalls++;
          if (key.stsCalls <= this.propagationFailures || key.status !== 'Active')
            throw stsError('InvalidClientTokenId');
          return { Arn: this.arnOf(user), Account: this.account, UserId: 'AIDAEXAMPLE' };
        }
        throw stsError('InvalidClientTokenId');
      },
      destroy: () => undefined,
    };
    return fake as unknown as STSClient;
  };
}
