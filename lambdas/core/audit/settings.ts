/** The audit's thresholds from its environment (set by lib/audit.ts); unset ones take the defaults. */
import { AUDIT_ENV } from '../constants';
import { KeyturnError } from '../errors';
import { DEFAULT_AUDIT_SETTINGS, type AuditSettings } from './findings';

export class AuditSettingsError extends KeyturnError {}

export function auditSettingsFromEnv(env: Record<string, string | undefined>): AuditSettings {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,4}$/.test(raw))
      throw new AuditSettingsError(`${name} must be a whole number, got a ${raw.length}-character value`);
    return Number(raw);
  };
  return {
    ...DEFAULT_AUDIT_SETTINGS,
    graceHours: read(AUDIT_ENV.graceHours, DEFAULT_AUDIT_SETTINGS.graceHours),
    stuckPendingHours: read(AUDIT_ENV.stuckPendingHours, DEFAULT_AUDIT_SETTINGS.stuckPendingHours),
    unusedDays: read(AUDIT_ENV.unusedDays, DEFAULT_AUDIT_SETTINGS.unusedDays),
    expiryWarningDays: read(AUDIT_ENV.expiryWarningDays, DEFAULT_AUDIT_SETTINGS.expiryWarningDays),
  };
}

/** The run id: the schedule's time when EventBridge Scheduler passed it (retries share it), else now. */
export function auditRunId(event: unknown, now: Date): string {
  const scheduled = (event as { scheduledTime?: unknown } | null | undefined)?.scheduledTime;
  if (typeof scheduled === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(scheduled))
    return scheduled;
  return now.toISOString();
}
