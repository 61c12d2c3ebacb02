/** One-time schedules over EventBridge Scheduler (SDK v3). One method per command; only ConflictException is mapped. */
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { OneTimeSchedule, RetirementScheduler } from '../core/schedule-retirement';

/** If the target cannot be invoked, keep trying for a day, then dead-letter the event. */
export const SCHEDULE_RETRY = { MaximumEventAgeInSeconds: 24 * 3600, MaximumRetryAttempts: 185 } as const;

export class EventBridgeScheduler implements RetirementScheduler {
  constructor(private readonly client: SchedulerClient) {}

  async createOnce(schedule: OneTimeSchedule): Promise<'created' | 'already-exists'> {
    try {
      await this.client.send(
        new CreateScheduleCommand({
          Name: schedule.name,
          GroupName: schedule.groupName,
          Description: schedule.description,
          ScheduleExpression: schedule.expression,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
          // A one-time schedule cleans itself up once it has run: nothing accumulates per rotation.
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: schedule.targetArn,
            RoleArn: schedule.roleArn,
            Input: schedule.input,
            RetryPolicy: SCHEDULE_RETRY,
            DeadLetterConfig: { Arn: schedule.deadLetterQueueArn },
          },
        }),
      );
      return 'created';
    } catch (error) {
      // Same deterministic name: an earlier (retried) finishSecret already scheduled this retirement.
      if (error instanceof ConflictException) return 'already-exists';
      throw error;
    }
  }
}
