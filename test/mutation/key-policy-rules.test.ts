/**
 * Rules of the key policy read from a secret's tags (lambdas/core/key-policy.ts): the safe defaults, what each
 * field accepts, and how a refusal names the tag.
 */
import { DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS, TAGS } from '../../lambdas/core/constants';
import { readKeyPolicy, splitTagList, type KeyPolicy } from '../../lambdas/core/key-policy';
import { policyTags } from './core-world';

function policy(overrides: Record<string, string | undefined> = {}): KeyPolicy {
  const outcome = readKeyPolicy(policyTags(overrides));
  if (!outcome.ok) throw new Error(`expected a policy, got: ${outcome.reason}`);
  return outcome.policy;
}

function refusal(overrides: Record<string, string | undefined>): string {
  const outcome = readKeyPolicy(policyTags(overrides));
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.reason;
}

describe('rule: a key without a leak-policy tag is revoke-first (a leak response then always revokes)', () => {
  test('no keyturn:leak-policy tag reads as revoke-first', () => {
    expect(policy({ [TAGS.leakPolicy]: undefined }).leakPolicy).toBe('revoke-first');
  });

  test('an explicit rotate-then-revoke is kept', () => {
    expect(policy({ [TAGS.leakPolicy]: 'rotate-then-revoke' }).leakPolicy).toBe('rotate-then-revoke');
  });

  test('an unknown or blank leak policy is refused, naming the tag', () => {
    expect(refusal({ [TAGS.leakPolicy]: 'ignore' })).toContain(`tag ${TAGS.leakPolicy}:`);
    expect(refusal({ [TAGS.leakPolicy]: '' })).toContain(`tag ${TAGS.leakPolicy}:`);
  });
});

describe('rule: the overlap is a plain decimal number of hours between 0 and the maximum, 24 by default', () => {
  test('no overlap tag reads as the default', () => {
    expect(DEFAULT_OVERLAP_HOURS).toBe(24);
    expect(policy({ [TAGS.overlapHours]: undefined }).overlapHours).toBe(DEFAULT_OVERLAP_HOURS);
  });

  test.each([
    ['0', 0],
    ['1.5', 1.5],
    ['168', 168],
    ['1e1', 10],
  ])('overlap %p reads as %p hours', (tag, hours) => {
    expect(policy({ [TAGS.overlapHours]: tag }).overlapHours).toBe(hours);
  });

  test.each(['', ' 24 ', '0x10', '24h', '-1', '168.5'])('overlap %p is refused, naming the tag', (tag) => {
    expect(refusal({ [TAGS.overlapHours]: tag })).toContain(`tag ${TAGS.overlapHours}:`);
  });

  test('the maximum is one week', () => {
    expect(MAX_OVERLAP_HOURS).toBe(168);
  });

  test('a non-numeric overlap says it must be a decimal number of hours', () => {
    expect(refusal({ [TAGS.overlapHours]: 'soon' })).toBe(
      `tag ${TAGS.overlapHours}: must be a decimal number of hours`,
    );
  });
});

describe('rule: a managed key names itself, its provider and environment; optional fields stay optional', () => {
  test.each([TAGS.keyName, TAGS.provider, TAGS.environment])(
    'an empty %s is refused, naming the tag',
    (tag) => {
      expect(refusal({ [tag]: '' })).toContain(`tag ${tag}:`);
    },
  );

  test('only the literal managed=true is managed', () => {
    expect(refusal({ [TAGS.managed]: 'yes' })).toContain(`tag ${TAGS.managed}:`);
  });

  test('several problems are all reported, separated by semicolons', () => {
    expect(refusal({ [TAGS.keyName]: '', [TAGS.tier]: 'gold' }).split('; ')).toHaveLength(2);
  });

  test('every field of a complete policy is read', () => {
    expect(
      policy({
        [TAGS.runbook]: 'https://runbooks.example.com/billing',
        [TAGS.linkedSystems]: '  checkout   invoices ',
        [`${TAGS.providerSetting}user-name`]: 'svc-billing',
        [`${TAGS.providerSetting}key-prefix`]: 'kt_live_',
      }),
    ).toEqual({
      keyName: 'billing-api',
      provider: 'fake',
      environment: 'prod',
      tier: 'critical',
      overlapHours: 24,
      leakPolicy: 'revoke-first',
      owner: 'payments-team@example.com',
      runbook: 'https://runbooks.example.com/billing',
      linkedSystems: ['checkout', 'invoices'],
      providerSettings: { 'user-name': 'svc-billing', 'key-prefix': 'kt_live_' },
    });
  });

  test('without owner, runbook, linked systems or settings the policy has none', () => {
    const p = policy({ [TAGS.owner]: undefined });
    expect(p.owner).toBeUndefined();
    expect(p.runbook).toBeUndefined();
    expect(p.linkedSystems).toEqual([]);
    expect(p.providerSettings).toEqual({});
  });

  test('a tag that merely contains the provider-setting prefix is not a setting', () => {
    expect(policy({ [`x-${TAGS.providerSetting}user-name`]: 'svc' }).providerSettings).toEqual({});
  });

  test('splitTagList splits on any run of whitespace and drops empties', () => {
    expect(splitTagList(' a\tb  c ')).toEqual(['a', 'b', 'c']);
    expect(splitTagList(undefined)).toEqual([]);
    expect(splitTagList('')).toEqual([]);
  });
});
