/**
 * Keys presented to a verifier (a service checking a caller's key): anything that is not a well-formed key of the
 * expected prefix is refused by format and checksum alone, before any lookup, without throwing.
 */
import { generateApiKey, isWellFormedApiKey, parseApiKey } from '../../lambdas/core/key-material';
import type { KeyContext } from '../../lambdas/core/provider';
import type { StoredKey } from '../../lambdas/core/stored-key';
import { keyIdOf, SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { EVERY_HOSTILE, HUGE, prototypePolluted } from './corpus';
import { BILLING_POLICY, BILLING_SECRET_ARN, BILLING_SECRET_NAME } from '../helpers/billing-key';

const GOOD = generateApiKey('kt_live_');
const flip = (c: string) => (c === 'A' ? 'B' : 'A');

/** Near misses of a real key: the most dangerous inputs, because they almost pass. */
const NEAR_MISSES: Array<[string, string]> = [
  ['checksum off by one character', GOOD.slice(0, -1) + flip(GOOD.slice(-1))],
  ['body off by one character', GOOD.slice(0, 10) + flip(GOOD[10]) + GOOD.slice(11)],
  ['truncated by one character', GOOD.slice(0, -1)],
  ['one character appended', GOOD + 'A'],
  ['another environment prefix', 'kt_test_' + GOOD.slice(8)],
  ['upper-cased', GOOD.toUpperCase()],
  ['surrounded by spaces', ` ${GOOD} `],
  ['with a trailing newline', `${GOOD}\n`],
  ['with a zero-width space inside', GOOD.slice(0, 12) + '\u200b' + GOOD.slice(12)],
  ['with a Cyrillic homoglyph in the prefix', 'kt_l\u0456ve_' + GOOD.slice(8)],
  ['with fullwidth digits', GOOD.replace(/[0-9]/, (d) => String.fromCharCode(0xff10 + Number(d)))],
  ['twice', GOOD + GOOD],
  ['a Bearer header', `Bearer ${GOOD}`],
  ['the key repeated to 1 MB', GOOD.repeat(Math.ceil(1_000_000 / GOOD.length))],
];

const ctx: KeyContext = {
  secretId: BILLING_SECRET_ARN,
  secretName: BILLING_SECRET_NAME,
  token: '3f5a6c1e-2b7d-4e8f-9a0b-1c2d3e4f5a6b',
  policy: BILLING_POLICY,
};

afterEach(() => expect(prototypePolluted()).toBe(false));

test('guard does not fire: the genuine key is well formed and accepted', async () => {
  expect(isWellFormedApiKey(GOOD, 'kt_live_')).toBe(true);
  const stored: StoredKey = {
    keyturn: 1,
    provider: 'self-issued',
    keyId: keyIdOf(GOOD),
    key: GOOD,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  expect(await new SelfIssuedProvider().verify(ctx, stored)).toEqual({ accepted: true });
});

test.each([...NEAR_MISSES, ...EVERY_HOSTILE])(
  'rule: a presented key that is %s is refused by format, without throwing',
  (_what, candidate) => {
    expect(() => parseApiKey(candidate, 'kt_live_')).not.toThrow();
    expect(parseApiKey(candidate, 'kt_live_')).toBeUndefined();
    expect(isWellFormedApiKey(candidate)).toBe(false);
  },
);

test.each(NEAR_MISSES)(
  'rule: a stored key that is %s is not accepted by the self-issued provider, and the reason quotes nothing',
  async (_what, key) => {
    const stored = {
      keyturn: 1,
      provider: 'self-issued',
      keyId: keyIdOf(key),
      key,
      createdAt: '2026-01-01T00:00:00.000Z',
    } as StoredKey;
    const verification = await new SelfIssuedProvider().verify(ctx, stored);
    expect(verification.accepted).toBe(false);
    if (!verification.accepted) {
      expect(verification.reason).not.toContain(key.slice(8, 30));
      expect(verification.reason.length).toBeLessThan(200);
    }
  },
);

test('rule: a genuine key recorded under another key id is not accepted (a swapped id cannot vouch for it)', async () => {
  const other = generateApiKey('kt_live_');
  const stored: StoredKey = {
    keyturn: 1,
    provider: 'self-issued',
    keyId: keyIdOf(other),
    key: GOOD,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  expect((await new SelfIssuedProvider().verify(ctx, stored)).accepted).toBe(false);
});

test('rule: a 1 MB candidate is refused by its length before any regex or checksum runs', () => {
  // The length guard is what keeps a hostile caller from making the verifier scan megabytes per request.
  expect(parseApiKey(HUGE)).toBeUndefined();
  expect(parseApiKey('kt_live_' + HUGE)).toBeUndefined();
});
