/**
 * The stored secret value's rules (lambdas/core/stored-key.ts): what a managed version may hold (every bound at its
 * edge), what is the bootstrap placeholder and what is not, how a refusal names the fields it found wrong (never
 * their values), and that nothing malformed is ever serialized for a write.
 */
import { parseSecretContent, serializeStoredKey, type StoredKey } from '../../lambdas/core/stored-key';

const key: StoredKey = {
  keyturn: 1,
  provider: 'self-issued',
  keyId: 'id-1',
  key: 'kt_live_secret',
  createdAt: '2026-11-22T10:00:00.000Z',
};

const parse = (value: unknown) => parseSecretContent(JSON.stringify(value));
const reasonOf = (value: unknown) => {
  const outcome = parse(value);
  if (outcome.ok) throw new Error('accepted');
  return outcome.reason;
};

describe('rule: a managed version holds a complete, bounded key', () => {
  test('a key with every optional field round-trips', () => {
    const full: StoredKey = {
      ...key,
      expiresAt: '2027-01-01T00:00:00.000Z',
      attributes: { userName: 'svc-billing' },
    };
    expect(parseSecretContent(serializeStoredKey(full))).toEqual({
      ok: true,
      content: { kind: 'key', key: full },
    });
  });

  test.each([
    ['keyturn', { keyturn: 2 }],
    ['provider', { provider: '' }],
    ['keyId', { keyId: '' }],
    ['keyId', { keyId: 'i'.repeat(513) }],
    ['key', { key: '' }],
    ['key', { key: 'k'.repeat(8193) }],
    ['createdAt', { createdAt: 'yesterday' }],
    ['expiresAt', { expiresAt: 'never' }],
    ['attributes.userName', { attributes: { userName: 7 } }],
  ])('a version with a bad %s is refused, naming that field', (field, override) => {
    expect(reasonOf({ ...key, ...override })).toBe(`unexpected shape at ${field}`);
  });

  test('the bounds themselves are accepted: a 512-character key id, an 8192-character key', () => {
    expect(parse({ ...key, keyId: 'i'.repeat(512), key: 'k'.repeat(8192) }).ok).toBe(true);
  });

  test('a refusal lists each wrong field once, in order, and a non-object is refused at the root', () => {
    expect(reasonOf({ keyturn: 1, provider: 'self-issued', createdAt: key.createdAt })).toBe(
      'unexpected shape at keyId, key',
    );
    expect(reasonOf({ ...key, attributes: { a: 1, b: 2 } })).toBe(
      'unexpected shape at attributes.a, attributes.b',
    );
    expect(reasonOf(['kt_live_secret'])).toBe('unexpected shape at (root)');
    expect(parseSecretContent('kt_live_rawsecret')).toEqual({ ok: false, reason: 'not JSON' });
  });

  test('a refusal never quotes the value it refused, even when that value is the key', () => {
    const material = 'kt_live_Th1sIsTheK3yMaterial';
    for (const bad of [
      { ...key, key: material, keyturn: 2 },
      { ...key, keyId: material.repeat(40) },
      { ...key, attributes: { secret: { material } } },
    ]) {
      expect(reasonOf(bad)).not.toContain('Th1sIsTheK3y');
    }
  });
});

describe('rule: only the exact bootstrap placeholder is the bootstrap', () => {
  test('{keyturn: 1, bootstrap: true} is the bootstrap', () => {
    expect(parse({ keyturn: 1, bootstrap: true })).toEqual({ ok: true, content: { kind: 'bootstrap' } });
  });

  test.each([
    [{ keyturn: 1, bootstrap: false }],
    [{ keyturn: 1, bootstrap: 'true' }],
    [{ keyturn: 2, bootstrap: true }],
    [{ bootstrap: true }],
  ])('%j is not the bootstrap (and not a key)', (value) => {
    expect(parse(value).ok).toBe(false);
  });
});

describe('rule: nothing malformed is serialized for a write', () => {
  test('serializing an incomplete key throws instead of writing it', () => {
    expect(() => serializeStoredKey({ ...key, keyId: '' })).toThrow();
    expect(() => serializeStoredKey({ ...key, createdAt: 'now' })).toThrow();
  });

  test('a field outside the schema is dropped, not stored', () => {
    const stored = JSON.parse(serializeStoredKey({ ...key, debug: 'dump' } as StoredKey)) as Record<
      string,
      unknown
    >;
    expect(stored).toEqual(key);
  });
});
