/** Test doubles for retirement: TagResource on the Secrets Manager fake, a stateful Scheduler, a revocable provider. */
import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../../lambdas/core/provider';
import type { StoredKey } from '../../lambdas/core/stored-key';
import type { FakeSecretsManager } from '../helpers/secrets-manager-fake';

/** The shared fake has no TagResource: add it (call after every `sm.reset()`). */
export function installTagResource(sm: FakeSecretsManager): void {
  sm.mock
    .on(TagResourceCommand as never)
    .callsFake(async (input: { SecretId: string; Tags: Array<{ Key: string; Value: string }> }) => {
      await sm.roundTrip();
      const secret = sm.find(input.SecretId);
      for (const tag of input.Tags) secret.tags[tag.Key] = tag.Value;
      return {};
    });
}

/** EventBridge Scheduler keeping schedules by group/name: a second create of the same name is a ConflictException. */
export class FakeScheduler {
  readonly mock = mockClient(SchedulerClient);
  readonly schedules = new Map<string, CreateScheduleCommandInput>();
  /** Errors thrown, in order, by the next CreateSchedule calls (before any effect). */
  readonly failures: Error[] = [];

  constructor() {
    this.install();
  }

  reset(): void {
    this.schedules.clear();
    this.failures.length = 0;
    this.mock.reset();
    this.install();
  }

  private install(): void {
    this.mock.on(CreateScheduleCommand).callsFake(async (input: CreateScheduleCommandInput) => {
      const failure = this.failures.shift();
      if (failure) throw failure;
      const id = `${input.GroupName}/${input.Name}`;
      if (this.schedules.has(id)) {
        throw new ConflictException({
          message: `Schedule ${input.Name} already exists.`,
          Message: `Schedule ${input.Name} already exists.`,
          $metadata: {},
        });
      }
      this.schedules.set(id, input);
      return { ScheduleArn: `arn:aws:scheduler:eu-west-1:111122223333:schedule/${id}` };
    });
  }
}

/** SNS that records every message. */
export function fakeSns() {
  const mock = mockClient(SNSClient);
  const install = () => mock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  install();
  return {
    mock,
    reset: () => {
      mock.reset();
      install();
    },
    messages: () => mock.commandCalls(PublishCommand).map((c) => c.args[0].input),
  };
}

/**
 * A provider with keys that live outside the secret (like IAM): issued keys work until revoked. `ignoreRevoke`
 * makes revocation silently ineffective (the key keeps working), `failRevoke` makes it throw.
 */
export class RevocableProvider implements KeyProvider {
  readonly kind = 'iam-access-key';
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly live = new Set<string>();
  readonly revoked: string[] = [];
  ignoreRevoke = false;
  failRevoke?: Error;
  private next = 1;

  async create(ctx: KeyContext): Promise<IssuedKey> {
    const keyId = `AKIA${String(this.next++).padStart(12, '0')}`;
    this.live.add(keyId);
    return { keyId, key: `secret-for-${keyId}-${ctx.token}` };
  }

  async verify(_ctx: KeyContext, key: StoredKey): Promise<Verification> {
    return this.live.has(key.keyId)
      ? { accepted: true }
      : { accepted: false, reason: 'InvalidClientTokenId' };
  }

  async revoke(_ctx: KeyContext, key: StoredKey): Promise<void> {
    if (this.failRevoke) throw this.failRevoke;
    this.revoked.push(key.keyId);
    if (!this.ignoreRevoke) this.live.delete(key.keyId);
  }
}
