/** The tags a managed secret carries: the key's metadata, read back by the functions at run time. */
import { INVENTORY_TAGS, PROVIDER_SETTINGS, TAGS } from '../lambdas/core/constants';
import type { KeyConfig } from './config/schema';

export function providerSettingTags(key: KeyConfig): Record<string, string> {
  const provider = key.provider;
  const out: Record<string, string> = {};
  switch (provider.kind) {
    case 'self-issued':
      if (provider.prefix) out[TAGS.providerSetting + PROVIDER_SETTINGS.selfIssued.prefix] = provider.prefix;
      if (provider.bodyLength)
        out[TAGS.providerSetting + PROVIDER_SETTINGS.selfIssued.bodyLength] = String(provider.bodyLength);
      break;
    case 'iam-access-key':
      out[TAGS.providerSetting + PROVIDER_SETTINGS.iamAccessKey.userArn] = provider.userArn;
      break;
    case 'api-gateway-key':
      // Tag values cannot hold commas portably: the list is space-separated (read back with splitTagList).
      out[TAGS.providerSetting + PROVIDER_SETTINGS.apiGatewayKey.usagePlanIds] =
        provider.usagePlanIds.join(' ');
      break;
    case 'http-admin-api':
      out[TAGS.providerSetting + PROVIDER_SETTINGS.httpAdminApi.profile] = provider.profile;
      out[TAGS.providerSetting + PROVIDER_SETTINGS.httpAdminApi.adminSecretArn] = provider.adminSecretArn;
      break;
  }
  return out;
}

export function keyTags(key: KeyConfig): Record<string, string> {
  return {
    [TAGS.managed]: 'true',
    [TAGS.keyName]: key.name,
    [TAGS.provider]: key.provider.kind,
    [TAGS.environment]: key.environment,
    [TAGS.tier]: key.tier,
    [TAGS.overlapHours]: String(key.overlapHours),
    [TAGS.leakPolicy]: key.leakPolicy,
    [TAGS.owner]: key.owner,
    [TAGS.backupOwner]: key.backupOwner,
    [TAGS.scopes]: key.scopes.join(' '),
    [TAGS.runbook]: key.runbookUrl,
    ...(key.linkedSystems.length ? { [TAGS.linkedSystems]: key.linkedSystems.join(' ') } : {}),
    ...(key.expires ? { [TAGS.expires]: key.expires } : {}),
    ...rotationCadenceTag(key),
    ...providerSettingTags(key),
  };
}

/**
 * A key whose configuration overrides its tier's cadence carries it as `keyturn:rotate-every-days`, so the audit
 * judges "overdue" by the key's own cadence: everyDays, or a `rate(N days|hours)` expression (rounded up to days).
 * A cron schedule gets no tag: the audit judges it by its tier's cadence.
 */
export function rotationCadenceTag(key: KeyConfig): Record<string, string> {
  const rotation = key.rotation;
  let days = rotation?.everyDays;
  const rate = /^rate\((\d+) (day|days|hour|hours)\)$/.exec(rotation?.scheduleExpression ?? '');
  if (days === undefined && rate)
    days = rate[2].startsWith('hour') ? Math.max(1, Math.ceil(Number(rate[1]) / 24)) : Number(rate[1]);
  return days === undefined ? {} : { [INVENTORY_TAGS.rotateEveryDays]: String(days) };
}
