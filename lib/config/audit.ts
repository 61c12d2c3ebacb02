/** The daily audit's configuration (top-level `audit` in the configuration file). */
import * as z from 'zod';

export const auditConfigSchema = z
  .strictObject({
    /** When the audit runs: an EventBridge Scheduler expression, `rate(...)` or `cron(...)`, in `timezone`. */
    schedule: z
      .string()
      .regex(
        /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/,
        'audit.schedule must be rate(N days) or cron(...)',
      )
      .default('cron(0 6 * * ? *)'),
    /** IANA time zone of a cron schedule, e.g. "Europe/Berlin". */
    timezone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'audit.timezone must be an IANA zone like "Europe/Berlin"')
      .default('UTC'),
    /** Hours after a key's cadence before its rotation counts as overdue. */
    graceHours: z.number().int().min(0).max(168).default(24),
    /** A pending version older than this many hours is a stuck rotation. */
    stuckPendingHours: z.number().int().min(1).max(72).default(6),
    /** Days without a read before a key is reported unused. */
    unusedDays: z.number().int().min(1).max(365).default(30),
    /** Days before `expires` that the audit warns. */
    expiryWarningDays: z.number().int().min(1).max(365).default(14),
  })
  .default({
    schedule: 'cron(0 6 * * ? *)',
    timezone: 'UTC',
    graceHours: 24,
    stuckPendingHours: 6,
    unusedDays: 30,
    expiryWarningDays: 14,
  });

export type AuditConfig = z.output<typeof auditConfigSchema>;
