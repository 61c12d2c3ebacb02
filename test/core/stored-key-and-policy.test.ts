import { BOOTSTRAP_SECRET_VALUE, TAGS } from '../../lambdas/core/constants';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import { parseSecretContent, serializeStoredKey } from '../../lambdas/core/stored-key';
import { managedTags } from '../helpers/keys';

describe('stored secret values', () => {
  const key = {
    keyturn: 1 as const,
    provider: 'self-issued',
    keyId: 'id',
    key: 'kt_live_secret',
    createdAt: '2026-11-22T10:00:00.000Z',
  };

  test('a stored key round-trips; the bootstrap placeholder is recognised', () => {
    expect(parseSecretContent(serializeStoredKey(key))).toEqual({ ok: true, content: { kind: 'key', key } });
    expect(parseSecretContent(BOOTSTRAP_SECRET_VALUE)).toEqual({ ok: true, content: { kind: 'bootstrap' } });
  });

  test('a malformed value is rejected by shape, never quoting it', () => {
    for (const bad of [
      'kt_live_rawsecret',
      JSON.stringify({ ...key, keyturn: 2 }),
      JSON.stringify({ key: 'kt_live_rawsecret' }),
    ]) {
      const outcome = parseSecretContent(bad);
      expect(outcome.ok).toBe(false);
      expect(JSON.stringify(outcome)).not.toContain('rawsecret');
    }
  });
});

describe('key policy from tags', () => {
  test('reads provider, tier, overlap, leak policy and provider settings', () => {
    const outcome = readKeyPolicy(managedTags({ [TAGS.linkedSystems]: 'a b' }));
    expect(outcome).toMatchObject({
      ok: true,
      policy: {
        keyName: 'billing-api',
        provider: 'self-issued',
        tier: 'critical',
        overlapHours: 24,
        linkedSystems: ['a', 'b'],
        providerSettings: { 'key-prefix': 'kt_live_' },
      },
    });
  });

  test('an unmanaged secret, a bad tier or an out-of-range overlap is refused with the tag named', () => {
    expect(readKeyPolicy({})).toMatchObject({ ok: false, reason: expect.stringContaining(TAGS.managed) });
    expect(readKeyPolicy(managedTags({ [TAGS.tier]: 'gold' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining(TAGS.tier),
    });
    expect(readKeyPolicy(managedTags({ [TAGS.overlapHours]: '999' }))).toMatchObject({ ok: false });
  });

  test('a __proto__ tag stays data and does not pollute objects', () => {
    const tags = JSON.parse(`{"__proto__": {"polluted": "yes"}, ${JSON.stringify(managedTags()).slice(1)}`);
    const outcome = readKeyPolicy(tags);
    expect(outcome.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
