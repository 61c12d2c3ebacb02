/** The pure retirement rules: schedule names and times, when to act, what "retired" means. */
import { RETIREMENT_TAGS } from '../../lambdas/core/constants';
import type { SecretDescription } from '../../lambdas/core/ports';
import {
  acceptedVersions,
  atExpression,
  decideRetirement,
  isRetired,
  overdueRetirement,
  retirementScheduleName,
  retirementTime,
} from '../../lambdas/core/retirement';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf';
const OLD = '11111111-1111-4111-8111-111111111111';
const NEW = '22222222-2222-4222-8222-222222222222';

function described(
  versions: Record<string, string[]>,
  tags: Record<string, string> = {},
  lastRotatedDate?: Date,
): SecretDescription {
  return {
    arn: ARN,
    name: 'keyturn/prod/billing-api',
    rotationEnabled: true,
    versions,
    tags,
    lastRotatedDate,
  };
}

describe('schedule name', () => {
  test('rule: one deterministic name per secret + version, valid for EventBridge Scheduler (≤ 64, [0-9A-Za-z_.-])', () => {
    const name = retirementScheduleName(ARN, OLD);
    expect(name).toBe(retirementScheduleName(ARN, OLD));
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[0-9A-Za-z_.-]+$/);
    expect(name.startsWith('keyturn-retire-')).toBe(true);
  });

  test('rule: another version or another secret gets another name', () => {
    expect(retirementScheduleName(ARN, NEW)).not.toBe(retirementScheduleName(ARN, OLD));
    expect(retirementScheduleName(`${ARN}x`, OLD)).not.toBe(retirementScheduleName(ARN, OLD));
  });
});

describe('retirement time', () => {
  const promoted = new Date('2026-03-01T10:15:30.250Z');

  test('rule: promotion + overlap, rounded up to the second, as at(yyyy-mm-ddThh:mm:ss) UTC', () => {
    const at = retirementTime(promoted, 24);
    expect(at.toISOString()).toBe('2026-03-02T10:15:31.000Z');
    expect(atExpression(at)).toBe('at(2026-03-02T10:15:31)');
  });

  test('rule: fractional hours are honoured', () => {
    expect(retirementTime(promoted, 1.5).toISOString()).toBe('2026-03-01T11:45:31.000Z');
  });

  test('rule: overlap 0 retires one minute after promotion (never in the past)', () => {
    expect(retirementTime(promoted, 0).toISOString()).toBe('2026-03-01T10:16:31.000Z');
  });

  test('guard: a negative or non-finite overlap is refused', () => {
    expect(() => retirementTime(promoted, -1)).toThrow(RangeError);
    expect(() => retirementTime(promoted, Number.NaN)).toThrow(RangeError);
  });
});

describe('decideRetirement', () => {
  test('rule: an AWSPREVIOUS version is retired (and its label removed)', () => {
    expect(decideRetirement(described({ [NEW]: ['AWSCURRENT'], [OLD]: ['AWSPREVIOUS'] }), OLD)).toEqual({
      action: 'retire',
      holdsPreviousLabel: true,
    });
  });

  test('guard: a version that is AWSCURRENT again is never retired', () => {
    expect(decideRetirement(described({ [OLD]: ['AWSCURRENT'], [NEW]: ['AWSPREVIOUS'] }), OLD)).toEqual({
      action: 'skip',
      reason: 'is-current',
    });
  });

  test('guard: an AWSPENDING version is not retired', () => {
    expect(decideRetirement(described({ [NEW]: ['AWSCURRENT'], [OLD]: ['AWSPENDING'] }), OLD)).toEqual({
      action: 'skip',
      reason: 'is-pending',
    });
  });

  test('guard: a proven retirement is not redone; an unproven one (no tag) is', () => {
    const versions = { [NEW]: ['AWSCURRENT'] };
    expect(decideRetirement(described(versions, { [RETIREMENT_TAGS.retiredVersion]: OLD }), OLD)).toEqual({
      action: 'skip',
      reason: 'already-retired',
    });
    expect(decideRetirement(described(versions), OLD)).toEqual({
      action: 'retire',
      holdsPreviousLabel: false,
    });
  });
});

describe('isRetired and the accepted set', () => {
  test('rule: during the overlap AWSCURRENT and AWSPREVIOUS are both accepted, current first', () => {
    const d = described({ [OLD]: ['AWSPREVIOUS'], [NEW]: ['AWSCURRENT'] });
    expect(acceptedVersions(d)).toEqual([NEW, OLD]);
    expect(isRetired(d, OLD)).toBe(false);
  });

  test('rule: after retirement (label removed) only AWSCURRENT is accepted', () => {
    const d = described({ [NEW]: ['AWSCURRENT'] }, { [RETIREMENT_TAGS.retiredVersion]: OLD });
    expect(acceptedVersions(d)).toEqual([NEW]);
    expect(isRetired(d, OLD)).toBe(true);
  });

  test('rule: the tag alone refuses a version someone put AWSPREVIOUS back on', () => {
    const d = described(
      { [OLD]: ['AWSPREVIOUS'], [NEW]: ['AWSCURRENT'] },
      { [RETIREMENT_TAGS.retiredVersion]: OLD },
    );
    expect(isRetired(d, OLD)).toBe(true);
    expect(acceptedVersions(d)).toEqual([NEW]);
  });

  test('guard: AWSCURRENT is never retired, even when the tag names it', () => {
    const d = described({ [OLD]: ['AWSCURRENT'] }, { [RETIREMENT_TAGS.retiredVersion]: OLD });
    expect(isRetired(d, OLD)).toBe(false);
    expect(acceptedVersions(d)).toEqual([OLD]);
  });
});

describe('overdueRetirement (for the audit: a retirement that never happened)', () => {
  const rotated = new Date('2026-03-01T00:00:00Z');
  const d = described({ [OLD]: ['AWSPREVIOUS'], [NEW]: ['AWSCURRENT'] }, {}, rotated);

  test('fires: AWSPREVIOUS still un-retired after overlap + grace', () => {
    expect(overdueRetirement(d, 24, new Date('2026-03-02T02:00:01Z'))).toBe(OLD);
  });

  test('does not fire: within overlap + grace, or once retired', () => {
    expect(overdueRetirement(d, 24, new Date('2026-03-02T01:59:59Z'))).toBeUndefined();
    const retired = described({ [NEW]: ['AWSCURRENT'] }, { [RETIREMENT_TAGS.retiredVersion]: OLD }, rotated);
    expect(overdueRetirement(retired, 24, new Date('2026-04-01T00:00:00Z'))).toBeUndefined();
  });
});
