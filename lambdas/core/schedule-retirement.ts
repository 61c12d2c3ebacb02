/**
 * finishSecret's hand-off: once a new key is AWSCURRENT, arrange the old key's retirement after the overlap as a
 * one-time schedule. Idempotent: the schedule name is derived from secret + version, so a retried finishSecret
 * finds the schedule already there.
 */
import type { SecretStore } from './ports';
import type { KeyContext } from './provider';
import { atExpression, retirementScheduleName, retirementTime, type RetirementRequest } from './retirement';
import { parseSecretContent } from './stored-key';

/** One schedule that fires once and is deleted after it ran. */
export interface OneTimeSchedule {
  name: string;
  groupName: string;
  /** `at(yyyy-mm-ddThh:mm:ss)`, UTC. */
  expression: string;
  targetArn: string;
  roleArn: string;
  deadLetterQueueArn: string;
  /** JSON handed to the target; never key material. */
  input: string;
  description: string;
}

export interface RetirementScheduler {
  /** Create the schedule; `already-exists` when a schedule of that name exists (a retry). */
  createOnce(schedule: OneTimeSchedule): Promise<'created' | 'already-exists'>;
}

/** Where the schedules go and what they invoke (from the rotate function's environment). */
export interface RetirementTarget {
  groupName: string;
  retireFunctionArn: string;
  schedulerRoleArn: string;
  deadLetterQueueArn: string;
}

interface ScheduleRetirementDeps {
  scheduler: RetirementScheduler;
  store: SecretStore;
  target: RetirementTarget;
  now?: () => Date;
  /** Told what happened, for logs and metrics. */
  onScheduled?: (outcome: ScheduleOutcome, ctx: KeyContext, previousVersionId: string) => void;
}

export type ScheduleOutcome = 'scheduled' | 'already-scheduled' | 'nothing-to-retire';

export function retirementSchedule(
  target: RetirementTarget,
  ctx: KeyContext,
  previousVersionId: string,
  promotedAt: Date,
): OneTimeSchedule {
  const request: RetirementRequest = { secretId: ctx.secretId, versionId: previousVersionId };
  const at = retirementTime(promotedAt, ctx.policy.overlapHours);
  return {
    name: retirementScheduleName(ctx.secretId, previousVersionId),
    groupName: target.groupName,
    expression: atExpression(at),
    targetArn: target.retireFunctionArn,
    roleArn: target.schedulerRoleArn,
    deadLetterQueueArn: target.deadLetterQueueArn,
    input: JSON.stringify(request),
    description:
      `keyturn: retire version ${previousVersionId} of ${ctx.policy.keyName} (${ctx.policy.environment})`.slice(
        0,
        512,
      ),
  };
}

/** Build `RotationDeps.afterPromotion`. */
export function scheduleRetirement(deps: ScheduleRetirementDeps) {
  return async (ctx: KeyContext, previousVersionId: string | undefined): Promise<ScheduleOutcome> => {
    let outcome: ScheduleOutcome = 'nothing-to-retire';
    if (previousVersionId && (await holdsKey(deps.store, ctx.secretId, previousVersionId))) {
      const schedule = retirementSchedule(deps.target, ctx, previousVersionId, deps.now?.() ?? new Date());
      const created = await deps.scheduler.createOnce(schedule);
      outcome = created === 'created' ? 'scheduled' : 'already-scheduled';
    }
    if (previousVersionId) deps.onScheduled?.(outcome, ctx, previousVersionId);
    return outcome;
  };
}

/**
 * The first rotation replaces the bootstrap placeholder: no key to retire. A value that does not parse is still
 * scheduled: whatever it is, the retire function then raises the alarm instead of it being forgotten here.
 */
async function holdsKey(store: SecretStore, secretId: string, versionId: string): Promise<boolean> {
  const raw = await store.getValue(secretId, versionId);
  if (raw === undefined) return false;
  const parsed = parseSecretContent(raw);
  return !(parsed.ok && parsed.content.kind === 'bootstrap');
}
