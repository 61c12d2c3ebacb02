/**
 * Secrets Manager's rules for a rotation schedule (RotationRulesType, and "Schedule expressions in Secrets Manager
 * rotation"): `AutomaticallyAfterDays` (1–1000) or `ScheduleExpression`, not both; at most every 4 hours; `Duration`
 * is the window, 1–24 hours, and "must not extend into the next rotation window or the next UTC day". A `rate()`
 * window starts at midnight UTC; a `cron()` window at the cron's time. Without a Duration, a schedule in hours
 * closes after one hour and a schedule in days at the end of the UTC day. The service refuses a schedule that
 * breaks them only at deploy (or, worse, at the next RotateSecret), so they are checked at synth: the configuration
 * schema names the key and field, and the guard below checks every RotationSchedule in the templates.
 */
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { readTemplates, violation } from './templates';

export interface RotationRules {
  scheduleExpression?: string;
  automaticallyAfterDays?: number;
  /** `<hours>h`, e.g. `4h`. */
  duration?: string;
}

const MIN_ROTATION_INTERVAL_HOURS = 4;
const MAX_AUTOMATICALLY_AFTER_DAYS = 1000;

/** The hours of the day a cron hour field fires at, or a reason it cannot be read. */
function cronHours(field: string): number[] | string {
  const hours = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|\d{1,2})(?:-(\d{1,2}))?(?:\/(\d{1,2}))?$/.exec(part);
    if (!m)
      return `the cron hour field "${field}" is not one Secrets Manager reads (use numbers, a-b, */n or lists)`;
    const from = m[1] === '*' ? 0 : Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? 23 : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (from > 23 || to > 23 || from > to || step < 1)
      return `the cron hour field "${field}" is out of range (0–23)`;
    for (let h = from; h <= to; h += step) hours.add(h);
  }
  return [...hours].sort((a, b) => a - b);
}

function windowHoursOf(duration: string | undefined): number | string | undefined {
  if (duration === undefined) return undefined;
  const m = /^(\d{1,2})h$/.exec(duration);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 24) return `the window "${duration}" must be 1h to 24h`;
  return Number(m[1]);
}

/**
 * Every rule the schedule breaks, each as a sentence that names the fix. Empty when Secrets Manager accepts it.
 * `windowField`/`scheduleField` name the fields in the caller's terms (configuration or template).
 */
export function rotationWindowProblems(
  rules: RotationRules,
  names: { window: string; schedule: string } = { window: 'Duration', schedule: 'ScheduleExpression' },
): string[] {
  const { scheduleExpression: expr, automaticallyAfterDays: days } = rules;
  if (expr !== undefined && days !== undefined)
    return [`set either AutomaticallyAfterDays or ${names.schedule}, not both`];
  const window = windowHoursOf(rules.duration);
  if (typeof window === 'string') return [window];
  if (expr === undefined) {
    if (days === undefined)
      return [`set ${names.schedule} (or AutomaticallyAfterDays): a schedule needs one`];
    if (!Number.isInteger(days) || days < 1 || days > MAX_AUTOMATICALLY_AFTER_DAYS)
      return [
        `AutomaticallyAfterDays must be a whole number from 1 to ${MAX_AUTOMATICALLY_AFTER_DAYS} (it is ${days})`,
      ];
    return [];
  }
  const rate = /^rate\((\d{1,4}) (hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (rate[2].startsWith('day')) {
      if (n < 1 || n > MAX_AUTOMATICALLY_AFTER_DAYS)
        return [
          `${names.schedule} ${expr}: a rate in days must be 1 to ${MAX_AUTOMATICALLY_AFTER_DAYS} days`,
        ];
      return []; // Starts at midnight: any window of 1–24 hours ends by the end of the UTC day.
    }
    if (n < MIN_ROTATION_INTERVAL_HOURS)
      return [
        `${names.schedule} ${expr}: Secrets Manager rotates at most every ${MIN_ROTATION_INTERVAL_HOURS} hours`,
      ];
    if (window !== undefined && window > n) {
      return [
        `a ${window} h window with ${expr} runs into the next rotation window: set ${names.window} to at most ${n} ` +
          `hours, or rotate less often`,
      ];
    }
    return [];
  }
  const cron = /^cron\((.+)\)$/.exec(expr);
  if (!cron) return [`${names.schedule} "${expr}" must be rate(N hours|days) or cron(...)`];
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6)
    return [
      `${names.schedule} ${expr}: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year)`,
    ];
  if (!/^\d{1,2}$/.test(fields[0]) || Number(fields[0]) > 59)
    return [
      `${names.schedule} ${expr}: give the minutes as one number (0–59): Secrets Manager rotates at most every ${MIN_ROTATION_INTERVAL_HOURS} hours`,
    ];
  const hours = cronHours(fields[1]);
  if (typeof hours === 'string') return [`${names.schedule} ${expr}: ${hours}`];
  const minute = Number(fields[0]) / 60;
  const problems: string[] = [];
  const gaps = hours.slice(1).map((h, i) => h - hours[i]);
  const gap = Math.min(24, ...gaps);
  if (gap < MIN_ROTATION_INTERVAL_HOURS)
    problems.push(
      `${names.schedule} ${expr} starts ${gap} h apart: Secrets Manager rotates at most every ${MIN_ROTATION_INTERVAL_HOURS} hours`,
    );
  // Without a Duration, a schedule of several times a day closes after one hour; once a day, at the end of the day.
  const windowHours = window ?? (hours.length > 1 ? 1 : 24 - hours[0] - minute);
  if (hours.length > 1 && windowHours > gap)
    problems.push(
      `a ${windowHours} h window with ${expr} runs into the next rotation window: set ${names.window} to at most ${gap} hours`,
    );
  const last = hours[hours.length - 1] + minute;
  if (last + windowHours > 24) {
    const fits = Math.floor(24 - last);
    problems.push(
      `a ${windowHours} h window with ${expr} runs past midnight UTC (the service refuses a window that extends into ` +
        `the next UTC day): ` +
        (fits >= 1
          ? `set ${names.window} to at most ${fits} hours, or start earlier`
          : 'start earlier in the day'),
    );
  }
  return problems;
}

/** Checks every AWS::SecretsManager::RotationSchedule in the synthesized templates. */
export class RotationWindowGuard implements IPolicyValidationPlugin {
  readonly name = 'keyturn-limits-rotation-window';
  readonly ruleIds = ['KT-RotationWindow'];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations = readTemplates(context.templatePaths).flatMap((file) =>
      Object.entries(file.template.Resources ?? {})
        .filter(([, r]) => r.Type === 'AWS::SecretsManager::RotationSchedule')
        .flatMap(([id, r]) => {
          const rules = (r.Properties?.RotationRules ?? {}) as Record<string, unknown>;
          const problems = rotationWindowProblems({
            scheduleExpression:
              typeof rules.ScheduleExpression === 'string' ? rules.ScheduleExpression : undefined,
            automaticallyAfterDays:
              typeof rules.AutomaticallyAfterDays === 'number' ? rules.AutomaticallyAfterDays : undefined,
            duration: typeof rules.Duration === 'string' ? rules.Duration : undefined,
          });
          return problems.map((p) =>
            violation(
              'KT-RotationWindow',
              `rotation schedule ${id}: ${p}`,
              "change the key's rotation (rotation.scheduleExpression / everyDays / windowHours) as the description says",
              file,
              id,
              'Properties/RotationRules',
            ),
          );
        }),
    );
    return { success: violations.length === 0, violations };
  }
}
