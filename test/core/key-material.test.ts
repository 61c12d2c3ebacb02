import {
  checksumOf,
  generateApiKey,
  isWellFormedApiKey,
  parseApiKey,
  randomBase62,
} from '../../lambdas/core/key-material';

describe('self-issued key material', () => {
  test('a generated key is prefix + ≥32 base62 chars + 6-char checksum', () => {
    const key = generateApiKey('kt_live_');
    expect(key).toMatch(/^kt_live_[0-9A-Za-z]{38}$/);
    expect(parseApiKey(key, 'kt_live_')).toEqual({
      prefix: 'kt_live_',
      body: key.slice(8, 40),
      checksum: key.slice(40),
    });
  });

  test('keys are unique (1,000 draws, no repeat)', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('kt_test_')));
    expect(keys.size).toBe(1000);
  });

  test('base62 draws use every symbol roughly evenly (no modulo bias towards the first symbols)', () => {
    const counts = new Map<string, number>();
    for (const ch of randomBase62(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700); // expectation 1,000 each
  });

  test('every single-character typo is rejected by the checksum, without any lookup', () => {
    const key = generateApiKey('kt_live_');
    let rejected = 0;
    for (let i = 8; i < key.length; i++) {
      const replacement = key[i] === 'a' ? 'b' : 'a';
      const typo = key.slice(0, i) + replacement + key.slice(i + 1);
      if (!isWellFormedApiKey(typo, 'kt_live_')) rejected++;
    }
    expect(rejected).toBe(key.length - 8);
  });

  test('a truncated key, a wrong prefix, a non-string and an oversized string are rejected', () => {
    const key = generateApiKey('kt_live_');
    expect(isWellFormedApiKey(key.slice(0, -1), 'kt_live_')).toBe(false);
    expect(isWellFormedApiKey(key, 'kt_test_')).toBe(false);
    expect(isWellFormedApiKey(12345)).toBe(false);
    expect(isWellFormedApiKey('kt_live_' + 'a'.repeat(10_000))).toBe(false);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  test('an invalid prefix or body length cannot issue a key', () => {
    expect(() => generateApiKey('KT-LIVE')).toThrow(/prefix/);
    expect(() => generateApiKey('kt_live_', 16)).toThrow(RangeError);
  });

  test('the checksum is 6 base62 characters', () => {
    expect(checksumOf('kt_live_abc')).toMatch(/^[0-9A-Za-z]{6}$/);
  });
});
