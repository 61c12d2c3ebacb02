/**
 * The tags a managed secret carries: the key's metadata for people, search and the audit's drift report. The
 * functions never act on them: they read the deployed registry (lib/key-registry.ts).
 */
import { INVENTORY_TAGS, TAGS } from '../lambdas/core/constants';
import type { KeyConfig } from './config/schema';
import { providerSettingsFor } from './providers';

/**
 * The key's provider settings (its descriptor in lib/providers/) as `keyturn:provider:<name>` tags, for people
 * and search (the audit compares them with the registry).
 */
function providerSettingTags(key: KeyConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(providerSettingsFor(key)).map(([name, value]) => [TAGS.providerSetting + name, value]),
  );
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
