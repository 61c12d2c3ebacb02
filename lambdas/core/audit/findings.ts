/** What an audit rule reports, and the thresholds the rules use. */
export type FindingSeverity = 'critical' | 'notice';

/** Rules judged per secret from its own metadata (lambdas/core/audit/rules.ts), in the order they report. */
export const SECRET_RULES = [
  'metadata',
  'current-revoked',
  'rotation-disabled',
  'never-rotated',
  'rotation-overdue',
  'rotation-stuck',
  'unused',
  'expiry',
  'retirement-overdue',
] as const;
/** Rules judged by comparing the secrets with the deployed registry (lambdas/core/audit/drift.ts). */
export const DRIFT_RULES = ['unregistered-secret', 'tag-drift', 'registered-secret-missing'] as const;
export const AUDIT_RULES = [...SECRET_RULES, ...DRIFT_RULES] as const;
export type AuditRuleId = (typeof AUDIT_RULES)[number];

export interface Finding {
  rule: AuditRuleId;
  severity: FindingSeverity;
  keyName: string;
  environment: string;
  secretName: string;
  secretArn: string;
  /** What is wrong, in one sentence. Built from dates, ids and tag names only: never a secret value. */
  message: string;
  /** What to do about it (a command where there is one). */
  fix: string;
}

export interface AuditSettings {
  /** Slack after the cadence before a rotation counts as overdue (Secrets Manager rotates inside a window). */
  graceHours: number;
  /** A pending version older than this is a stuck rotation; a secret this old and never rotated is a finding. */
  stuckPendingHours: number;
  /** A key not read for this many days is unused (a candidate for revocation). */
  unusedDays: number;
  /** Warn this many days before a key's `keyturn:expires` date. */
  expiryWarningDays: number;
  /** Slack after the overlap before an un-retired AWSPREVIOUS counts as a retirement that never happened. */
  retirementGraceHours: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = {
  graceHours: 24,
  stuckPendingHours: 6,
  unusedDays: 30,
  expiryWarningDays: 14,
  retirementGraceHours: 2,
};

export function countBySeverity(findings: Finding[]): Record<FindingSeverity, number> {
  return {
    critical: findings.filter((f) => f.severity === 'critical').length,
    notice: findings.filter((f) => f.severity === 'notice').length,
  };
}
