/**
 * The one key most tests talk about: `billing-api` in prod, a critical self-issued key, registered by a deployment
 * under its full secret ARN and KMS key. Tests spread what they vary over these (`{ ...BILLING_POLICY, tier }`).
 */
import type { LedgerEntry } from '../../lambdas/core/ports';

export const BILLING_SECRET_NAME = 'keyturn/prod/billing-api';
export const BILLING_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${BILLING_SECRET_NAME}-AbCdEf`;
export const BILLING_KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-keyturn';

/** The key's registered policy, without the optional inventory fields (owner, runbook). */
export const BILLING_POLICY = {
  keyName: 'billing-api',
  provider: 'self-issued',
  environment: 'prod',
  tier: 'critical',
  overlapHours: 24,
  leakPolicy: 'revoke-first',
  linkedSystems: [] as string[],
  providerSettings: { 'key-prefix': 'kt_live_' },
} as const;

/** A rotation entry of the key in the ledger (`v-2` promoted). */
export const billingLedgerEntry = (
  overrides: Partial<Record<keyof LedgerEntry, unknown>> = {},
): LedgerEntry =>
  ({
    keyName: 'billing-api',
    environment: 'prod',
    secretArn: BILLING_SECRET_ARN,
    kind: 'rotation',
    outcome: 'succeeded',
    at: '2026-05-01T10:00:00.000Z',
    versionId: 'v-2',
    idempotencyKey: 'rotation#v-2',
    ...overrides,
  }) as LedgerEntry;
