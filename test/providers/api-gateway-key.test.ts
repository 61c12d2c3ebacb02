/** API Gateway API keys: named after the token (retry-safe), in every usage plan, two-phase revoke. */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { BOOTSTRAP_SECRET_VALUE, STAGE, TAGS } from '../../lambdas/core/constants';
import { runRotationStep } from '../../lambdas/core/rotation';
import { ApiGatewayKeys } from '../../lambdas/aws/api-gateway-keys';
import { ApiGatewayKeyProvider, apiKeyNameFor } from '../../lambdas/providers/api-gateway-key';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { FakeApiGateway } from './fakes/api-gateway-fake';
import { contextFor, keyAt, rotateFully, rotationDeps } from './fakes/rotation';

const sm = new FakeSecretsManager();
const apigw = new FakeApiGateway();
const PLANS = ['plan1', 'plan2'];
function tags(overrides: Record<string, string> = {}) {
  const t = managedTags({
    [TAGS.provider]: 'api-gateway-key',
    [`${TAGS.providerSetting}usage-plan-ids`]: PLANS.join(' '),
    ...overrides,
  });
  delete t[`${TAGS.providerSetting}key-prefix`];
  return t;
}
const provider = () =>
  new ApiGatewayKeyProvider(new ApiGatewayKeys(new APIGatewayClient({ region: 'eu-west-1' })));
const secret = () =>
  sm.addSecret('keyturn/prod/partner-api', { value: BOOTSTRAP_SECRET_VALUE, tags: tags() });
const step = (
  deps: ReturnType<typeof rotationDeps>,
  Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret',
  arn: string,
  token: string,
) => runRotationStep(deps, { Step, SecretId: arn, ClientRequestToken: token });

beforeEach(() => {
  sm.reset();
  apigw.reset(PLANS);
});

test('a full rotation issues an enabled, tagged key in every usage plan, named after the token', async () => {
  apigw.membershipDelay = 2; // usage plan membership propagates after two reads
  const deps = rotationDeps([provider()], sm);
  const s = secret();
  const token = await rotateFully(deps, sm, s.arn);
  const stored = keyAt(sm, s.arn);
  const key = apigw.keys.get(stored.keyId)!;
  expect(key).toMatchObject({ enabled: true, value: stored.key, name: `keyturn-billing-api-prod-${token}` });
  expect(key.tags).toMatchObject({
    [TAGS.managed]: 'true',
    [TAGS.keyName]: 'billing-api',
    [TAGS.environment]: 'prod',
  });
  for (const plan of PLANS) expect(apigw.plans.get(plan)!.has(key.id)).toBe(true);
  expect(deps.sleeps.length).toBeGreaterThan(0);
});

test('a retried createSecret after a lost response finds the key by its name: one key, stored once', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = secret();
  const token = sm.beginRotation(s.arn);
  apigw.faults.push({
    command: 'CreateApiKey:after',
    error: Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
  });
  await expect(step(deps, 'createSecret', s.arn, token)).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: true,
  });
  expect(apigw.keys.size).toBe(1);
  sm.faults.push({ command: 'PutSecretValue', when: 'before', error: throttling() });
  await expect(step(deps, 'createSecret', s.arn, token)).rejects.toThrow();
  await step(deps, 'createSecret', s.arn, token);
  expect(apigw.keys.size).toBe(1);
  const [only] = apigw.keys.values();
  expect(keyAt(sm, s.arn, STAGE.pending)).toMatchObject({ keyId: only.id, key: only.value });
  for (const plan of PLANS) expect(apigw.plans.get(plan)!.has(only.id)).toBe(true);
});

test('throttling on create is a retryable error that stores nothing; on verify it is retried', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = secret();
  const token = sm.beginRotation(s.arn);
  apigw.faults.push({
    command: 'GetApiKeys',
    error: Object.assign(new Error('Too Many Requests'), { name: 'TooManyRequestsException' }),
  });
  await expect(step(deps, 'createSecret', s.arn, token)).rejects.toMatchObject({ retryable: true });
  expect(apigw.keys.size).toBe(0);
  expect(sm.valueAt(s.arn, STAGE.pending)).toBeUndefined();
  await step(deps, 'createSecret', s.arn, token);
  apigw.faults.push({
    command: 'GetApiKey',
    error: Object.assign(new Error('Too Many Requests'), { name: 'TooManyRequestsException' }),
  });
  await expect(step(deps, 'testSecret', s.arn, token)).resolves.toBe('verified');
  expect(deps.sleeps).toHaveLength(1);
});

test('revoke disables first (refused, reversible), then deletes; an absent key is already revoked', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = secret();
  await rotateFully(deps, sm, s.arn);
  await rotateFully(deps, sm, s.arn);
  const old = keyAt(sm, s.arn, STAGE.previous);
  const p = provider();
  const ctx = contextFor(tags());
  await expect(p.verify(ctx, old)).resolves.toEqual({ accepted: true });
  await p.revoke(ctx, old);
  expect(apigw.keys.get(old.keyId)?.enabled).toBe(false);
  await expect(p.verify(ctx, old)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('disabled'),
  });
  await p.revoke(ctx, old);
  expect(apigw.keys.has(old.keyId)).toBe(false);
  await expect(p.verify(ctx, old)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('does not exist'),
  });
  await expect(p.revoke(ctx, old)).resolves.toBeUndefined();
  await expect(p.verify(ctx, keyAt(sm, s.arn))).resolves.toEqual({ accepted: true });
});

test('verify refuses a key missing from a usage plan or holding another value', async () => {
  const deps = rotationDeps([provider()], sm);
  const s = secret();
  await rotateFully(deps, sm, s.arn);
  const current = keyAt(sm, s.arn);
  const ctx = contextFor(tags());
  await expect(
    provider().verify(ctx, { ...current, key: 'other-value-000000000000' }),
  ).resolves.toMatchObject({ accepted: false });
  apigw.plans.get('plan2')!.delete(current.keyId);
  await expect(provider().verify(ctx, current)).resolves.toMatchObject({
    accepted: false,
    reason: expect.stringContaining('plan2'),
  });
});

test('missing or malformed usage plan setting: a non-retryable configuration error, nothing created', async () => {
  const bad = contextFor(tags({ [`${TAGS.providerSetting}usage-plan-ids`]: 'Plan,One' }));
  await expect(provider().create(bad)).rejects.toMatchObject({ name: 'ProviderError', retryable: false });
  const none = tags();
  delete none[`${TAGS.providerSetting}usage-plan-ids`];
  await expect(provider().create(contextFor(none))).rejects.toThrow(/usage-plan-ids/);
  expect(apigw.keys.size).toBe(0);
  expect(apiKeyNameFor(contextFor(tags(), 'tok'))).toBe('keyturn-billing-api-prod-tok');
});
