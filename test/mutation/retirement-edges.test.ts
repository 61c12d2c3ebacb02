/**
 * Edges of the pure retirement rules (lambdas/core/retirement.ts): when the audit calls a retirement overdue, which
 * versions a consumer accepts, and when the retirement schedule fires.
 */
import { LEAK_TAGS, RETIREMENT_TAGS, STAGE } from '../../lambdas/core/constants';
import type { SecretDescription } from '../../lambdas/core/ports';
import {
  DEFAULT_RETIREMENT_GRACE_HOURS,
  MIN_RETIREMENT_DELAY_MS,
  acceptedVersions,
  decideRetirement,
  isRetired,
  overdueRetirement,
  retiredVersionOf,
  retirementScheduleName,
  retirementTime,
  revokedVersionsOf,
} from '../../lambdas/core/retirement';

const HOUR = 3_600_000;
const ROTATED = new Date('2026-11-30T00:00:00.000Z');

function secret(
  versions: Record<string, string[]>,
  tags: Record<string, string> = {},
  lastRotatedDate?: Date,
) {
  const description: SecretDescription = { arn: 'arn:s', name: 's', rotationEnabled: true, versions, tags };
  if (lastRotatedDate) description.lastRotatedDate = lastRotatedDate;
  return description;
}

describe('rule: a retirement is overdue only once overlap plus grace has passed since the last rotation', () => {
  const rotated = secret({ old: [STAGE.previous], cur: [STAGE.current] }, {}, ROTATED);
  const due = ROTATED.getTime() + (24 + DEFAULT_RETIREMENT_GRACE_HOURS) * HOUR;

  test('the default grace is two hours', () => {
    expect(DEFAULT_RETIREMENT_GRACE_HOURS).toBe(2);
  });

  test('exactly at overlap + grace it is not yet overdue; one millisecond later it is', () => {
    expect(overdueRetirement(rotated, 24, new Date(due))).toBeUndefined();
    expect(overdueRetirement(rotated, 24, new Date(due + 1))).toBe('old');
  });

  test('a grace given by the caller replaces the default', () => {
    const dueIn1h = ROTATED.getTime() + 25 * HOUR;
    expect(overdueRetirement(rotated, 24, new Date(dueIn1h + 1), 1)).toBe('old');
    expect(overdueRetirement(rotated, 24, new Date(dueIn1h + 1))).toBeUndefined();
  });

  test('the overlap counts in hours on top of the grace', () => {
    expect(overdueRetirement(rotated, 0, new Date(ROTATED.getTime() + 2 * HOUR + 1))).toBe('old');
    expect(overdueRetirement(rotated, 1, new Date(ROTATED.getTime() + 2 * HOUR + 1))).toBeUndefined();
  });

  test('a secret never rotated has nothing overdue, however old', () => {
    const never = secret({ old: [STAGE.previous], cur: [STAGE.current] });
    expect(overdueRetirement(never, 0, new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  test('a secret with no AWSPREVIOUS has nothing overdue', () => {
    const alone = secret({ cur: [STAGE.current] }, {}, ROTATED);
    expect(overdueRetirement(alone, 0, new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  test('an AWSPREVIOUS already retired (named by the tag) is not overdue', () => {
    const retired = secret(
      { old: [STAGE.previous], cur: [STAGE.current] },
      { [RETIREMENT_TAGS.retiredVersion]: 'old' },
      ROTATED,
    );
    expect(overdueRetirement(retired, 0, new Date('2030-01-01T00:00:00Z'))).toBeUndefined();
  });

  test('the overdue version is the one holding AWSPREVIOUS, not another label-less one', () => {
    const s = secret({ gone: [], old: [STAGE.previous], cur: [STAGE.current] }, {}, ROTATED);
    expect(overdueRetirement(s, 0, new Date('2030-01-01T00:00:00Z'))).toBe('old');
  });
});

describe('rule: consumers accept AWSCURRENT first, then an un-retired AWSPREVIOUS, never a revoked version', () => {
  test('current comes first whatever the version order', () => {
    expect(acceptedVersions(secret({ old: [STAGE.previous], cur: [STAGE.current] }))).toEqual(['cur', 'old']);
  });

  test('a pending or label-less version is not accepted', () => {
    expect(acceptedVersions(secret({ p: [STAGE.pending], x: [], cur: [STAGE.current] }))).toEqual(['cur']);
  });

  test('a version the leak response revoked is refused even while AWSCURRENT', () => {
    const s = secret(
      { old: [STAGE.previous], cur: [STAGE.current] },
      { [LEAK_TAGS.revokedVersions]: ' cur  other ' },
    );
    expect(revokedVersionsOf(s)).toEqual(['cur', 'other']);
    expect(acceptedVersions(s)).toEqual(['old']);
  });

  test('no revoked-versions tag revokes nothing', () => {
    expect(revokedVersionsOf(secret({ cur: [STAGE.current] }))).toEqual([]);
  });

  test('an empty retired-version tag names no version', () => {
    const s = secret(
      { old: [STAGE.previous], cur: [STAGE.current] },
      { [RETIREMENT_TAGS.retiredVersion]: '' },
    );
    expect(retiredVersionOf(s)).toBeUndefined();
    expect(isRetired(s, 'old')).toBe(false);
  });

  test('a version unknown to the secret counts as retired (it carries no label a consumer reads)', () => {
    expect(isRetired(secret({ cur: [STAGE.current] }), 'ghost')).toBe(true);
  });

  test('a pending version is not retired', () => {
    expect(isRetired(secret({ p: [STAGE.pending], cur: [STAGE.current] }), 'p')).toBe(false);
  });

  test('a version unknown to the secret is retired, not skipped, by the retire function', () => {
    expect(decideRetirement(secret({ cur: [STAGE.current] }), 'ghost')).toEqual({
      action: 'retire',
      holdsPreviousLabel: false,
    });
  });

  test('a label-less version the tag names is already retired', () => {
    const s = secret({ old: [], cur: [STAGE.current] }, { [RETIREMENT_TAGS.retiredVersion]: 'old' });
    expect(decideRetirement(s, 'old')).toEqual({ action: 'skip', reason: 'already-retired' });
  });

  test('a version named by the tag that holds AWSPREVIOUS again is retired again (the label must go)', () => {
    const s = secret(
      { old: [STAGE.previous], cur: [STAGE.current] },
      { [RETIREMENT_TAGS.retiredVersion]: 'old' },
    );
    expect(decideRetirement(s, 'old')).toEqual({ action: 'retire', holdsPreviousLabel: true });
  });
});

describe('rule: the retirement fires after the whole overlap, never before, and never sooner than one minute', () => {
  const promoted = new Date('2026-12-01T10:00:00.250Z');

  test('the minimum delay is one minute', () => {
    expect(MIN_RETIREMENT_DELAY_MS).toBe(60_000);
  });

  test('an overlap shorter than a minute still waits one minute, rounded up to the second', () => {
    expect(retirementTime(promoted, 0.001).toISOString()).toBe('2026-12-01T10:01:01.000Z');
  });

  test('a time already on a whole second is not pushed a second later', () => {
    expect(retirementTime(new Date('2026-12-01T10:00:00.000Z'), 1).toISOString()).toBe(
      '2026-12-01T11:00:00.000Z',
    );
  });

  test.each([-0.001, Number.NaN, Number.POSITIVE_INFINITY])('an overlap of %p hours is refused', (hours) => {
    expect(() => retirementTime(promoted, hours)).toThrow(RangeError);
  });

  test('the refusal names the overlap it got', () => {
    expect(() => retirementTime(promoted, -2)).toThrow('overlapHours must be a non-negative number, got -2');
  });

  test('schedule names are keyturn-retire- and the digest, cut to the 64-character limit (recognisable in the schedule group)', () => {
    expect(retirementScheduleName('arn:s', 'v1')).toMatch(/^keyturn-retire-[0-9a-f]{49}$/);
  });

  test('an overlap of exactly zero is accepted', () => {
    expect(retirementTime(promoted, 0).toISOString()).toBe('2026-12-01T10:01:01.000Z');
  });
});
