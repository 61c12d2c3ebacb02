/**
 * The self-issued key format's rules (lambdas/core/key-material.ts), at their edges: the draw is uniform (bytes past
 * the last whole multiple of 62 are thrown away, never folded in), every key the provider may issue parses back,
 * the format is stable across releases (a key issued before still parses), and a candidate is refused on prefix,
 * length, alphabet or checksum before any lookup.
 */
import * as crypto from 'node:crypto';
import {
  CHECKSUM_LENGTH,
  MAX_BODY_LENGTH,
  MIN_BODY_LENGTH,
  assertValidPrefix,
  checksumOf,
  generateApiKey,
  isWellFormedApiKey,
  parseApiKey,
  randomBase62,
} from '../../lambdas/core/key-material';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomBytes: jest.fn(actual.randomBytes) };
});
const randomBytes = crypto.randomBytes as unknown as jest.Mock;

afterEach(() => randomBytes.mockImplementation(jest.requireActual<typeof crypto>('node:crypto').randomBytes));

/** The longest prefix KEY_PREFIX_PATTERN admits: a letter, 15 more, `_`, 15 more, `_` (33 characters). */
const LONGEST_PREFIX = 'abcdefghijklmnop_abcdefghijklmno_';

describe('rule: the draw is uniform: bytes 248-255 are discarded, not folded onto the first symbols', () => {
  test('bytes at or above 248 produce no symbol; the bytes below map to base62 in order', () => {
    const bytes = [248, 249, 250, 251, 252, 253, 254, 255, 0, 61, 62, 247];
    randomBytes.mockImplementation(() => Buffer.from(bytes));
    expect(randomBase62(4)).toBe('0z0z');
  });

  test('a draw that is all discarded bytes draws again until it has enough symbols', () => {
    const batches = [Buffer.alloc(8, 255), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])];
    randomBytes.mockImplementation(() => batches.shift() ?? Buffer.from([9, 9, 9, 9]));
    expect(randomBase62(4)).toBe('1234');
  });

  test('a draw returns exactly the length asked, even when a batch holds more usable bytes', () => {
    for (const length of [1, 32, 61, 62, 128]) {
      const out = randomBase62(length);
      expect(out).toHaveLength(length);
      expect(out).toMatch(/^[0-9A-Za-z]+$/);
    }
  });

  test('no symbol is drawn markedly more often than another (62,000 draws, each 1,000 ± 15 %)', () => {
    const counts = new Map<string, number>();
    for (const ch of randomBase62(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
  });
});

describe('rule: every key the provider may issue parses back', () => {
  test.each([
    ['the shortest prefix, the shortest body', 'ab_', MIN_BODY_LENGTH],
    ['the longest prefix, the longest body', LONGEST_PREFIX, MAX_BODY_LENGTH],
    ['a two-part prefix, a middle body', 'kt_live_', 64],
  ])('%s', (_case, prefix, bodyLength) => {
    const key = generateApiKey(prefix, bodyLength);
    expect(key).toHaveLength(prefix.length + bodyLength + CHECKSUM_LENGTH);
    expect(parseApiKey(key, prefix)).toEqual({
      prefix,
      body: key.slice(prefix.length, -CHECKSUM_LENGTH),
      checksum: key.slice(-CHECKSUM_LENGTH),
    });
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  test('the body length is an integer from 32 to 128; anything else issues nothing', () => {
    expect(generateApiKey('kt_live_')).toHaveLength(8 + 32 + 6);
    for (const bad of [31, 129, 32.5, Number.NaN]) {
      expect(() => generateApiKey('kt_live_', bad)).toThrow(
        new RangeError('Key body length must be an integer from 32 to 128'),
      );
    }
  });

  test('a prefix outside the pattern issues nothing, and the refusal says what a prefix looks like', () => {
    expect(() => assertValidPrefix('kt_live_')).not.toThrow();
    expect(() => generateApiKey('KT_LIVE_')).toThrow(
      new TypeError(
        'Key prefix must look like "kt_live_" (lowercase letters and digits, ending in "_"), got "KT_LIVE_"',
      ),
    );
  });
});

describe('rule: the format is stable: a key issued by an earlier release still parses', () => {
  // Issued by generateApiKey('kt_live_') on 2026-12-01; the checksum is CRC32 of prefix + body in 6 base62 digits.
  const ISSUED = 'kt_live_BK5ukfgcEQskc9EPRN4VTxZLBtZciuT33UAS85';

  test('the recorded key parses, and its checksum is the 6 base62 digits of its CRC32', () => {
    expect(parseApiKey(ISSUED, 'kt_live_')).toEqual({
      prefix: 'kt_live_',
      body: 'BK5ukfgcEQskc9EPRN4VTxZLBtZciuT3',
      checksum: '3UAS85',
    });
    expect(checksumOf('kt_live_BK5ukfgcEQskc9EPRN4VTxZLBtZciuT3')).toBe('3UAS85');
  });

  test('a checksum keeps its leading zero digits (always 6 characters)', () => {
    // crc32('x') = 2363233923, whose base62 form has 6 digits; crc32('') = 0 must still give 6.
    expect(checksumOf('')).toBe('000000');
    expect(checksumOf('x')).toHaveLength(6);
  });
});

describe('rule: a malformed candidate is refused before any lookup', () => {
  const key = generateApiKey('kt_live_');

  test('a key without an underscore, or with nothing but a prefix, is refused', () => {
    expect(parseApiKey(key.replace(/_/g, ''))).toBeUndefined();
    expect(parseApiKey('kt_live_')).toBeUndefined();
    // Even a caller asking for an empty prefix gets no key without one.
    const bare = 'a'.repeat(MIN_BODY_LENGTH);
    expect(parseApiKey(bare + checksumOf(bare), '')).toBeUndefined();
  });

  test('without an expected prefix the prefix must still fit the pattern; with one it must be that one', () => {
    expect(parseApiKey(key)).toBeDefined();
    const shouted = 'KT_LIVE_' + key.slice(8, -6);
    expect(parseApiKey(shouted + checksumOf(shouted))).toBeUndefined();
    expect(parseApiKey(key, 'kt_test_')).toBeUndefined();
    expect(parseApiKey(key, 'kt_live_')).toBeDefined();
  });

  test('a body one character short of the minimum is refused even with a correct checksum', () => {
    const head = 'kt_live_' + 'a'.repeat(MIN_BODY_LENGTH - 1);
    expect(parseApiKey(head + checksumOf(head))).toBeUndefined();
    const minimal = 'kt_live_' + 'a'.repeat(MIN_BODY_LENGTH);
    expect(parseApiKey(minimal + checksumOf(minimal))).toBeDefined();
  });

  test('a body outside base62 is refused even with a correct checksum', () => {
    const head = 'kt_live_' + 'a'.repeat(31) + '-';
    expect(parseApiKey(head + checksumOf(head))).toBeUndefined();
  });

  test('one character past the longest key that can be issued is refused', () => {
    const longest = generateApiKey(LONGEST_PREFIX, MAX_BODY_LENGTH);
    const head = LONGEST_PREFIX + 'a'.repeat(MAX_BODY_LENGTH + 1);
    expect(isWellFormedApiKey(longest)).toBe(true);
    expect(isWellFormedApiKey(head + checksumOf(head))).toBe(false);
  });
});
