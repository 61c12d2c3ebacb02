/**
 * The self-issued provider's rules (lambdas/providers/self-issued.ts) at their edges: every environment name gives
 * a prefix the key format accepts (production keys say `live`), the body length setting is honoured, a key is
 * accepted only for its own prefix and its own recorded id, and a configuration the format refuses is a typed,
 * non-retryable error that names the problem and never a key.
 */
import { createHash } from 'node:crypto';
import { ProviderError } from '../../lambdas/core/errors';
import { KEY_PREFIX_PATTERN } from '../../lambdas/core/constants';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import {
  SELF_ISSUED,
  SelfIssuedProvider,
  defaultPrefixFor,
  keyIdOf,
  prefixFor,
} from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';

function context(settings: Record<string, string | undefined> = {}, environment = 'prod'): KeyContext {
  const outcome = readKeyPolicy(managedTags({ 'keyturn:environment': environment }));
  if (!outcome.ok) throw new Error(outcome.reason);
  const providerSettings = { ...outcome.policy.providerSettings };
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) delete providerSettings[name];
    else providerSettings[name] = value;
  }
  return {
    secretId: 'arn:secret',
    secretName: 'keyturn/prod/billing-api',
    token: 't',
    policy: { ...outcome.policy, providerSettings },
  };
}
const provider = new SelfIssuedProvider();
const stored = (key: string, keyId = keyIdOf(key)) => ({
  keyturn: 1 as const,
  provider: SELF_ISSUED,
  key,
  keyId,
  createdAt: '2026-12-01T10:00:00.000Z',
});

describe('rule: every environment name gives a prefix the key format accepts', () => {
  test.each([
    ['prod', 'kt_live_'],
    ['production', 'kt_live_'],
    ['PROD', 'kt_live_'],
    ['Production', 'kt_live_'],
    ['staging', 'kt_staging_'],
    ['eu-west_2', 'kt_euwest2_'],
    ['---', 'kt_key_'],
    ['', 'kt_key_'],
    ['averyveryverylongenvironmentname', 'kt_averyveryverylo_'],
  ])('%j -> %s', (environment, prefix) => {
    expect(defaultPrefixFor(environment)).toBe(prefix);
    expect(KEY_PREFIX_PATTERN.test(prefix)).toBe(true);
  });

  test('the configured prefix wins over the environment; without one the environment decides', () => {
    expect(prefixFor(context({ 'key-prefix': 'kt_test_' }))).toBe('kt_test_');
    expect(prefixFor(context({ 'key-prefix': undefined }, 'qa'))).toBe('kt_qa_');
  });
});

describe('rule: a new key has the configured prefix and body length; its id is a digest, not the key', () => {
  test('the body length setting is honoured; without it the body is the minimum of 32', async () => {
    const long = await provider.create(context({ 'key-prefix': 'kt_live_', 'body-length': '64' }));
    expect(long.key).toMatch(/^kt_live_[0-9A-Za-z]{70}$/);
    const short = await provider.create(context({ 'key-prefix': 'kt_live_', 'body-length': undefined }));
    expect(short.key).toMatch(/^kt_live_[0-9A-Za-z]{38}$/);
  });

  test('the id is sha256: and the first 16 hex digits of the key digest', async () => {
    const { key, keyId } = await provider.create(context());
    expect(keyId).toBe(`sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
    expect(keyIdOf('a')).not.toBe(keyIdOf('b'));
  });

  test('creating a key calls nothing outside (no side effects), and revoking needs no call', async () => {
    expect(provider.kind).toBe('self-issued');
    expect(provider.createHasSideEffects).toBe(false);
    await expect(provider.revoke()).resolves.toBeUndefined();
  });
});

describe('rule: a configuration the key format refuses issues nothing: typed, non-retryable, named', () => {
  test.each([
    ['a bad prefix', { 'key-prefix': 'BAD' }, /^self-issued: cannot issue a key: Key prefix must look like/],
    [
      'a body too short',
      { 'body-length': '16' },
      /^self-issued: cannot issue a key: Key body length must be/,
    ],
    [
      'a body that is no number',
      { 'body-length': 'long' },
      /^self-issued: cannot issue a key: Key body length/,
    ],
  ])('%s', async (_case, settings, message) => {
    const error = await provider.create(context(settings)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'self-issued', retryable: false });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('rule: a key is accepted only for its own prefix and its own recorded id', () => {
  test('its own key is accepted', async () => {
    const ctx = context();
    const { key } = await provider.create(ctx);
    await expect(provider.verify(ctx, stored(key))).resolves.toEqual({ accepted: true });
  });

  test('a key of another prefix is refused with the reason', async () => {
    const other = await provider.create(context({ 'key-prefix': 'kt_test_' }));
    await expect(provider.verify(context(), stored(other.key))).resolves.toEqual({
      accepted: false,
      reason: 'the key is not well formed for this key prefix',
    });
  });

  test('a well-formed key recorded under another id is refused with the reason', async () => {
    const ctx = context();
    const { key } = await provider.create(ctx);
    await expect(provider.verify(ctx, stored(key, keyIdOf(key + 'x')))).resolves.toEqual({
      accepted: false,
      reason: 'the key does not match its key id',
    });
  });
});
