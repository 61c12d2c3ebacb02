/**
 * Rules of the usage finding's page (lambdas/core/notify/findings.ts): what it names (key, secret, tier, owner and
 * backup, window, measurement against threshold, per-kind runbook, the key's own runbook), numbers a tired person
 * can read, a subject within SNS's 100 characters, and one dedupe key per key, kind and severity.
 */
import { findingDedupeKey, formatFinding } from '../../lambdas/core/notify/findings';
import type { Finding, FindingKind } from '../../lambdas/core/notify/usage';
import { policyKey } from './policy-fixture';

const finding = (o: Partial<Finding> = {}): Finding => ({
  kind: 'requests',
  severity: 'critical',
  key: policyKey(),
  observed: 2000,
  threshold: 1000,
  from: '2026-12-01T10:00:00.000Z',
  to: '2026-12-01T10:05:00.000Z',
  ...o,
});

const lines = (f: Finding) => formatFinding(f).message.split('\n');

describe('rule: the page names the key, the window and the measurement', () => {
  test('rule: the whole message, line by line', () => {
    expect(lines(finding())).toEqual([
      'CRITICAL: Request rate high - prod/billing-api',
      '',
      'What happened: 2,000 requests per minute (window average), above 1,000.',
      'Key:           prod/billing-api (secret keyturn/prod/billing-api, tier critical)',
      'Owner:         payments-team@example.com (backup: platform-oncall@example.com)',
      'Window:        2026-12-01T10:00:00.000Z to 2026-12-01T10:05:00.000Z',
      '',
      'What keyturn did: Nothing automatic; the key was not revoked.',
      '',
      'Runbook: Check with the owner whether the traffic is expected (a launch, a batch); if not, find its source in the service logs and treat the key as leaked. Tune: alarms.requestsPerMinute on the key. Key runbook: https://runbooks.example.com/keyturn/billing-api',
    ]);
    expect(formatFinding(finding())).toMatchObject({
      severity: 'critical',
      kind: 'requests',
      subject: '[keyturn critical] Request rate high: prod/billing-api',
      keyName: 'billing-api',
      environment: 'prod',
    });
  });

  test('rule: without a backup owner or a key runbook, neither is mentioned', () => {
    const key = policyKey({ backupOwner: undefined, runbook: undefined });
    const l = lines(finding({ key }));
    expect(l[4]).toBe('Owner:         payments-team@example.com');
    expect(l[9]).not.toContain('Key runbook');
    expect(l[9].endsWith('Tune: alarms.requestsPerMinute on the key.')).toBe(true);
  });

  test('rule: whole numbers with thousands separators, fractions to one decimal', () => {
    expect(lines(finding({ observed: 1234567, threshold: 1000 }))[2]).toContain('1,234,567 requests');
    expect(lines(finding({ kind: 'rejected-share', observed: 12.345, threshold: 10 }))[2]).toBe(
      'What happened: 12.3 % of requests rejected or retired, above 10.',
    );
    expect(lines(finding({ kind: 'read-anomaly', observed: 50, threshold: 9.25 }))[2]).toBe(
      'What happened: 50 GetSecretValue calls in the window, above 9.3.',
    );
  });

  test.each([
    [
      'requests',
      'Request rate high',
      'requests per minute (window average)',
      'Tune: alarms.requestsPerMinute on the key.',
    ],
    [
      'rejected-share',
      'Rejected keys share high',
      '% of requests rejected or retired',
      'Tune: alarms.rejectedPercent.',
    ],
    [
      'retired-key-presented',
      'Retired key presented',
      'requests presenting a retired key',
      'an unknown one means the old key leaked: follow the leak runbook.',
    ],
    [
      'read-anomaly',
      'Secret read far above its usual pattern',
      'GetSecretValue calls in the window',
      'Tune: alarms.readAnomalyBandWidth.',
    ],
  ] as Array<[FindingKind, string, string, string]>)(
    'rule: %s has its headline, unit and runbook step',
    (kind, headline, unit, step) => {
      const n = formatFinding(
        finding({
          kind,
          severity: 'notice',
          observed: 3,
          threshold: 1,
          key: policyKey({ runbook: undefined }),
        }),
      );
      expect(n.subject).toBe(`[keyturn notice] ${headline}: prod/billing-api`);
      expect(n.message.split('\n')[0]).toBe(`NOTICE: ${headline} - prod/billing-api`);
      expect(n.message).toContain(`What happened: 3 ${unit}, above 1.`);
      expect(n.message.endsWith(step)).toBe(true);
      expect(n.kind).toBe(kind);
      expect(n.severity).toBe('notice');
    },
  );

  test('rule: the subject is cut to the 100 characters SNS allows', () => {
    const key = policyKey({ keyName: 'k'.repeat(120) });
    const n = formatFinding(finding({ key }));
    expect(n.subject).toHaveLength(100);
    expect(n.subject.startsWith('[keyturn critical] Request rate high: prod/kkk')).toBe(true);
    expect(n.keyName).toBe('k'.repeat(120));
  });
});

describe('rule: one page per key, kind and severity per dedupe window', () => {
  test('rule: the dedupe key is finding, kind, severity and secret name', () => {
    expect(findingDedupeKey(finding())).toBe('finding|requests|critical|keyturn/prod/billing-api');
  });

  test('rule: another window or measurement of the same breach is the same page; another kind, severity or key is not', () => {
    const f = finding();
    expect(findingDedupeKey({ ...f, observed: 5000, from: 'later', to: 'later' })).toBe(findingDedupeKey(f));
    for (const other of [
      finding({ kind: 'rejected-share' }),
      finding({ severity: 'notice' }),
      finding({ key: policyKey({ secretName: 'keyturn/staging/billing-api' }) }),
    ]) {
      expect(findingDedupeKey(other)).not.toBe(findingDedupeKey(f));
    }
  });
});
