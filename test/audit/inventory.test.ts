/**
 * The inventory over Secrets Manager (client-mock fake): every page of ListSecrets, only managed secrets under the
 * prefix, throttling absorbed with bounded backoff, and one extra call only for a secret with an unfinished rotation.
 */
import { ListSecretsCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretInventory } from '../../lambdas/aws/secret-inventory';
import { isThrottling, withThrottleRetry } from '../../lambdas/aws/throttle-retry';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { addManaged, installVersionIds } from './secrets-fixture';

const fake = new FakeSecretsManager();
const client = new SecretsManagerClient({ region: 'eu-west-1' });
let sleeps: number[];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
  sleeps = [];
});

test('lists every page: 350 managed secrets in 4 ListSecrets calls of up to 100, filtered by tag and prefix', async () => {
  for (let i = 0; i < 350; i++) addManaged(fake, `key-${i}`, { lastRotatedDate: new Date() });
  fake.addSecret('other/unrelated', { value: 'x', tags: { team: 'a' } });
  fake.addSecret('keyturn/prod/untagged', { value: 'x', tags: { 'keyturn:managed': 'false' } });

  const secrets = await new SecretInventory(client, { sleep }).listManaged();

  expect(secrets).toHaveLength(350);
  expect(fake.mock).toHaveReceivedCommandTimes(ListSecretsCommand, 4);
  expect(fake.mock).toHaveReceivedCommandWith(ListSecretsCommand, {
    MaxResults: 100,
    Filters: [
      { Key: 'tag-key', Values: ['keyturn:managed'] },
      { Key: 'name', Values: ['keyturn/'] },
    ],
  });
  expect(fake.mock).not.toHaveReceivedCommand(ListSecretVersionIdsCommand);
  expect(fake.callCount('DescribeSecret')).toBe(0);
  expect(fake.callCount('GetSecretValue')).toBe(0);
});

test('throttled pages are retried with backoff, without starting over', async () => {
  for (let i = 0; i < 250; i++) addManaged(fake, `key-${i}`);
  fake.faults.push(
    { command: 'ListSecrets', when: 'before', error: throttling() },
    { command: 'ListSecrets', when: 'before', error: throttling() },
  );
  const secrets = await new SecretInventory(client, { sleep }).listManaged();
  expect(secrets).toHaveLength(250);
  expect(sleeps).toHaveLength(2);
  expect(fake.callCount('ListSecrets')).toBe(3 + 2);
});

test('guard: throttling that never ends fails after the bounded attempts (no endless loop)', async () => {
  addManaged(fake, 'billing-api');
  for (let i = 0; i < 10; i++)
    fake.faults.push({ command: 'ListSecrets', when: 'before', error: throttling() });
  const inventory = new SecretInventory(client, {
    sleep,
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
  });
  await expect(inventory.listManaged()).rejects.toThrow('Rate exceeded');
  expect(fake.callCount('ListSecrets')).toBe(4);
  expect(sleeps).toHaveLength(3);
  expect(sleeps.every((ms) => ms >= 0 && ms <= 1000)).toBe(true);
});

test('other errors are not retried', async () => {
  const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
  expect(isThrottling(denied)).toBe(false);
  let calls = 0;
  await expect(
    withThrottleRetry(async () => {
      calls++;
      throw denied;
    }, sleep),
  ).rejects.toBe(denied);
  expect(calls).toBe(1);
});

test('an unfinished rotation costs one ListSecretVersionIds call, which dates the pending version', async () => {
  addManaged(fake, 'healthy');
  const stuck = addManaged(fake, 'stuck');
  fake.beginRotation(stuck.arn, 'v-pending');
  stuck.versions.get('v-pending')!.created = new Date('2026-01-01T00:00:00Z');

  const secrets = await new SecretInventory(client, { sleep }).listManaged();

  expect(fake.mock).toHaveReceivedCommandTimes(ListSecretVersionIdsCommand, 1);
  const listed = secrets.find((s) => s.name === 'keyturn/prod/stuck')!;
  expect(listed.pendingVersion).toEqual({
    versionId: 'v-pending',
    createdDate: new Date('2026-01-01T00:00:00Z'),
  });
  expect(secrets.find((s) => s.name === 'keyturn/prod/healthy')!.pendingVersion).toBeUndefined();
});
