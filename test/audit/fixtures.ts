/** A healthy managed secret as the inventory lists it, and helpers to put it in every state the audit knows. */
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';

export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
export const daysAgo = (d: number) => hoursAgo(d * 24);

export const HEALTHY_TAGS: Record<string, string> = {
  'keyturn:managed': 'true',
  'keyturn:key': 'billing-api',
  'keyturn:provider': 'self-issued',
  'keyturn:environment': 'prod',
  'keyturn:tier': 'critical',
  'keyturn:overlap-hours': '24',
  'keyturn:leak-policy': 'revoke-first',
  'keyturn:owner': 'payments@example.com',
  'keyturn:backup-owner': 'oncall@example.com',
  'keyturn:scopes': 'billing:read',
  'keyturn:runbook': 'https://runbooks.example.com/billing',
  'keyturn:linked-systems': 'billing-service',
};

/** Rotated 2 days ago (critical tier: every 7 days), old key already retired, read an hour ago. */
export function healthySecret(
  overrides: Partial<ManagedSecret> = {},
  tags: Record<string, string | undefined> = {},
): ManagedSecret {
  const merged: Record<string, string> = { ...HEALTHY_TAGS };
  for (const [k, v] of Object.entries(tags)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return {
    arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf',
    name: 'keyturn/prod/billing-api',
    rotationEnabled: true,
    versions: { 'v-2': ['AWSCURRENT'] },
    tags: merged,
    lastRotatedDate: daysAgo(2),
    lastAccessedDate: hoursAgo(1),
    createdDate: daysAgo(100),
    ...overrides,
  };
}
