/**
 * Rules of the notify de-duplication (lambdas/core/notify/dedupe.ts): the same key within the window is one page,
 * exactly at the window's end it pages again, a held durable claim suppresses, the durable claim is asked with the
 * key, the time and the window, the bounded memory forgets expired keys before live ones, and a page that could
 * not be sent gives its claim back (its retry pages instead of calling itself a duplicate).
 */
import { Deduplicator, publishOrRelease, type DedupeClaims } from '../../lambdas/core/notify/dedupe';

const WINDOW = 600_000;

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), at: () => t };
}

function recordingClaims(answer: (key: string) => boolean = () => true) {
  const calls: Array<[string, number, number]> = [];
  const released: Array<[string, number, number]> = [];
  const claims: DedupeClaims = {
    claim: async (key, nowMs, windowMs) => {
      calls.push([key, nowMs, windowMs]);
      return answer(key);
    },
    release: async (key, claimedAtMs, windowMs) => void released.push([key, claimedAtMs, windowMs]),
  };
  return { claims, calls, released };
}

describe('rule: the dedupe window', () => {
  test('rule: a window that is zero, negative or not a number is refused, naming it', () => {
    expect(() => new Deduplicator(0, undefined)).toThrow('dedupe window must be positive, got 0');
    expect(() => new Deduplicator(-1, undefined)).toThrow('dedupe window must be positive, got -1');
    expect(() => new Deduplicator(Number.NaN, undefined)).toThrow('dedupe window must be positive, got NaN');
    expect(() => new Deduplicator(1, undefined)).not.toThrow();
  });

  test('rule: one millisecond before the window ends is still a duplicate; at its end the key pages again', async () => {
    const c = clock();
    const d = new Deduplicator(WINDOW, undefined, c.now);
    expect(await d.firstSighting('k')).toBe(true);
    c.advance(WINDOW - 1);
    expect(await d.firstSighting('k')).toBe(false);
    c.advance(1);
    expect(await d.firstSighting('k')).toBe(true);
    // The new sighting starts a new window.
    c.advance(WINDOW - 1);
    expect(await d.firstSighting('k')).toBe(false);
  });

  test('rule: different keys never suppress each other', async () => {
    const d = new Deduplicator(WINDOW, undefined, () => 0);
    expect(await d.firstSighting('a')).toBe(true);
    expect(await d.firstSighting('b')).toBe(true);
    expect(await d.firstSighting('a')).toBe(false);
  });
});

describe('rule: the durable claim decides across containers', () => {
  test('rule: a first sighting claims the key durably, with the current time and the window', async () => {
    const c = clock();
    const { claims, calls } = recordingClaims();
    const d = new Deduplicator(WINDOW, claims, c.now);
    expect(await d.firstSighting('k')).toBe(true);
    expect(calls).toEqual([['k', c.at(), WINDOW]]);
  });

  test('rule: a claim another container holds suppresses the page, and the memory then spares the second write', async () => {
    const c = clock();
    const { claims, calls } = recordingClaims((key) => key !== 'held');
    const d = new Deduplicator(WINDOW, claims, c.now);
    expect(await d.firstSighting('held')).toBe(false);
    c.advance(WINDOW - 1);
    expect(await d.firstSighting('held')).toBe(false);
    expect(calls.map(([k]) => k)).toEqual(['held']);
    // Once the remembered window is over the durable claim is asked again.
    c.advance(1);
    expect(await d.firstSighting('held')).toBe(false);
    expect(calls.map(([k]) => k)).toEqual(['held', 'held']);
  });

  test('rule: a key seen in this container is not claimed again within the window', async () => {
    const c = clock();
    const { claims, calls } = recordingClaims();
    const d = new Deduplicator(WINDOW, claims, c.now);
    await d.firstSighting('k');
    c.advance(1000);
    expect(await d.firstSighting('k')).toBe(false);
    expect(calls).toHaveLength(1);
  });

  test('rule: a failing durable claim propagates (the caller retries; nothing is silently dropped)', async () => {
    let fail = true;
    const d = new Deduplicator(
      WINDOW,
      {
        claim: async () => (fail ? Promise.reject(new Error('throttled')) : true),
        release: async () => undefined,
      },
      () => 0,
    );
    await expect(d.firstSighting('k')).rejects.toThrow('throttled');
    // Not remembered: the retry asks the claim again instead of being treated as a duplicate.
    fail = false;
    expect(await d.firstSighting('k')).toBe(true);
  });
});

describe('rule: the memory is bounded and forgets the right keys', () => {
  test('rule: when full, the oldest key is dropped and the most recent ones are still remembered', async () => {
    const c = clock();
    const d = new Deduplicator(WINDOW, undefined, c.now, 3);
    for (const k of ['a', 'b', 'c', 'd']) expect(await d.firstSighting(k)).toBe(true);
    expect(await d.firstSighting('b')).toBe(false);
    expect(await d.firstSighting('c')).toBe(false);
    expect(await d.firstSighting('d')).toBe(false);
    expect(await d.firstSighting('a')).toBe(true);
  });

  test('rule: below the bound nothing is forgotten', async () => {
    const d = new Deduplicator(WINDOW, undefined, () => 0, 3);
    for (const k of ['a', 'b', 'c']) expect(await d.firstSighting(k)).toBe(true);
    for (const k of ['a', 'b', 'c']) expect(await d.firstSighting(k)).toBe(false);
  });

  test('rule: when full, expired keys are forgotten first, so an older live key stays remembered', async () => {
    const c = clock(0);
    const d = new Deduplicator(WINDOW, undefined, c.now, 3);
    expect(await d.firstSighting('a')).toBe(true); // until WINDOW, first in insertion order
    c.advance(1);
    expect(await d.firstSighting('b')).toBe(true); // until WINDOW + 1
    c.advance(WINDOW - 1); // t = WINDOW: a has expired
    expect(await d.firstSighting('a')).toBe(true); // a re-armed until 2 WINDOW, still first in order
    expect(await d.firstSighting('c')).toBe(true); // full: a, b, c
    c.advance(1); // t = WINDOW + 1: b expires exactly now
    expect(await d.firstSighting('d')).toBe(true); // b is pruned; a (oldest in order) survives
    expect(await d.firstSighting('a')).toBe(false);
    expect(await d.firstSighting('c')).toBe(false);
    expect(await d.firstSighting('d')).toBe(false);
  });
});

describe('rule: a page that could not be sent gives its claim back', () => {
  test('rule: a released first sighting is a first sighting again, and the durable claim is given back as made', async () => {
    const c = clock();
    const { claims, calls, released } = recordingClaims(
      (key) => !calls.slice(0, -1).some(([k]) => k === key),
    );
    const d = new Deduplicator(WINDOW, claims, c.now);
    const claimedAt = c.at();
    expect(await d.firstSighting('k')).toBe(true);
    c.advance(5000);
    await d.release('k');
    expect(released).toEqual([['k', claimedAt, WINDOW]]);
    // The local memory forgot it; the fake's durable claim is still taken, so the answer comes from it.
    expect(await d.firstSighting('k')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  test('rule: without a durable store the memory alone forgets the key', async () => {
    const d = new Deduplicator(WINDOW, undefined, () => 0);
    expect(await d.firstSighting('k')).toBe(true);
    await d.release('k');
    expect(await d.firstSighting('k')).toBe(true);
    expect(await d.firstSighting('k')).toBe(false);
  });

  test('rule: releasing a key this container did not see gives nothing back', async () => {
    const { claims, released } = recordingClaims();
    const d = new Deduplicator(WINDOW, claims, () => 0);
    await d.release('never-seen');
    expect(released).toEqual([]);
  });

  test('rule: a publish that fails releases the claim and then fails with its own error', async () => {
    const { claims, released } = recordingClaims();
    const d = new Deduplicator(WINDOW, claims, () => 0);
    expect(await d.firstSighting('k')).toBe(true);
    const sns = new Error('sns throttled');
    await expect(publishOrRelease(d, 'k', async () => Promise.reject(sns))).rejects.toBe(sns);
    expect(released).toEqual([['k', 0, WINDOW]]);
    expect(await d.firstSighting('k')).toBe(true);
  });

  test('rule: a publish that succeeds keeps the claim', async () => {
    const { claims, released } = recordingClaims();
    const d = new Deduplicator(WINDOW, claims, () => 0);
    expect(await d.firstSighting('k')).toBe(true);
    let sent = 0;
    await publishOrRelease(d, 'k', async () => (sent += 1));
    expect(sent).toBe(1);
    expect(released).toEqual([]);
    expect(await d.firstSighting('k')).toBe(false);
  });

  test('rule: when the release fails too, the publish error is still the one raised', async () => {
    const d = new Deduplicator(
      WINDOW,
      { claim: async () => true, release: async () => Promise.reject(new Error('ddb down')) },
      () => 0,
    );
    await d.firstSighting('k');
    const sns = new Error('sns throttled');
    await expect(publishOrRelease(d, 'k', async () => Promise.reject(sns))).rejects.toBe(sns);
  });
});
