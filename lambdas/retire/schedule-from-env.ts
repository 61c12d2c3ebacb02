/**
 * The rotate function's `afterPromotion`, built from its environment: a retirement schedule per promoted key.
 * The stack always sets all four variables; a function with none of them (a bare test harness) retires nothing
 * and says so in its log, and a function with only some of them refuses to start.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { EventBridgeScheduler } from '../aws/scheduler';
import { FUNCTION_METRICS, RETIREMENT_ENV } from '../core/constants';
import type { SecretStore } from '../core/ports';
import type { RotationDeps } from '../core/rotation';
import { RetirementConfigurationError } from '../core/retirement-errors';
import {
  scheduleRetirement,
  type RetirementScheduler,
  type RetirementTarget,
} from '../core/schedule-retirement';

export function retirementTargetFromEnv(env: NodeJS.ProcessEnv): RetirementTarget | undefined {
  const fields = Object.keys(RETIREMENT_ENV) as Array<keyof typeof RETIREMENT_ENV>;
  const missing = fields.filter((field) => !env[RETIREMENT_ENV[field]]);
  if (missing.length === fields.length) return undefined;
  if (missing.length) {
    const names = missing.map((field) => RETIREMENT_ENV[field]).join(', ');
    throw new RetirementConfigurationError(
      `Retirement is half configured: set ${names} (the stack sets all four)`,
    );
  }
  return Object.fromEntries(
    fields.map((field) => [field, env[RETIREMENT_ENV[field]]]),
  ) as unknown as RetirementTarget;
}

export function afterPromotionFromEnv(
  env: NodeJS.ProcessEnv,
  store: SecretStore,
  observe: { logger: Logger; metrics: Metrics },
  scheduler: RetirementScheduler = new EventBridgeScheduler(new SchedulerClient({})),
): RotationDeps['afterPromotion'] {
  const target = retirementTargetFromEnv(env);
  if (!target) {
    observe.logger.warn('retirement is not configured: old keys stay valid after rotation');
    return undefined;
  }
  const schedule = scheduleRetirement({
    scheduler,
    store,
    target,
    onScheduled: (outcome, ctx, previousVersionId) => {
      observe.logger.info('old key retirement', {
        outcome,
        previousVersionId,
        overlapHours: ctx.policy.overlapHours,
      });
      if (outcome === 'scheduled')
        observe.metrics.addMetric(FUNCTION_METRICS.retirementScheduled, MetricUnit.Count, 1);
    },
  });
  return async (ctx, previousVersionId) => {
    await schedule(ctx, previousVersionId);
  };
}
