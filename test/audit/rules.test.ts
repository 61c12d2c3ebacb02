/**
 * The audit's rules on a table of secrets in every state: each rule has one case where it fires and one where it
 * does not, and a healthy secret produces no finding at all.
 */
import { auditSecret, safeLabel } from '../../lambdas/core/audit/rules';
import { DEFAULT_AUDIT_SETTINGS, type AuditRuleId } from '../../lambdas/core/audit/findings';
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';
import { cadenceDays, nextRotationDue } from '../../lambdas/core/audit/cadence';
import { NOW, daysAgo, healthySecret, hoursAgo } from './fixtures';

const ctx = { now: NOW, settings: DEFAULT_AUDIT_SETTINGS };
const rulesFor = (secret: ManagedSecret) => auditSecret(secret, ctx).map((f) => f.rule);

test('a healthy secret has no finding', () => {
  expect(auditSecret(healthySecret(), ctx)).toEqual([]);
});

type Case = [string, AuditRuleId, 'critical' | 'notice', ManagedSecret, ManagedSecret, RegExp];

const cases: Case[] = [
  [
    'metadata: tags that are not a key policy (unknown tier)',
    'metadata',
    'critical',
    healthySecret({}, { 'keyturn:tier': 'gold' }),
    healthySecret(),
    /do not form a valid key policy.*keyturn:tier/,
  ],
  [
    'metadata: owner and runbook tags missing',
    'metadata',
    'notice',
    healthySecret({}, { 'keyturn:owner': undefined, 'keyturn:runbook': undefined }),
    healthySecret({}, { 'keyturn:linked-systems': undefined }),
    /keyturn:owner missing, keyturn:runbook missing/,
  ],
  [
    'current-revoked: the leak response revoked AWSCURRENT (keyturn:revoked-versions) and nothing replaced it',
    'current-revoked',
    'critical',
    healthySecret({}, { 'keyturn:revoked-versions': 'v-2' }),
    // The replacement was promoted: the revoked version is only AWSPREVIOUS now.
    healthySecret(
      { versions: { 'v-3': ['AWSCURRENT'], 'v-2': ['AWSPREVIOUS'] } },
      { 'keyturn:revoked-versions': 'v-2' },
    ),
    /current key \(version v-2\) was revoked by the leak response/,
  ],
  [
    'rotation-disabled',
    'rotation-disabled',
    'critical',
    healthySecret({ rotationEnabled: false }),
    healthySecret({ rotationEnabled: true }),
    /rotation is disabled/,
  ],
  [
    'never-rotated: created 2 days ago, no rotation',
    'never-rotated',
    'critical',
    healthySecret({ lastRotatedDate: undefined, createdDate: daysAgo(2) }),
    // Created an hour ago: the first rotation (on deploy) may still be running.
    healthySecret({ lastRotatedDate: undefined, createdDate: hoursAgo(1) }),
    /never rotated since it was created 2 days ago/,
  ],
  [
    'rotation-overdue: critical tier rotated 9 days ago (7 days + 24 h grace)',
    'rotation-overdue',
    'critical',
    healthySecret({ lastRotatedDate: daysAgo(9) }),
    healthySecret({ lastRotatedDate: daysAgo(7.5) }),
    /last rotated .* \(9 days ago\); cadence 7 days \+ 24 h grace/,
  ],
  [
    'rotation-overdue: a per-key override of 30 days is honoured',
    'rotation-overdue',
    'critical',
    healthySecret({ lastRotatedDate: daysAgo(32) }, { 'keyturn:rotate-every-days': '30' }),
    healthySecret({ lastRotatedDate: daysAgo(20) }, { 'keyturn:rotate-every-days': '30' }),
    /cadence 30 days/,
  ],
  [
    'rotation-stuck: AWSPENDING (not current) for 8 hours',
    'rotation-stuck',
    'critical',
    healthySecret({
      versions: { 'v-2': ['AWSCURRENT'], 'v-3': ['AWSPENDING'] },
      pendingVersion: { versionId: 'v-3', createdDate: hoursAgo(8) },
    }),
    healthySecret({
      versions: { 'v-2': ['AWSCURRENT'], 'v-3': ['AWSPENDING'] },
      pendingVersion: { versionId: 'v-3', createdDate: hoursAgo(1) },
    }),
    /version v-3 has been AWSPENDING since/,
  ],
  [
    'unused: last read 45 days ago',
    'unused',
    'notice',
    healthySecret({ lastAccessedDate: daysAgo(45) }),
    healthySecret({ lastAccessedDate: daysAgo(29) }),
    /unused: last read .* \(over 30 days ago\)/,
  ],
  [
    'unused: never read, created 40 days ago',
    'unused',
    'notice',
    healthySecret({ lastAccessedDate: undefined, createdDate: daysAgo(40) }),
    healthySecret({ lastAccessedDate: undefined, createdDate: daysAgo(10) }),
    /never read since it was created 40 days ago/,
  ],
  [
    'expiry: within 14 days',
    'expiry',
    'notice',
    healthySecret({}, { 'keyturn:expires': '2026-06-25' }),
    healthySecret({}, { 'keyturn:expires': '2026-07-30' }),
    /expires on 2026-06-25 \(in 10 days\)/,
  ],
  [
    'expiry: already expired',
    'expiry',
    'critical',
    healthySecret({}, { 'keyturn:expires': '2026-06-01' }),
    healthySecret({}, { 'keyturn:expires': '2027-01-01' }),
    /expired on 2026-06-01/,
  ],
  [
    'retirement-overdue: AWSPREVIOUS still live 30 h after a rotation with 24 h overlap (+2 h grace)',
    'retirement-overdue',
    'critical',
    healthySecret({
      lastRotatedDate: hoursAgo(30),
      versions: { 'v-2': ['AWSCURRENT'], 'v-1': ['AWSPREVIOUS'] },
    }),
    healthySecret({
      lastRotatedDate: hoursAgo(20),
      versions: { 'v-2': ['AWSCURRENT'], 'v-1': ['AWSPREVIOUS'] },
    }),
    /retirement never happened: the old key \(version v-1\)/,
  ],
];

describe.each(cases)('rule %s', (_name, rule, severity, firing, quiet, message) => {
  test('fires, with its severity, message and a fix', () => {
    const finding = auditSecret(firing, ctx).find((f) => f.rule === rule);
    expect(finding).toMatchObject({
      rule,
      severity,
      keyName: 'billing-api',
      environment: 'prod',
      secretName: 'keyturn/prod/billing-api',
    });
    expect(finding!.message).toMatch(message);
    expect(finding!.fix.length).toBeGreaterThan(20);
  });
  test('does not fire', () => {
    expect(rulesFor(quiet)).not.toContain(rule);
  });
});

test('retirement-overdue does not fire once the old version is retired (tag names it)', () => {
  const retired = healthySecret(
    { lastRotatedDate: hoursAgo(30), versions: { 'v-2': ['AWSCURRENT'], 'v-1': ['AWSPREVIOUS'] } },
    { 'keyturn:retired-version': 'v-1' },
  );
  expect(rulesFor(retired)).not.toContain('retirement-overdue');
});

test('rotation-stuck says how to clear it: the exact remove-from-version-id command', () => {
  const stuck = healthySecret({
    versions: { 'v-2': ['AWSCURRENT'], 'v-3': ['AWSPENDING'] },
    pendingVersion: { versionId: 'v-3', createdDate: hoursAgo(8) },
  });
  const fix = auditSecret(stuck, ctx).find((f) => f.rule === 'rotation-stuck')!.fix;
  expect(fix).toContain(
    'aws secretsmanager update-secret-version-stage --secret-id keyturn/prod/billing-api --version-stage AWSPENDING --remove-from-version-id v-3',
  );
  expect(fix).toContain('cancel-rotate-secret');
});

test('a stuck rotation whose age is unknown is reported (fail loud)', () => {
  const stuck = healthySecret({
    versions: { 'v-2': ['AWSCURRENT'], 'v-3': ['AWSPENDING'] },
    pendingVersion: { versionId: 'v-3' },
  });
  expect(auditSecret(stuck, ctx).find((f) => f.rule === 'rotation-stuck')?.message).toMatch(
    /for an unknown time/,
  );
});

test('hostile tag values cannot forge lines or flood the message', () => {
  const hostile = healthySecret(
    {},
    { 'keyturn:key': `evil\n[critical] forged ${'x'.repeat(500)}`, 'keyturn:tier': 'gold' },
  );
  const [finding] = auditSecret(hostile, ctx);
  expect(finding.keyName).not.toMatch(/\n/);
  expect(finding.keyName.length).toBeLessThanOrEqual(64);
  expect(safeLabel('a b\nc', '-')).toBe('a?b?c');
});

test('cadence: override tag, else the tier; an invalid override falls back and is a metadata finding', () => {
  expect(cadenceDays({ 'keyturn:tier': 'high' })).toBe(30);
  expect(cadenceDays({ 'keyturn:tier': 'high', 'keyturn:rotate-every-days': '5' })).toBe(5);
  expect(cadenceDays({ 'keyturn:tier': 'high', 'keyturn:rotate-every-days': '0x5' })).toBe(30);
  expect(cadenceDays({ 'keyturn:tier': '__proto__' })).toBeUndefined();
  const bad = healthySecret({}, { 'keyturn:rotate-every-days': 'soon' });
  expect(auditSecret(bad, ctx).find((f) => f.rule === 'metadata')?.message).toMatch(
    /rotate-every-days is not a whole number/,
  );
});

test("next rotation: Secrets Manager's date when known, else last rotation + cadence", () => {
  const next = new Date('2026-06-20T00:00:00Z');
  expect(nextRotationDue(healthySecret({ nextRotationDate: next }))).toEqual(next);
  expect(nextRotationDue(healthySecret())).toEqual(new Date(daysAgo(2).getTime() + 7 * 86_400_000));
  expect(nextRotationDue(healthySecret({ lastRotatedDate: undefined }))).toBeUndefined();
});

test('current-revoked names the runbook step and the command that issues a replacement, and the stuck version', () => {
  const secret = healthySecret(
    {
      versions: { 'v-2': ['AWSCURRENT'], 'keyturn-leak-inc-1': ['AWSPENDING'] },
      pendingVersion: { versionId: 'keyturn-leak-inc-1', createdDate: hoursAgo(1) },
    },
    { 'keyturn:revoked-versions': 'v-2 v-1' },
  );
  const [finding] = auditSecret(secret, ctx).filter((f) => f.rule === 'current-revoked');
  expect(finding.severity).toBe('critical');
  expect(finding.message).toMatch(/version keyturn-leak-inc-1 is still AWSPENDING/);
  expect(finding.fix).toMatch(/revoked, NO replacement current/);
  expect(finding.fix).toContain('`keyturn rotate keyturn/prod/billing-api`');
  expect(finding.fix).toMatch(/Do not un-revoke/);
});
