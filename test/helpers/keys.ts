/** Tags of a managed self-issued key, as the stack writes them. */
import { TAGS } from '../../lambdas/core/constants';

export function managedTags(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    [TAGS.managed]: 'true',
    [TAGS.keyName]: 'billing-api',
    [TAGS.provider]: 'self-issued',
    [TAGS.environment]: 'prod',
    [TAGS.tier]: 'critical',
    [TAGS.overlapHours]: '24',
    [TAGS.leakPolicy]: 'revoke-first',
    [TAGS.owner]: 'payments-team@example.com',
    [`${TAGS.providerSetting}key-prefix`]: 'kt_live_',
    ...overrides,
  };
}
