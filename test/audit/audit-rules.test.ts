/**
 * The daily audit's rules at their edges (lambdas/core/audit/**), on the pure core with no AWS: each threshold
 * fires one millisecond past its bound and not at it, the messages say when and how old in a fixed form, labels
 * from tags stay bounded and plain, the thresholds come from the environment (a bad one refused without quoting
 * it), one notice lists critical findings first within the SNS size, and every run is metered and recorded once.
 */
import { AUDIT_ENV } from '../../lambdas/core/constants';
import { cadenceDays, nextRotationDue, overrideDays } from '../../lambdas/core/audit/cadence';
import {
  AUDIT_RULES,
  SECRET_RULES,
  DEFAULT_AUDIT_SETTINGS,
  countBySeverity,
  type Finding,
} from '../../lambdas/core/audit/findings';
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';
import { MAX_MESSAGE_CHARS, formatAuditNotice } from '../../lambdas/core/audit/report';
import { RULES, auditSecret, safeLabel } from '../../lambdas/core/audit/rules';
import { AUDIT_METRICS } from '../../lambdas/core/constants';
import { runAudit, type AuditDeps } from '../../lambdas/core/audit/run';
import { AuditSettingsError, auditRunId, auditSettingsFromEnv } from '../../lambdas/core/audit/settings';
import type { LedgerEntry } from '../../lambdas/core/ports';
import { NOW, daysAgo, healthySecret, hoursAgo } from './fixtures';

const HOUR = 3_600_000;
const ctx = { now: NOW, settings: DEFAULT_AUDIT_SETTINGS };
const msAgo = (ms: number) => new Date(NOW.getTime() - ms);
const finding = (secret: ManagedSecret, rule: string) =>
  auditSecret(secret, ctx).find((f) => f.rule === rule);
const fires = (secret: ManagedSecret, rule: string) => finding(secret, rule) !== undefined;

describe('rule: each threshold fires just past its bound, not at it', () => {
  test('never-rotated: a new secret gets the stuck-pending time (6 h) for its first rotation', () => {
    const created = (ms: number) => healthySecret({ lastRotatedDate: undefined, createdDate: msAgo(ms) });
    expect(fires(created(6 * HOUR - 1), 'never-rotated')).toBe(false);
    expect(fires(created(6 * HOUR), 'never-rotated')).toBe(true);
    expect(
      finding(healthySecret({ lastRotatedDate: undefined, createdDate: undefined }), 'never-rotated'),
    ).toMatchObject({
      severity: 'critical',
      message: 'never rotated: it still holds the bootstrap value, not a key',
      fix: "Run `keyturn rotate keyturn/prod/billing-api` and read the rotate function's log if it fails.",
    });
  });

  test('rotation-overdue: cadence + grace is still on time; one millisecond later it is overdue', () => {
    const bound = 7 * 24 * HOUR + 24 * HOUR;
    expect(fires(healthySecret({ lastRotatedDate: msAgo(bound) }), 'rotation-overdue')).toBe(false);
    const late = finding(healthySecret({ lastRotatedDate: msAgo(bound + 1) }), 'rotation-overdue');
    expect(late?.message).toBe(
      'rotation overdue: last rotated 2026-06-07 11:59Z (8 days ago); cadence 7 days + 24 h grace',
    );
    expect(late?.fix).toBe(
      "Check for a stuck rotation and the rotate function's errors, then `keyturn rotate keyturn/prod/billing-api`.",
    );
  });

  test('rotation-overdue needs a cadence: an unknown tier without override is never overdue', () => {
    expect(
      fires(healthySecret({ lastRotatedDate: daysAgo(400) }, { 'keyturn:tier': 'gold' }), 'rotation-overdue'),
    ).toBe(false);
  });

  test('rotation-stuck: pending for exactly 6 h is not stuck; past it, it is, with the time it started', () => {
    const pending = (ms: number) =>
      healthySecret({
        versions: { 'v-2': ['AWSCURRENT'], 'v-3': ['AWSPENDING'] },
        pendingVersion: { versionId: 'v-3', createdDate: msAgo(ms) },
      });
    expect(fires(pending(6 * HOUR), 'rotation-stuck')).toBe(false);
    expect(finding(pending(6 * HOUR + 1), 'rotation-stuck')?.message).toBe(
      'rotation stuck: version v-3 has been AWSPENDING since 2026-06-15 05:59Z and blocks every later rotation',
    );
  });

  test('unused: read exactly 30 days ago is used; one millisecond more and it is unused', () => {
    const read = (ms: number) => healthySecret({ lastAccessedDate: msAgo(ms) });
    expect(fires(read(30 * 24 * HOUR), 'unused')).toBe(false);
    expect(finding(read(30 * 24 * HOUR + 1), 'unused')?.message).toBe(
      'unused: last read 2026-05-16 (over 30 days ago)',
    );
    expect(fires(healthySecret({ lastAccessedDate: undefined, createdDate: undefined }), 'unused')).toBe(
      false,
    );
  });

  test('unused, never read: dated from its creation', () => {
    expect(
      finding(healthySecret({ lastAccessedDate: undefined, createdDate: hoursAgo(47 + 24 * 30) }), 'unused'),
    ).toMatchObject({
      severity: 'notice',
      message: 'unused: never read since it was created 31 days ago',
    });
  });

  test('expiry: 14 days ahead is warned (notice), midnight of the day is expired (critical), 15 days is quiet', () => {
    // NOW is 2026-06-15T12:00Z.
    expect(fires(healthySecret({}, { 'keyturn:expires': '2026-06-30' }), 'expiry')).toBe(false);
    expect(finding(healthySecret({}, { 'keyturn:expires': '2026-06-29' }), 'expiry')).toMatchObject({
      severity: 'notice',
      message: 'expires on 2026-06-29 (in 14 days)',
    });
    expect(finding(healthySecret({}, { 'keyturn:expires': '2026-06-16' }), 'expiry')?.message).toBe(
      'expires on 2026-06-16 (in 1 days)',
    );
    expect(finding(healthySecret({}, { 'keyturn:expires': '2026-06-15' }), 'expiry')).toMatchObject({
      severity: 'critical',
      message: 'expired on 2026-06-15: nothing should still use it',
      fix: 'Agree with the owner: extend `expires` in the configuration and redeploy, or retire the key.',
    });
  });

  test('expiry: exactly at the warning bound is warned', () => {
    const settings = { ...DEFAULT_AUDIT_SETTINGS, expiryWarningDays: 14.5 };
    const at = auditSecret(healthySecret({}, { 'keyturn:expires': '2026-06-30' }), { now: NOW, settings });
    expect(at.find((f) => f.rule === 'expiry')?.message).toBe('expires on 2026-06-30 (in 15 days)');
  });

  test('expiry: a date that is not one raises no expiry finding (metadata reports it)', () => {
    for (const expires of ['2026-13-45', 'next year', '20260615']) {
      const secret = healthySecret({}, { 'keyturn:expires': expires });
      expect(fires(secret, 'expiry')).toBe(false);
    }
    expect(finding(healthySecret({}, { 'keyturn:expires': 'next year' }), 'metadata')?.message).toBe(
      'incomplete inventory metadata: keyturn:expires is not a YYYY-MM-DD date',
    );
    expect(fires(healthySecret({}, { 'keyturn:expires': '2026-06-29x' }), 'expiry')).toBe(false);
    expect(fires(healthySecret({}, { 'keyturn:expires': 'x2026-06-29' }), 'expiry')).toBe(false);
  });

  test('retirement-overdue: overlap + grace after the rotation is on time; past it the old key is named', () => {
    const rotated = (ms: number, tags: Record<string, string> = {}) =>
      healthySecret(
        { lastRotatedDate: msAgo(ms), versions: { 'v-2': ['AWSCURRENT'], 'v-1': ['AWSPREVIOUS'] } },
        tags,
      );
    expect(fires(rotated(26 * HOUR), 'retirement-overdue')).toBe(false);
    expect(finding(rotated(26 * HOUR + 1), 'retirement-overdue')).toMatchObject({
      severity: 'critical',
      message:
        'retirement never happened: the old key (version v-1) still works 24 h overlap + 2 h after the last rotation',
    });
    // The key's own overlap counts: 48 h.
    expect(fires(rotated(30 * HOUR, { 'keyturn:overlap-hours': '48' }), 'retirement-overdue')).toBe(false);
    // Tags that are no policy: the default overlap (24 h) still finds the un-retired key.
    expect(
      finding(
        rotated(30 * HOUR, { 'keyturn:tier': 'gold', 'keyturn:overlap-hours': '48' }),
        'retirement-overdue',
      )?.message,
    ).toMatch(/still works 24 h overlap \+ 2 h/);
  });
});

describe('rule: ages read in hours up to two days, then in days', () => {
  test('47 h ago, 2 days ago', () => {
    const created = (h: number) =>
      finding(healthySecret({ lastRotatedDate: undefined, createdDate: hoursAgo(h) }), 'never-rotated')
        ?.message;
    expect(created(47)).toBe(
      'never rotated since it was created 47 h ago: it still holds the bootstrap value, not a key',
    );
    expect(created(48)).toBe(
      'never rotated since it was created 2 days ago: it still holds the bootstrap value, not a key',
    );
    expect(created(71)).toMatch(/created 2 days ago/);
  });
});

describe('rule: the metadata a key must carry', () => {
  test('each missing inventory tag is named, in order', () => {
    const bare = healthySecret(
      {},
      {
        'keyturn:owner': undefined,
        'keyturn:backup-owner': undefined,
        'keyturn:scopes': undefined,
        'keyturn:runbook': undefined,
      },
    );
    expect(finding(bare, 'metadata')).toMatchObject({
      severity: 'notice',
      message:
        'incomplete inventory metadata: keyturn:owner missing, keyturn:backup-owner missing, keyturn:scopes missing, keyturn:runbook missing',
      fix: 'Fill owner, backupOwner, scopes, runbookUrl (and a valid expires) in the key configuration, then cdk deploy.',
    });
  });

  test('a valid expiry date and override raise nothing; a bad override is named', () => {
    expect(
      fires(
        healthySecret({}, { 'keyturn:expires': '2027-01-01', 'keyturn:rotate-every-days': '999' }),
        'metadata',
      ),
    ).toBe(false);
    for (const bad of ['0', '1000', '7d', ' 7']) {
      expect(finding(healthySecret({}, { 'keyturn:rotate-every-days': bad }), 'metadata')?.message).toBe(
        'incomplete inventory metadata: keyturn:rotate-every-days is not a whole number of days',
      );
    }
  });

  test('tags that are no key policy are critical, with the reason cut to 300 characters', () => {
    const broken = finding(healthySecret({}, { 'keyturn:tier': 'g'.repeat(2000) }), 'metadata');
    expect(broken?.severity).toBe('critical');
    expect(broken?.message.startsWith('its tags do not form a valid key policy, so rotation fails: ')).toBe(
      true,
    );
    expect(broken!.message.length).toBeLessThanOrEqual(
      'its tags do not form a valid key policy, so rotation fails: '.length + 300,
    );
    expect(broken?.fix).toBe(
      'Redeploy keyturn (cdk deploy) so the stack rewrites the tags from the configuration; do not edit keyturn:* tags by hand.',
    );
  });
});

describe('rule: a revoked current key and a disabled rotation are critical', () => {
  test('a revoked current key without a pending replacement says so', () => {
    const revoked = finding(healthySecret({}, { 'keyturn:revoked-versions': 'v-2' }), 'current-revoked');
    expect(revoked?.message).toBe(
      'the current key (version v-2) was revoked by the leak response and no replacement is current: every consumer is refused',
    );
    expect(revoked?.fix).toBe(
      'Leak runbook, "revoked, NO replacement current": read the rotate function\'s log for the replacement version, ' +
        'fix the cause (provider down, permission), then `keyturn rotate keyturn/prod/billing-api`. Do not un-revoke the leaked key.',
    );
  });

  test('a secret without a current version, or whose revoked version is another, is no revoked current key', () => {
    expect(
      fires(
        healthySecret({ versions: { 'v-2': ['AWSPENDING'] } }, { 'keyturn:revoked-versions': 'v-2' }),
        'current-revoked',
      ),
    ).toBe(false);
    expect(fires(healthySecret({}, { 'keyturn:revoked-versions': 'v-1' }), 'current-revoked')).toBe(false);
  });

  test('rotation disabled: the message and the fix', () => {
    expect(finding(healthySecret({ rotationEnabled: false }), 'rotation-disabled')).toMatchObject({
      severity: 'critical',
      message:
        'rotation is disabled on the secret (someone cancelled it, or the rotation schedule was removed)',
      fix: 'Redeploy keyturn (cdk deploy) to restore the rotation schedule; ask in the audit trail who ran CancelRotateSecret.',
    });
  });
});

describe('rule: labels from tags are bounded and plain', () => {
  test('empty is the fallback; 64 characters stay; 65 are cut to 61 and an ellipsis', () => {
    expect(safeLabel(undefined, 'fb')).toBe('fb');
    expect(safeLabel('', 'fb')).toBe('fb');
    expect(safeLabel('a'.repeat(64), 'fb')).toBe('a'.repeat(64));
    expect(safeLabel('a'.repeat(65), 'fb')).toBe(`${'a'.repeat(61)}...`);
    expect(safeLabel('keyturn/prod/a_b.c:d@e+f=g-h', 'fb')).toBe('keyturn/prod/a_b.c:d@e+f=g-h');
    expect(safeLabel('a\u202eb\tc d', 'fb')).toBe('a?b?c?d');
  });

  test('a finding names the key by its tag, else the secret name, else (unnamed); the environment else (unknown)', () => {
    const disabled = { rotationEnabled: false };
    expect(auditSecret(healthySecret(disabled), ctx)[0]).toMatchObject({
      keyName: 'billing-api',
      environment: 'prod',
    });
    expect(
      auditSecret(
        healthySecret(disabled, { 'keyturn:key': undefined, 'keyturn:environment': undefined }),
        ctx,
      )[0],
    ).toMatchObject({ keyName: 'keyturn/prod/billing-api', environment: '(unknown)' });
    expect(
      auditSecret(healthySecret({ ...disabled, name: '' }, { 'keyturn:key': undefined }), ctx).find(
        (f) => f.rule === 'rotation-disabled',
      ),
    ).toMatchObject({ keyName: '(unnamed)', secretName: '', secretArn: healthySecret().arn });
  });

  test('findings come in the order of the rules, every rule listed once', () => {
    expect(RULES.map(([id]) => id)).toEqual([...SECRET_RULES]);
    const everything = healthySecret(
      { rotationEnabled: false, lastAccessedDate: daysAgo(60) },
      { 'keyturn:owner': undefined, 'keyturn:expires': '2026-06-01' },
    );
    expect(auditSecret(everything, ctx).map((f) => f.rule)).toEqual([
      'metadata',
      'rotation-disabled',
      'unused',
      'expiry',
    ]);
  });
});

describe('rule: the cadence is the override (1-999 days), else the tier', () => {
  test('overrides from 1 to 999 days count; 0, 1000, and inherited names do not', () => {
    expect(overrideDays({ 'keyturn:rotate-every-days': '1' })).toBe(1);
    expect(overrideDays({ 'keyturn:rotate-every-days': '999' })).toBe(999);
    expect(overrideDays({ 'keyturn:rotate-every-days': '0' })).toBeUndefined();
    expect(overrideDays({ 'keyturn:rotate-every-days': '1000' })).toBeUndefined();
    expect(overrideDays({})).toBeUndefined();
    expect(
      overrideDays(Object.create({ 'keyturn:rotate-every-days': '5' }) as Record<string, string>),
    ).toBeUndefined();
    expect(cadenceDays(Object.create({ 'keyturn:tier': 'high' }) as Record<string, string>)).toBeUndefined();
    expect(cadenceDays({ 'keyturn:tier': 'standard' })).toBeGreaterThan(0);
    expect(cadenceDays({})).toBeUndefined();
  });

  test('the next rotation is due at last rotation + cadence; without a cadence it is unknown', () => {
    const last = new Date('2026-06-01T00:00:00Z');
    expect(nextRotationDue({ tags: { 'keyturn:tier': 'critical' }, lastRotatedDate: last })).toEqual(
      new Date('2026-06-08T00:00:00Z'),
    );
    expect(nextRotationDue({ tags: {}, lastRotatedDate: last })).toBeUndefined();
  });
});

describe('rule: the thresholds come from the environment; a bad one is refused without quoting it', () => {
  test('unset or empty variables take the defaults', () => {
    expect(auditSettingsFromEnv({})).toEqual(DEFAULT_AUDIT_SETTINGS);
    expect(auditSettingsFromEnv({ [AUDIT_ENV.graceHours]: '' })).toEqual(DEFAULT_AUDIT_SETTINGS);
    expect(DEFAULT_AUDIT_SETTINGS).toEqual({
      graceHours: 24,
      stuckPendingHours: 6,
      unusedDays: 30,
      expiryWarningDays: 14,
      retirementGraceHours: 2,
    });
  });

  test('each variable sets its threshold, 0 and 9999 included', () => {
    expect(
      auditSettingsFromEnv({
        [AUDIT_ENV.graceHours]: '0',
        [AUDIT_ENV.stuckPendingHours]: '9999',
        [AUDIT_ENV.unusedDays]: '90',
        [AUDIT_ENV.expiryWarningDays]: '7',
      }),
    ).toEqual({
      graceHours: 0,
      stuckPendingHours: 9999,
      unusedDays: 90,
      expiryWarningDays: 7,
      retirementGraceHours: 2,
    });
  });

  test.each(['10000', '-1', '1.5', '12h', ' 12'])(
    '%j is refused, naming the variable and the length only',
    (raw) => {
      let error: unknown;
      try {
        auditSettingsFromEnv({ [AUDIT_ENV.unusedDays]: raw });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AuditSettingsError);
      expect((error as Error).message).toBe(
        `${AUDIT_ENV.unusedDays} must be a whole number, got a ${raw.length}-character value`,
      );
    },
  );

  test('the run id is the scheduled time when the scheduler passed one, else now', () => {
    const now = new Date('2026-06-15T12:00:00.000Z');
    expect(auditRunId({ scheduledTime: '2026-06-15T06:00:00Z' }, now)).toBe('2026-06-15T06:00:00Z');
    expect(auditRunId({ scheduledTime: '2026-06-15T06:00:00.123Z' }, now)).toBe('2026-06-15T06:00:00.123Z');
    for (const event of [
      { scheduledTime: '2026-06-15' },
      { scheduledTime: 'x2026-06-15T06:00:00Z' },
      { scheduledTime: '2026-06-15T06:00:00Zx' },
      { scheduledTime: 1 },
      null,
      undefined,
    ]) {
      expect(auditRunId(event, now)).toBe('2026-06-15T12:00:00.000Z');
    }
  });
});

const f = (over: Partial<Finding>): Finding => ({
  rule: 'unused',
  severity: 'notice',
  keyName: 'k',
  environment: 'prod',
  secretName: 'keyturn/prod/k',
  secretArn: 'arn:k',
  message: 'm',
  fix: 'x',
  ...over,
});

describe('rule: one notice, critical findings first, within the SNS size', () => {
  test('counts, subject, header and blocks', () => {
    const findings = [
      f({ rule: 'unused', keyName: 'a', secretArn: 'arn:a', secretName: 's/a' }),
      f({
        rule: 'expiry',
        severity: 'critical',
        keyName: 'b',
        secretArn: 'arn:b',
        secretName: 's/b',
        message: 'gone',
        fix: 'renew',
      }),
      f({ rule: 'metadata', keyName: 'a', secretArn: 'arn:a', secretName: 's/a' }),
    ];
    expect(countBySeverity(findings)).toEqual({ critical: 1, notice: 2 });
    const notice = formatAuditNotice(findings, 5, 'run-1');
    expect(notice.severity).toBe('critical');
    expect(notice.subject).toBe('keyturn audit: 3 finding(s) on 2 key(s), 1 critical');
    expect(notice.message).toBe(
      'keyturn daily audit run-1: checked 5 managed key(s); 1 critical and 2 notice finding(s) on 2 key(s).\n' +
        'See every key with `keyturn status`.\n' +
        '\n[critical] prod/b expiry: gone\n  secret: s/b\n  fix: renew\n' +
        '\n[notice] prod/a unused: m\n  secret: s/a\n  fix: x\n' +
        '\n[notice] prod/a metadata: m\n  secret: s/a\n  fix: x\n',
    );
  });

  test('notice-only findings make a notice', () => {
    expect(formatAuditNotice([f({})], 1, 'r').severity).toBe('notice');
  });

  test('past the size the rest is counted and pointed to keyturn status; nothing exceeds the limit', () => {
    const big = Array.from({ length: 400 }, (_, i) =>
      f({ secretArn: `arn:${i}`, message: 'x'.repeat(1000), severity: i === 399 ? 'critical' : 'notice' }),
    );
    const notice = formatAuditNotice(big, 400, 'r');
    expect(notice.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    const shown = notice.message.split('\n[').length - 1;
    expect(shown).toBeGreaterThan(150);
    expect(
      notice.message.endsWith(`\n... and ${400 - shown} more finding(s): run \`keyturn status\`.\n`),
    ).toBe(true);
    // The critical one is shown although it came last.
    expect(notice.message).toContain('\n[critical] ');
  });

  test('a notice that fits ends with its last block, no "more" line', () => {
    expect(formatAuditNotice([f({})], 1, 'r').message).not.toContain('more finding(s)');
  });
});

describe('rule: every run is metered per rule, notifies only with findings, and is recorded once per key', () => {
  function deps(secrets: ManagedSecret[], withLedger = true) {
    const metrics: Array<[string, number, string | undefined]> = [];
    const notices: unknown[] = [];
    const entries: LedgerEntry[] = [];
    const d: AuditDeps = {
      inventory: { listManaged: async () => secrets },
      notify: async (n) => notices.push(n),
      metric: (name, value, rule) => metrics.push([name, value, rule]),
      ...(withLedger
        ? { ledger: { append: async (e: LedgerEntry) => void entries.push(e), history: async () => [] } }
        : {}),
      now: () => NOW,
      settings: DEFAULT_AUDIT_SETTINGS,
    };
    return { d, metrics, notices, entries };
  }

  test('a clean run: metrics of zero, no notice, one pipeline-wide clean entry', async () => {
    const w = deps([healthySecret()]);
    await expect(runAudit(w.d, 'run-1')).resolves.toEqual({
      runId: 'run-1',
      checked: 1,
      findings: [],
      notified: undefined,
    });
    expect(w.notices).toEqual([]);
    expect(w.metrics.slice(0, 3)).toEqual([
      [AUDIT_METRICS.keysChecked, 1, undefined],
      [AUDIT_METRICS.findings, 0, undefined],
      [AUDIT_METRICS.criticalFindings, 0, undefined],
    ]);
    expect(w.metrics.slice(3)).toEqual(AUDIT_RULES.map((rule) => [AUDIT_METRICS.ruleFindings, 0, rule]));
    expect(w.entries).toEqual([
      {
        keyName: '*',
        environment: '*',
        secretArn: '*',
        kind: 'audit',
        outcome: 'clean',
        at: NOW.toISOString(),
        detail: 'checked 1 key(s): 0 critical, 0 notice finding(s)',
        idempotencyKey: 'audit#run-1',
      },
    ]);
  });

  test('findings: one notice, counted per rule, and one entry per key with its rules', async () => {
    const critical = healthySecret({ rotationEnabled: false, lastAccessedDate: daysAgo(60) });
    const notice = healthySecret(
      {
        arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/other-XyZabc',
        name: 'keyturn/prod/other',
        lastAccessedDate: daysAgo(60),
      },
      { 'keyturn:key': 'other' },
    );
    const w = deps([critical, notice, healthySecret()]);
    const result = await runAudit(w.d, 'run-2');
    expect(result.notified).toBe('critical');
    expect(w.notices).toHaveLength(1);
    expect(w.metrics).toContainEqual([AUDIT_METRICS.findings, 3, undefined]);
    expect(w.metrics).toContainEqual([AUDIT_METRICS.criticalFindings, 1, undefined]);
    expect(w.metrics).toContainEqual([AUDIT_METRICS.ruleFindings, 2, 'unused']);
    expect(w.metrics).toContainEqual([AUDIT_METRICS.ruleFindings, 1, 'rotation-disabled']);
    expect(w.metrics).toContainEqual([AUDIT_METRICS.ruleFindings, 0, 'expiry']);
    expect(w.entries.map((e) => [e.keyName, e.outcome, e.detail, e.idempotencyKey])).toEqual([
      ['*', 'findings', 'checked 3 key(s): 1 critical, 2 notice finding(s)', 'audit#run-2'],
      ['billing-api', 'critical-findings', 'rotation-disabled unused', 'audit#run-2'],
      ['other', 'findings', 'unused', 'audit#run-2'],
    ]);
    expect(w.entries[2]).toMatchObject({ environment: 'prod', secretArn: notice.arn, kind: 'audit' });
  });

  test('without a ledger the run still notifies', async () => {
    const w = deps([healthySecret({ rotationEnabled: false })], false);
    await expect(runAudit(w.d, 'r')).resolves.toMatchObject({ notified: 'critical', checked: 1 });
    expect(w.notices).toHaveLength(1);
  });
});
