import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import { defaultPrefixFor, keyIdOf, SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';

function context(tags: Record<string, string> = managedTags()): KeyContext {
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(outcome.reason);
  return {
    secretId: 'arn:secret',
    secretName: 'keyturn/prod/billing-api',
    token: 't',
    policy: outcome.policy,
  };
}

const provider = new SelfIssuedProvider();
const stored = (key: string, keyId = keyIdOf(key)) => ({
  keyturn: 1 as const,
  provider: 'self-issued',
  key,
  keyId,
  createdAt: new Date().toISOString(),
});

test('issues a key with the configured prefix, whose id is a digest that does not reveal it', async () => {
  const issued = await provider.create(context());
  expect(issued.key.startsWith('kt_live_')).toBe(true);
  expect(issued.keyId).toMatch(/^sha256:[0-9a-f]{16}$/);
  expect(issued.keyId).not.toContain(issued.key.slice(8, 16));
});

test('the default prefix follows the environment', async () => {
  expect(defaultPrefixFor('prod')).toBe('kt_live_');
  expect(defaultPrefixFor('staging')).toBe('kt_staging_');
  const ctx = context(
    managedTags({
      'keyturn:provider:key-prefix': undefined as unknown as string,
      'keyturn:environment': 'dev',
    }),
  );
  delete ctx.policy.providerSettings['key-prefix'];
  expect((await provider.create(ctx)).key.startsWith('kt_dev_')).toBe(true);
});

test('verify accepts its own key and refuses a key with another prefix or a mismatched id', async () => {
  const ctx = context();
  const { key } = await provider.create(ctx);
  await expect(provider.verify(ctx, stored(key))).resolves.toEqual({ accepted: true });
  const other = await provider.create(context(managedTags({ 'keyturn:provider:key-prefix': 'kt_test_' })));
  await expect(provider.verify(ctx, stored(other.key))).resolves.toMatchObject({ accepted: false });
  await expect(provider.verify(ctx, stored(key, 'sha256:0000000000000000'))).resolves.toMatchObject({
    accepted: false,
  });
});

test('a bad prefix setting is a typed, non-retryable provider error', async () => {
  await expect(
    provider.create(context(managedTags({ 'keyturn:provider:key-prefix': 'BAD' }))),
  ).rejects.toMatchObject({
    name: 'ProviderError',
    retryable: false,
  });
});
