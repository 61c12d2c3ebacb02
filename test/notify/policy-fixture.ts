/**
 * Small monitoring policies for the pure notify rule tests: keys built field by field (as lib/monitoring/policy.ts
 * writes them) and parsed by the function's own schema, so every fixture is a policy a deployment could ship.
 */
import { parseMonitoringPolicy, PolicyIndex, type PolicyKey } from '../../lambdas/core/notify/policy';
import * as s from '../monitoring/cloudtrail-samples';

export const READER_ROLE = `arn:aws:iam::${s.ACCOUNT}:role/billing-service`;
export const READER_USER = `arn:aws:iam::${s.ACCOUNT}:user/ci/deployer`;

export function policyKey(overrides: Partial<PolicyKey> = {}): PolicyKey {
  return {
    secretName: s.SECRET_NAME,
    keyName: 'billing-api',
    environment: 'prod',
    tier: 'critical',
    owner: 'payments-team@example.com',
    backupOwner: 'platform-oncall@example.com',
    runbook: 'https://runbooks.example.com/keyturn/billing-api',
    allowedReaders: [READER_ROLE, READER_USER],
    verifierService: 'api',
    requestsPerMinute: { warning: 500, critical: 1000 },
    rejectedPercent: { warning: 5, critical: 10 },
    readAnomalyBandWidth: 3,
    ...overrides,
  };
}

export function policyOf(...keys: PolicyKey[]): PolicyIndex {
  return new PolicyIndex(parseMonitoringPolicy(JSON.stringify({ version: 1, secretPrefix: s.PREFIX, keys })));
}
