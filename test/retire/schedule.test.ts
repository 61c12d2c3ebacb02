/**
 * finishSecret → exactly one one-time schedule for the old key, at promotion + overlap, idempotent on retry;
 * through the real rotate handler, the Secrets Manager fake and a stateful EventBridge Scheduler fake.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { BOOTSTRAP_SECRET_VALUE, RETIREMENT_ENV } from '../../lambdas/core/constants';
import { RetirementConfigurationError } from '../../lambdas/core/retirement-errors';
import { retirementScheduleName } from '../../lambdas/core/retirement';
import { EventBridgeScheduler, SCHEDULE_RETRY } from '../../lambdas/aws/scheduler';
import { afterPromotionFromEnv, retirementTargetFromEnv } from '../../lambdas/retire/schedule-from-env';
import { deps, handler, logger, metrics } from '../helpers/rotate-handler';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { FakeScheduler } from './fakes';

const sm = new FakeSecretsManager();
beforeEach(() => {
  deps.registry = deployedRegistry(sm);
});
const scheduler = new FakeScheduler();
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const ENV_VALUES = {
  [RETIREMENT_ENV.groupName]: 'keyturn-retirement',
  [RETIREMENT_ENV.retireFunctionArn]: 'arn:aws:lambda:eu-west-1:111122223333:function:keyturn-retire',
  [RETIREMENT_ENV.schedulerRoleArn]: 'arn:aws:iam::111122223333:role/keyturn-retire-scheduler',
  [RETIREMENT_ENV.deadLetterQueueArn]: 'arn:aws:sqs:eu-west-1:111122223333:keyturn-retire-dlq',
};
const saved = deps.afterPromotion;
let output: ReturnType<typeof captureOutput>;
let clock = new Date('2026-03-01T10:00:00Z');

beforeEach(() => {
  sm.reset();
  scheduler.reset();
  output = captureOutput();
  clock = new Date('2026-03-01T10:00:00Z');
  deps.afterPromotion = afterPromotionFromEnv(
    ENV_VALUES,
    deps.store,
    { logger, metrics },
    new EventBridgeScheduler(new SchedulerClient({})),
  );
  jest.useFakeTimers({ now: clock, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
});
afterEach(() => {
  output.restore();
  jest.useRealTimers();
});
afterAll(() => {
  deps.afterPromotion = saved;
});

const invoke = (Step: string, SecretId: string, ClientRequestToken: string) =>
  handler({ Step, SecretId, ClientRequestToken }, lambdaContext('keyturn-rotate'));

async function rotate(secretId: string): Promise<string> {
  const token = sm.beginRotation(secretId);
  for (const step of STEPS) await invoke(step, secretId, token);
  return token;
}

test('rule: the first rotation (replacing the bootstrap placeholder) schedules nothing', async () => {
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  await rotate(s.arn);
  expect(scheduler.schedules.size).toBe(0);
});

test('rule: finishSecret creates exactly one one-time schedule for the old key at promotion + overlap', async () => {
  const s = sm.addSecret('keyturn/prod/billing-api', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ 'keyturn:overlap-hours': '24' }),
  });
  const first = await rotate(s.arn);
  await rotate(s.arn);

  expect(scheduler.schedules.size).toBe(1);
  const [schedule] = [...scheduler.schedules.values()];
  expect(schedule).toMatchObject({
    Name: retirementScheduleName(s.arn, first),
    GroupName: 'keyturn-retirement',
    ScheduleExpression: 'at(2026-03-02T10:00:00)',
    ScheduleExpressionTimezone: 'UTC',
    ActionAfterCompletion: 'DELETE',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: ENV_VALUES[RETIREMENT_ENV.retireFunctionArn],
      RoleArn: ENV_VALUES[RETIREMENT_ENV.schedulerRoleArn],
      RetryPolicy: SCHEDULE_RETRY,
      DeadLetterConfig: { Arn: ENV_VALUES[RETIREMENT_ENV.deadLetterQueueArn] },
    },
  });
  expect(JSON.parse(schedule.Target!.Input!)).toEqual({ secretId: s.arn, versionId: first });
  // The schedule carries ids only: no key material.
  for (const value of sm.allValues())
    expect(JSON.stringify(schedule)).not.toContain(JSON.parse(value).key ?? '\u0000');
});

test('rule: a retried finishSecret (token already AWSCURRENT) keeps exactly one schedule', async () => {
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  await rotate(s.arn);
  const second = await rotate(s.arn);
  await invoke('finishSecret', s.arn, second);
  await invoke('finishSecret', s.arn, second);
  expect(scheduler.schedules.size).toBe(1);
  expect(scheduler.mock.calls()).toHaveLength(3);
});

test('rule: overlap 0 schedules the retirement one minute out', async () => {
  const s = sm.addSecret('keyturn/prod/billing-api', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ 'keyturn:overlap-hours': '0' }),
  });
  await rotate(s.arn);
  await rotate(s.arn);
  expect([...scheduler.schedules.values()][0].ScheduleExpression).toBe('at(2026-03-01T10:01:00)');
});

test('rule: a scheduler failure fails finishSecret after the promotion, and the retry schedules it', async () => {
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  await rotate(s.arn);
  const token = sm.beginRotation(s.arn);
  for (const step of STEPS.slice(0, 3)) await invoke(step, s.arn, token);
  scheduler.failures.push(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await expect(invoke('finishSecret', s.arn, token)).rejects.toThrow('Rate exceeded');
  expect(sm.versionWith(s.arn, 'AWSCURRENT')).toBe(token);
  expect(scheduler.schedules.size).toBe(0);
  await invoke('finishSecret', s.arn, token);
  expect(scheduler.schedules.size).toBe(1);
});

describe('configuration from the environment', () => {
  test('guard: all four variables set → a target', () => {
    expect(retirementTargetFromEnv(ENV_VALUES)).toEqual({
      groupName: 'keyturn-retirement',
      retireFunctionArn: ENV_VALUES[RETIREMENT_ENV.retireFunctionArn],
      schedulerRoleArn: ENV_VALUES[RETIREMENT_ENV.schedulerRoleArn],
      deadLetterQueueArn: ENV_VALUES[RETIREMENT_ENV.deadLetterQueueArn],
    });
  });

  test('guard: some but not all set → refuses to start, naming what is missing', () => {
    const partial = { ...ENV_VALUES, [RETIREMENT_ENV.deadLetterQueueArn]: undefined };
    expect(() => retirementTargetFromEnv(partial)).toThrow(RetirementConfigurationError);
    expect(() => retirementTargetFromEnv(partial)).toThrow(RETIREMENT_ENV.deadLetterQueueArn);
  });

  test('guard: none set → no retirement, and the log says so', () => {
    expect(afterPromotionFromEnv({}, deps.store, { logger, metrics })).toBeUndefined();
    expect(output.text()).toContain('retirement is not configured');
  });
});
