/**
 * The audit's remaining edges (lambdas/core/audit/**): the fallbacks a finding uses when the inventory gives an
 * empty name or version id, expiry dates only in plain YYYY-MM-DD (an expanded year is no date here) and expired
 * from midnight on, a policy reason cut to 300 characters, critical findings first whatever the input order, the
 * notice's size bound to the character, and a run id only from a scheduled time that is a string.
 */
import { DEFAULT_AUDIT_SETTINGS, type Finding } from '../../lambdas/core/audit/findings';
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';
import { MAX_MESSAGE_CHARS, formatAuditNotice } from '../../lambdas/core/audit/report';
import { auditSecret } from '../../lambdas/core/audit/rules';
import { overrideDays } from '../../lambdas/core/audit/cadence';
import { auditRunId } from '../../lambdas/core/audit/settings';
import { NOW, daysAgo, healthySecret, hoursAgo } from './fixtures';

const ctx = { now: NOW, settings: DEFAULT_AUDIT_SETTINGS };
const finding = (secret: ManagedSecret, rule: string, c = ctx) =>
  auditSecret(secret, c).find((f) => f.rule === rule);

describe('rule: a finding still reads when the inventory gives an empty name or version id', () => {
  test('an unnamed secret is "the key" in commands and "<secret>" in the stuck-rotation command', () => {
    const unnamed = (over: Partial<ManagedSecret>, tags: Record<string, string> = {}) =>
      healthySecret({ name: '', ...over }, tags);
    expect(
      finding(unnamed({ lastRotatedDate: undefined, createdDate: undefined }), 'never-rotated')?.fix,
    ).toBe("Run `keyturn rotate the key` and read the rotate function's log if it fails.");
    expect(finding(unnamed({ lastRotatedDate: daysAgo(30) }), 'rotation-overdue')?.fix).toMatch(
      /`keyturn rotate the key`\.$/,
    );
    expect(finding(unnamed({}, { 'keyturn:revoked-versions': 'v-2' }), 'current-revoked')?.fix).toMatch(
      /then `keyturn rotate the key`\./,
    );
    const stuck = finding(
      unnamed({ pendingVersion: { versionId: '', createdDate: hoursAgo(10) } }),
      'rotation-stuck',
    );
    expect(stuck?.message).toMatch(/^rotation stuck: version <version> has been AWSPENDING/);
    expect(stuck?.fix).toContain(
      '--secret-id <secret> --version-stage AWSPENDING --remove-from-version-id <version>',
    );
  });

  test('a pending replacement with an empty id is named "<version>" in a revoked-current finding', () => {
    const secret = healthySecret(
      { pendingVersion: { versionId: '', createdDate: hoursAgo(1) } },
      { 'keyturn:revoked-versions': 'v-2' },
    );
    expect(finding(secret, 'current-revoked')?.message).toMatch(/\(version <version> is still AWSPENDING\)$/);
  });
});

describe('rule: an expiry date is a plain YYYY-MM-DD, and a key is expired from its midnight on', () => {
  test('an expanded-year date is no expiry date: no expiry finding, and metadata says so', () => {
    for (const expires of ['+002026-06-01', '+02026-06-01']) {
      const secret = healthySecret({}, { 'keyturn:expires': expires });
      expect(finding(secret, 'expiry')).toBeUndefined();
      expect(finding(secret, 'metadata')?.message).toBe(
        'incomplete inventory metadata: keyturn:expires is not a YYYY-MM-DD date',
      );
    }
    expect(finding(healthySecret({}, { 'keyturn:expires': '2026-06-01x' }), 'metadata')).toBeDefined();
  });

  test('at midnight of the expiry date the key is expired (critical), not "in 0 days"', () => {
    const midnight = { now: new Date('2026-06-20T00:00:00.000Z'), settings: DEFAULT_AUDIT_SETTINGS };
    expect(finding(healthySecret({}, { 'keyturn:expires': '2026-06-20' }), 'expiry', midnight)).toMatchObject(
      {
        severity: 'critical',
        message: 'expired on 2026-06-20: nothing should still use it',
      },
    );
  });
});

describe('rule: messages stay bounded', () => {
  test('a long policy reason is cut to its first 300 characters', () => {
    const broken = healthySecret(
      {},
      {
        'keyturn:key': '',
        'keyturn:provider': '',
        'keyturn:environment': '',
        'keyturn:tier': 'x',
        'keyturn:overlap-hours': 'x',
        'keyturn:leak-policy': 'x',
      },
    );
    const message = finding(broken, 'metadata')!.message;
    const prefix = 'its tags do not form a valid key policy, so rotation fails: ';
    expect(message.startsWith(prefix)).toBe(true);
    expect(message.length).toBe(prefix.length + 300);
  });

  test('an override with trailing text is no override', () => {
    expect(overrideDays({ 'keyturn:rotate-every-days': '7d' })).toBeUndefined();
    expect(overrideDays({ 'keyturn:rotate-every-days': '7' })).toBe(7);
  });
});

const f = (i: number, severity: 'critical' | 'notice', message = 'm'): Finding => ({
  rule: 'unused',
  severity,
  keyName: `k${i}`,
  environment: 'prod',
  secretName: 'keyturn/prod/k',
  secretArn: `arn:${i}`,
  message,
  fix: 'x',
});

describe('rule: the notice lists critical findings first, in their order, then notices in theirs', () => {
  test.each([
    [['critical', 'notice']],
    [['notice', 'critical']],
    [['notice', 'notice', 'critical', 'notice', 'critical', 'notice']],
    [['critical', 'critical', 'notice', 'notice', 'critical']],
  ] as Array<[Array<'critical' | 'notice'>]>)('%j', (severities) => {
    const findings = severities.map((s, i) => f(i, s));
    const order = [...formatAuditNotice(findings, 1, 'r').message.matchAll(/\n\[(\w+)\] prod\/k(\d+) /g)].map(
      (m) => `${m[1]}${m[2]}`,
    );
    const expected = [
      ...findings.filter((x) => x.severity === 'critical'),
      ...findings.filter((x) => x.severity === 'notice'),
    ].map((x) => `${x.severity}${x.keyName.slice(1)}`);
    expect(order).toEqual(expected);
  });
});

describe('rule: the notice holds blocks up to 200 characters below the limit, to the character', () => {
  const block = (x: Finding) =>
    `\n[${x.severity}] ${x.environment}/${x.keyName} ${x.rule}: ${x.message}\n  secret: ${x.secretName}\n  fix: ${x.fix}\n`;
  const header = (findings: Finding[]) => {
    const one = formatAuditNotice(findings, findings.length, 'r');
    return one.message.slice(0, one.message.indexOf('\n['));
  };

  test.each([
    [0, true],
    [1, false],
  ])('a last block ending %i character(s) past the bound is shown: %s', (past, shown) => {
    const first = f(1, 'notice', 'a');
    const probe = [first, f(2, 'notice', 'b')];
    const fixed = header(probe).length + block(first).length;
    const room = MAX_MESSAGE_CHARS - 200 - fixed;
    const last = f(2, 'notice', '');
    last.message = 'b'.repeat(room - block(last).length + past);
    const notice = formatAuditNotice([first, last], 2, 'r');
    expect(notice.message.includes(`[notice] prod/k2 unused: b`)).toBe(shown);
    expect(notice.message.endsWith('\n... and 1 more finding(s): run `keyturn status`.\n')).toBe(!shown);
  });
});

describe('rule: the run id comes only from a scheduled time that is a string', () => {
  test('an array holding a time is not one', () => {
    const now = new Date('2026-06-15T12:00:00.000Z');
    expect(auditRunId({ scheduledTime: ['2026-06-15T06:00:00Z'] }, now)).toBe('2026-06-15T12:00:00.000Z');
  });
});
