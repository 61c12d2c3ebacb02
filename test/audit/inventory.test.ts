/**
 * The inventory over Secrets Manager (client-mock fake): every page of ListSecrets, only managed secrets under the
 * prefix, and one extra call only for a secret with an unfinished rotation.
 */
import { ListSecretsCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretInventory } from '../../lambdas/aws/secret-inventory';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { addManaged, installVersionIds } from './secrets-fixture';

const fake = new FakeSecretsManager();
const client = new SecretsManagerClient({ region: 'eu-west-1' });

beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
});

test('lists every page: 350 managed secrets in 4 ListSecrets calls of up to 100, filtered by tag and prefix', async () => {
  for (let i = 0; i < 350; i++) addManaged(fake, `key-${i}`, { lastRotatedDate: new Date() });
  fake.addSecret('other/unrelated', { value: 'x', tags: { team: 'a' } });
  fake.addSecret('keyturn/prod/untagged', { value: 'x', tags: { 'keyturn:managed': 'false' } });

  const secrets = await new SecretInventory(client).listManaged();

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

test('an unfinished rotation costs one ListSecretVersionIds call, which dates the pending version', async () => {
  addManaged(fake, 'healthy');
  const stuck = addManaged(fake, 'stuck');
  fake.beginRotation(stuck.arn, 'v-pending');
  stuck.versions.get('v-pending')!.created = new Date('2026-01-01T00:00:00Z');

  const secrets = await new SecretInventory(client).listManaged();

  expect(fake.mock).toHaveReceivedCommandTimes(ListSecretVersionIdsCommand, 1);
  const listed = secrets.find((s) => s.name === 'keyturn/prod/stuck')!;
  expect(listed.pendingVersion).toEqual({
    versionId: 'v-pending',
    createdDate: new Date('2026-01-01T00:00:00Z'),
  });
  expect(secrets.find((s) => s.name === 'keyturn/prod/healthy')!.pendingVersion).toBeUndefined();
});
