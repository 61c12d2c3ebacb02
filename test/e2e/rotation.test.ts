/**
 * Rotations through the rotate function's exported handler (real parser, middy, Powertools) and the real SDK
 * against moto: RotateSecret starts each one and the service (moto-proxy.ts) invokes the four steps with the
 * event AWS sends. Providers: self-issued, IAM user access keys, API Gateway API keys.
 */
import {
  CreateUsagePlanCommand,
  GetApiKeyCommand,
  GetUsagePlanKeysCommand,
} from '@aws-sdk/client-api-gateway';
import { CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { PROVIDER_KINDS, STAGE } from '../../lambdas/core/constants';
import { isWellFormedApiKey } from '../../lambdas/core/key-material';
import { incidentIdFor } from '../../lambdas/core/leak/state';
import { rotationTokenFor } from '../../lambdas/core/leak/steps';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto, MOTO_ACCOUNT, MOTO_REGION } from '../helpers/moto-server';
import {
  deployManagedSecret,
  hostRotateFunction,
  rotateAndSettle,
  stagesOf,
  startWorld,
  storedKey,
  versionWith,
  type World,
} from './world';

describeWithMoto('rotation through the rotate handler against moto', () => {
  let world: World;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    world = await startWorld();
    await hostRotateFunction(world);
  });
  afterAll(async () => world?.stop());
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => output.restore());

  test('a self-issued key is issued on deploy and replaced by the next rotation; the old one becomes AWSPREVIOUS', async () => {
    const arn = await deployManagedSecret(world, {
      keyName: 'billing-api',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    const first = await storedKey(world, arn);
    expect(isWellFormedApiKey(first.key, 'kt_test_')).toBe(true);
    const firstVersion = await versionWith(world, arn, STAGE.current);

    const token = await rotateAndSettle(world, arn);
    const stages = await stagesOf(world, arn);
    expect(stages[token]).toEqual([STAGE.current]);
    expect(stages[firstVersion!]).toEqual([STAGE.previous]);
    const second = await storedKey(world, arn);
    expect(second.key).not.toBe(first.key);
    expect(isWellFormedApiKey(second.key, 'kt_test_')).toBe(true);
    // Key material never reaches a log line or a metric.
    expect(output.text()).not.toContain(first.key);
    expect(output.text()).not.toContain(second.key);
    expect(output.text()).toContain('rotation step done');
  });

  test('issue 15 fix 1: the leak token keyturn-leak-<incident id> is a ClientRequestToken the rotate handler accepts', async () => {
    const arn = await deployManagedSecret(world, {
      keyName: 'leaky-api',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    const incidentId = incidentIdFor({
      signalId: '7c1d9a6e-5f4b-4c3a-9e2d-1b0a9f8e7d6c',
      receivedAt: '2026-12-01T13:14:15.000Z',
    } as Parameters<typeof incidentIdFor>[0]);
    const token = rotationTokenFor(incidentId);
    expect(token).toMatch(/^keyturn-leak-inc-/);
    expect(token).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);

    await rotateAndSettle(world, arn, token);
    const run = world.proxy.rotations.find((r) => r.token === token)!;
    expect(run.steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(await versionWith(world, arn, STAGE.current)).toBe(token);
    expect(isWellFormedApiKey((await storedKey(world, arn, token)).key, 'kt_test_')).toBe(true);
  });

  test('a ClientRequestToken shorter than the service allows is refused by the parser before any call', async () => {
    const { handler } = await world.load<{ handler: (e: unknown, c: unknown) => Promise<unknown> }>(
      '../../lambdas/rotate/handler',
      world.env.rotate,
    );
    const arn = await deployManagedSecret(world, {
      keyName: 'short-token-api',
      provider: PROVIDER_KINDS.selfIssued,
      providerSettings: { 'key-prefix': 'kt_test_' },
    });
    await expect(
      handler({ Step: 'createSecret', SecretId: arn, ClientRequestToken: 'keyturn-leak-x' }, {}),
    ).rejects.toMatchObject({ name: 'InvalidRotationEventError' });
  });

  test('an IAM user access key: issued on deploy, authenticates at STS as the user, and the next rotation adds a second key', async () => {
    const user = await world.iam.send(new CreateUserCommand({ UserName: 'billing-bot' }));
    const userArn = user.User!.Arn!;
    expect(userArn).toBe(`arn:aws:iam::${MOTO_ACCOUNT}:user/billing-bot`);
    const arn = await deployManagedSecret(world, {
      keyName: 'billing-iam',
      provider: PROVIDER_KINDS.iamAccessKey,
      providerSettings: { 'user-arn': userArn },
    });
    const first = await storedKey(world, arn);
    const sts = new STSClient({
      endpoint: world.proxy.url,
      region: MOTO_REGION,
      credentials: { accessKeyId: first.keyId, secretAccessKey: first.key },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(userArn);
    sts.destroy();

    await rotateAndSettle(world, arn);
    const second = await storedKey(world, arn);
    expect(second.keyId).not.toBe(first.keyId);
    const keys = (await world.iam.send(new ListAccessKeysCommand({ UserName: 'billing-bot' })))
      .AccessKeyMetadata!;
    expect(keys.map((k) => [k.AccessKeyId, k.Status]).sort()).toEqual(
      [
        [first.keyId, 'Active'],
        [second.keyId, 'Active'],
      ].sort(),
    );
    // The pending marker the provider set before CreateAccessKey is cleared by setSecret.
    expect(output.text()).not.toContain(second.key);
  });

  test('an API Gateway API key: issued on deploy, enabled, holding the stored value, in every configured usage plan', async () => {
    const plans = await Promise.all(
      ['gold', 'silver'].map((name) => world.apigw.send(new CreateUsagePlanCommand({ name }))),
    );
    const ids = plans.map((p) => p.id!);
    const arn = await deployManagedSecret(world, {
      keyName: 'partner-api',
      provider: PROVIDER_KINDS.apiGatewayKey,
      providerSettings: { 'usage-plan-ids': ids.join(' ') },
    });
    const first = await storedKey(world, arn);
    const key = await world.apigw.send(new GetApiKeyCommand({ apiKey: first.keyId, includeValue: true }));
    expect(key.enabled).toBe(true);
    expect(key.value).toBe(first.key);
    for (const plan of ids) {
      const members = await world.apigw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan }));
      expect(members.items?.map((m) => m.id)).toContain(first.keyId);
    }

    await rotateAndSettle(world, arn);
    const second = await storedKey(world, arn);
    expect(second.keyId).not.toBe(first.keyId);
    expect((await world.apigw.send(new GetApiKeyCommand({ apiKey: first.keyId }))).enabled).toBe(true);
  });
});
