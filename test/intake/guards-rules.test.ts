/**
 * The intake's guards with a hand-driven clock: the token bucket (a burst, then the rate, never more than the
 * burst banked, time counted once) and the replay guard (a remembered signature is seen for the window, the
 * guard holds at most its capacity, forgetting the least recently remembered first).
 */
import { ReplayGuard, TokenBucket } from '../../lambdas/core/intake/guards';

let t: number;
const now = () => t;
beforeEach(() => {
  t = 1_000_000;
});

const takes = (bucket: TokenBucket, n: number) => Array.from({ length: n }, () => bucket.take());

describe('token bucket', () => {
  test('rule: a burst is allowed at once, then nothing until time refills a whole token', () => {
    const bucket = new TokenBucket(2, 3, now);
    expect(takes(bucket, 4)).toEqual([true, true, true, false]);
    t += 499; // 0.998 of a token
    expect(bucket.take()).toBe(false);
    t += 1; // exactly one token
    expect(takes(bucket, 2)).toEqual([true, false]);
  });

  test('rule: the refill is the rate per second, counted once for the time that passed', () => {
    const bucket = new TokenBucket(4, 4, now);
    takes(bucket, 4);
    t += 500; // two tokens
    expect(takes(bucket, 3)).toEqual([true, true, false]);
    expect(takes(bucket, 2)).toEqual([false, false]);
    t += 250;
    expect(takes(bucket, 2)).toEqual([true, false]);
  });

  test('rule: a long idle banks no more than the burst', () => {
    const bucket = new TokenBucket(10, 2, now);
    t += 3_600_000;
    expect(takes(bucket, 3)).toEqual([true, true, false]);
  });

  test('rule: the clock is Date.now unless given', () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(7_000_000);
    try {
      const bucket = new TokenBucket(1, 1);
      expect(takes(bucket, 2)).toEqual([true, false]);
      spy.mockReturnValue(7_001_000);
      expect(takes(bucket, 2)).toEqual([true, false]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('replay guard', () => {
  test('rule: a signature is seen once remembered, for 24 hours (by default), and others are not', () => {
    const guard = new ReplayGuard(undefined, undefined, now);
    expect(guard.seen('sig-a')).toBe(false);
    guard.remember('sig-a');
    expect([guard.seen('sig-a'), guard.seen('sig-b')]).toEqual([true, false]);
    t += 24 * 3_600_000 - 1;
    expect(guard.seen('sig-a')).toBe(true);
    t += 1;
    expect(guard.seen('sig-a')).toBe(false);
  });

  test('rule: remembering again restarts the window', () => {
    const guard = new ReplayGuard(1000, 10, now);
    guard.remember('sig-a');
    t += 900;
    guard.remember('sig-a');
    t += 900;
    expect(guard.seen('sig-a')).toBe(true);
  });

  test('rule: the guard holds at most its capacity, forgetting the least recently remembered first', () => {
    const guard = new ReplayGuard(60_000, 2, now);
    guard.remember('sig-a');
    t += 1;
    guard.remember('sig-b');
    t += 1;
    expect([guard.seen('sig-a'), guard.seen('sig-b')]).toEqual([true, true]);
    guard.remember('sig-a'); // now the most recent
    t += 1;
    guard.remember('sig-c');
    expect(['sig-a', 'sig-b', 'sig-c'].map((s) => guard.seen(s))).toEqual([true, false, true]);
  });

  test('rule: the default capacity is 10,000 signatures', () => {
    const guard = new ReplayGuard(undefined, undefined, now);
    for (let i = 0; i < 10_000; i++) guard.remember(`sig-${i}`);
    expect(guard.seen('sig-0')).toBe(true);
    guard.remember('sig-10000');
    expect([guard.seen('sig-0'), guard.seen('sig-1'), guard.seen('sig-10000')]).toEqual([false, true, true]);
  });

  test('rule: the clock is Date.now unless given', () => {
    const spy = jest.spyOn(Date, 'now').mockReturnValue(9_000_000);
    try {
      const guard = new ReplayGuard(1000);
      guard.remember('sig-a');
      expect(guard.seen('sig-a')).toBe(true);
      spy.mockReturnValue(9_001_000);
      expect(guard.seen('sig-a')).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
