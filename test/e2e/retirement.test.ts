/**
 * Retirement against moto: finishSecret schedules the old key's retirement in EventBridge Scheduler; the test
 * fires that schedule as the scheduler would (the retire handler invoked with the schedule's Input), and the old
 * key must then fail where its consumers check it: the verifier library for self-issued keys, IAM and API Gateway
 * for theirs. The verifier reads the secret from moto through the real SDK.
 */
import { CreateUsagePlanCommand, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PROVIDER_KINDS, RETIREMENT_TAGS, STAGE } from '../../lambdas/core/constants';
import { retirementScheduleName } from '../../lambdas/core/retirement';
import { ApiKeyVerifier } from '../../lambdas/verifier';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto, MOTO_REGION } from '../helpers/moto-server';
import {
  deployManagedSecret,
  hostRotateFunction,
  invoke,
  RETIRE_FUNCTION_ARN,
  rotateAndSettle,
  stagesOf,
  startWorld,
  storedKey,
  versionWith,
  type Handler,
  type World,
} from './world';

describeWithMoto('retirement and the verifier against moto', () => {
  let world: World;
  let retire: Handler;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    world = await startWorld();
    await hostRotateFunction(world);
    ({ handler: retire } = await world.load<{ handler: Handler }>(
      '../../lambdas/retire/handler',
      world.env.retire,
    ));
  });
  afterAll(async () => world?.stop());
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  /** Deploy, rotate once more, and return the old and new versions with the retirement schedule's input. */
  async function rotatedOnce(input: Parameters<typeof deployManagedSecret>[1]) {
    const arn = await deployManagedSecret(world, input);
    const oldVersion = (await versionWith(world, arn, STAGE.current))!;
    const oldKey = await storedKey(world, arn);
    const newVersion = await rotateAndSettle(world, arn);
    const newKey = await storedKey(world, arn);
    const name = retirementScheduleName(arn, oldVersion);
    const schedule = await world.scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: world.scheduleGroup }),
    );
    return { arn, oldVersion, oldKey, newVersion, newKey, schedule };
  }

  /** What EventBridge Scheduler does at the schedule's time: invoke its target with its Input. */
  async function fire(schedule: Awaited<ReturnType<typeof rotatedOnce>>['schedule']) {
    expect(schedule.Target?.Arn).toBe(RETIRE_FUNCTION_ARN);
    return invoke(retire, JSON.parse(schedule.Target!.Input!), 'keyturn-retire');
  }

  function verifierFor(arn: string) {
    return new ApiKeyVerifier({
      keys: [{ name: 'billing-api', secretId: arn, prefix: 'kt_test_' }],
      client: new SecretsManagerClient({ endpoint: world.proxy.url, region: MOTO_REGION }),
      // Re-read on every call: the test moves the secret on between calls.
      ttlMs: 0,
      minRefreshIntervalMs: 0,
    });
  }

  test('finishSecret schedules the old key retirement one overlap after the promotion, at the retire function', async () => {
    const started = Date.now();
    const { schedule, arn, oldVersion } = await rotatedOnce({
      keyName: 'scheduled-api',
      provider: PROVIDER_KINDS.selfIssued,
      overlapHours: 24,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    const at = /^at\((.+)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1];
    const hoursAhead = (Date.parse(`${at}Z`) - started) / 3_600_000;
    expect(hoursAhead).toBeGreaterThan(23.9);
    expect(hoursAhead).toBeLessThan(24.1);
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({ secretId: arn, versionId: oldVersion });
    const listed = await world.scheduler.send(new ListSchedulesCommand({ GroupName: world.scheduleGroup }));
    expect(listed.Schedules?.map((s) => s.Name)).toContain(schedule.Name);
  });

  test('a retired self-issued key is refused by the verifier reading moto; the new key is accepted throughout', async () => {
    const r = await rotatedOnce({
      keyName: 'billing-api',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    const verifier = verifierFor(r.arn);
    // In the overlap window both keys work.
    expect(await verifier.verify(r.oldKey.key)).toEqual({ valid: true, keyName: 'billing-api' });
    expect(await verifier.verify(r.newKey.key)).toEqual({ valid: true, keyName: 'billing-api' });

    await expect(fire(r.schedule)).resolves.toMatchObject({ outcome: 'retired' });

    expect(await verifier.verify(r.oldKey.key)).toEqual({ valid: false, reason: 'retired' });
    expect(await verifier.verify(r.newKey.key)).toEqual({ valid: true, keyName: 'billing-api' });
    const stages = await stagesOf(world, r.arn);
    expect(stages[r.newVersion]).toEqual([STAGE.current]);
    expect(stages[r.oldVersion] ?? []).not.toContain(STAGE.previous);
    const tags = (await world.sm.send(new DescribeSecretCommand({ SecretId: r.arn }))).Tags ?? [];
    expect(tags.find((t) => t.Key === RETIREMENT_TAGS.retiredVersion)?.Value).toBe(r.oldVersion);
    expect(output.text()).not.toContain(r.oldKey.key);
  });

  test('a retirement fired twice (the scheduler retries) is a no-op the second time', async () => {
    const r = await rotatedOnce({
      keyName: 'twice-api',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    await expect(fire(r.schedule)).resolves.toMatchObject({ outcome: 'retired' });
    await expect(fire(r.schedule)).resolves.toMatchObject({ outcome: 'already-retired' });
  });

  test('a retired IAM access key is made Inactive at IAM; the new key stays Active', async () => {
    const user = await world.iam.send(new CreateUserCommand({ UserName: 'retire-bot' }));
    const r = await rotatedOnce({
      keyName: 'retire-iam',
      provider: PROVIDER_KINDS.iamAccessKey,
      providerSettings: { 'user-arn': user.User!.Arn! },
    });
    await expect(fire(r.schedule)).resolves.toMatchObject({ outcome: 'retired' });
    const keys = (await world.iam.send(new ListAccessKeysCommand({ UserName: 'retire-bot' })))
      .AccessKeyMetadata!;
    const status = Object.fromEntries(keys.map((k) => [k.AccessKeyId, k.Status]));
    // moto still authenticates an Inactive key (MOTO_DIFFERENCES): the proof is IAM's own status.
    expect(status).toEqual({ [r.oldKey.keyId]: 'Inactive', [r.newKey.keyId]: 'Active' });
  });

  test('a retired API Gateway key is disabled; the new one stays enabled', async () => {
    const plan = await world.apigw.send(new CreateUsagePlanCommand({ name: 'retire-plan' }));
    const r = await rotatedOnce({
      keyName: 'retire-apigw',
      provider: PROVIDER_KINDS.apiGatewayKey,
      providerSettings: { 'usage-plan-ids': plan.id! },
    });
    await expect(fire(r.schedule)).resolves.toMatchObject({ outcome: 'retired' });
    expect((await world.apigw.send(new GetApiKeyCommand({ apiKey: r.oldKey.keyId }))).enabled).toBe(false);
    expect((await world.apigw.send(new GetApiKeyCommand({ apiKey: r.newKey.keyId }))).enabled).toBe(true);
  });

  test('a schedule input naming a secret outside the prefix is refused before any call', async () => {
    const input = {
      secretId: `arn:aws:secretsmanager:${MOTO_REGION}:123456789012:secret:other/prod/api-AbCdEf`,
      versionId: 'a'.repeat(32),
    };
    await expect(invoke(retire, input, 'keyturn-retire')).rejects.toMatchObject({
      name: 'InvalidRetirementRequestError',
    });
  });
});
