/**
 * The overlap window end to end: rotate through the real rotate handler (which schedules the retirement) →
 * a service behind the verifier middleware accepts both keys → the schedule fires the real retire handler →
 * the old key is refused and the new one accepted.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeScheduler } from '../../lambdas/aws/scheduler';
import { BOOTSTRAP_SECRET_VALUE, RETIREMENT_ENV } from '../../lambdas/core/constants';
import { deps as retireDeps, handler as retireHandler } from '../../lambdas/retire/handler';
import { afterPromotionFromEnv } from '../../lambdas/retire/schedule-from-env';
import { deps as rotateDeps, handler as rotateHandler, logger, metrics } from '../helpers/rotate-handler';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { ApiKeyVerifier, apiKeyAuth } from '../../lambdas/verifier';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { fakeSns, FakeScheduler, installTagResource } from '../retire/fakes';

const sm = new FakeSecretsManager();
beforeEach(() => {
  rotateDeps.registry = deployedRegistry(sm);
  retireDeps.registry = deployedRegistry(sm);
});
const scheduler = new FakeScheduler();
const sns = fakeSns();
const saved = { rotate: rotateDeps.afterPromotion, providers: retireDeps.providers };
let output: ReturnType<typeof captureOutput>;

beforeAll(() => {
  rotateDeps.afterPromotion = afterPromotionFromEnv(
    {
      [RETIREMENT_ENV.groupName]: 'keyturn-retirement',
      [RETIREMENT_ENV.retireFunctionArn]: 'arn:aws:lambda:eu-west-1:111122223333:function:keyturn-retire',
      [RETIREMENT_ENV.schedulerRoleArn]: 'arn:aws:iam::111122223333:role/keyturn-retire-scheduler',
      [RETIREMENT_ENV.deadLetterQueueArn]: 'arn:aws:sqs:eu-west-1:111122223333:keyturn-retire-dlq',
    },
    rotateDeps.store,
    { logger, metrics },
    new EventBridgeScheduler(new SchedulerClient({})),
  );
  retireDeps.providers = new MapProviderRegistry([new SelfIssuedProvider()]);
});
afterAll(() => {
  rotateDeps.afterPromotion = saved.rotate;
  retireDeps.providers = saved.providers;
});
beforeEach(() => {
  sm.reset();
  installTagResource(sm);
  scheduler.reset();
  sns.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

async function rotate(secretId: string): Promise<string> {
  const token = sm.beginRotation(secretId);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
    await rotateHandler(
      { Step, SecretId: secretId, ClientRequestToken: token },
      lambdaContext('keyturn-rotate'),
    );
  }
  return token;
}

test('rotate → both keys accepted → retire → old refused, new accepted', async () => {
  const secret = sm.addSecret('keyturn/prod/billing-api', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ 'keyturn:overlap-hours': '24' }),
  });
  const old = await rotate(secret.arn);
  const current = await rotate(secret.arn);
  const keyOf = (v: string) => JSON.parse(secret.versions.get(v)!.value!).key as string;

  let clock = Date.now();
  const verifier = new ApiKeyVerifier({
    keys: [{ name: 'billing-api', secretId: secret.arn, prefix: 'kt_live_' }],
    client: new SecretsManagerClient({}),
    now: () => clock,
  });
  const service = middy(async (_event: unknown, context: Context) => ({
    statusCode: 200,
    body: String((context as unknown as Record<string, unknown>).apiKeyName),
  })).use(apiKeyAuth({ verifier }));
  const call = (key: string) => service({ headers: { 'x-api-key': key } }, lambdaContext('billing-service'));

  // Overlap: both keys work, without any restart of the service.
  await expect(call(keyOf(current))).resolves.toEqual({ statusCode: 200, body: 'billing-api' });
  await expect(call(keyOf(old))).resolves.toEqual({ statusCode: 200, body: 'billing-api' });

  // The one schedule finishSecret created fires with its payload.
  expect(scheduler.schedules.size).toBe(1);
  const [schedule] = [...scheduler.schedules.values()];
  await expect(
    retireHandler(JSON.parse(schedule.Target!.Input!), lambdaContext('keyturn-retire')),
  ).resolves.toMatchObject({
    outcome: 'retired',
  });

  clock += 5 * 60_000; // the verifier's cache TTL
  await expect(call(keyOf(old))).resolves.toMatchObject({ statusCode: 401 });
  await expect(call(keyOf(current))).resolves.toEqual({ statusCode: 200, body: 'billing-api' });
  expect(sns.messages()).toEqual([]);
  for (const v of [old, current]) expect(output.text()).not.toContain(keyOf(v));
});
