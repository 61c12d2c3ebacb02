/**
 * No lost signal: every EventBridge rule target gets a retry policy and a dead-letter queue, and the queue has an
 * alarm. EventBridge retries a target that fails (throttled, missing permission, a deleted function) for up to
 * `maxEventAge` / `retryAttempts`, then drops the event unless the target names a dead-letter queue. With one, the
 * event lands in the queue (with the error as message attributes) and the alarm (catalogued, like every alarm)
 * tells people.
 *
 * One `SignalDelivery` serves any number of rules (one queue, one alarm):
 * - L2 rules: `rule.addTarget(new targets.SfnStateMachine(machine, delivery.targetOptions()))` (the target adds
 *   the queue policy for the rule itself);
 * - L1 rules (`events.CfnRule`): `targets: [delivery.cfnTarget(rule, { id, arn })]`, or `delivery.allowRule(rule)`
 *   and `delivery.cfnTargetProperties()` when the target list is built first.
 */
import { Duration, Names, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { catalogAlarm, type AlarmSpec } from './monitoring/alarm-catalog';
import type { KeyturnNotifications } from './notifications';

export interface SignalDeliveryProps {
  /** What the rules deliver, for the alarm's description (e.g. "leak signals"). */
  readonly signals: string;
  /**
   * The catalogue entry of the dead-letter alarm (lib/monitoring/alarm-catalog.ts): its name, severity (→ topic),
   * meaning and runbook step, like every keyturn alarm.
   */
  readonly alarm: AlarmSpec;
  /** The topics the alarm notifies (the one of its severity). */
  readonly notifications: Pick<KeyturnNotifications, 'topicFor'>;
  /** `<slug>-`: the prefix of every keyturn alarm name. */
  readonly alarmNamePrefix: string;
  /**
   * Attempts after the first failed delivery (EventBridge: 0–185).
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps trying one event (1 minute to 24 hours).
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
  /**
   * How long an undelivered event stays in the queue for someone to read and replay (SQS: at most 14 days).
   * @default Duration.days(14)
   */
  readonly retention?: Duration;
}

export class SignalDelivery extends Construct {
  /** Encrypted (SQS-managed keys: EventBridge can deliver without a KMS grant), TLS-only. */
  public readonly deadLetterQueue: sqs.Queue;
  /** One or more events in the queue: a signal was not delivered. */
  public readonly alarm: cloudwatch.Alarm;
  public readonly retryAttempts: number;
  public readonly maxEventAge: Duration;

  constructor(scope: Construct, id: string, props: SignalDeliveryProps) {
    super(scope, id);
    this.retryAttempts = props.retryAttempts ?? 8;
    this.maxEventAge = props.maxEventAge ?? Duration.hours(2);
    const retention = props.retention ?? Duration.days(14);
    const problems: string[] = [];
    if (!Number.isInteger(this.retryAttempts) || this.retryAttempts < 0 || this.retryAttempts > 185)
      problems.push(`retryAttempts ${this.retryAttempts} must be an integer from 0 to 185`);
    const age = this.maxEventAge.toSeconds();
    if (age < 60 || age > 86_400) problems.push(`maxEventAge ${age}s must be 60 s to 24 hours`);
    const kept = retention.toSeconds();
    if (kept < 60 || kept > 14 * 86_400) problems.push(`retention ${kept}s must be 1 minute to 14 days`);
    if (problems.length) throw new Error(`${this.node.path}: ${problems.join('; ')}`);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: retention,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of EventBridge rule targets; it needs no queue of its own',
    });

    this.alarm = catalogAlarm(this, 'Alarm', props.alarm, {
      notifications: props.notifications,
      alarmNamePrefix: props.alarmNamePrefix,
      subject: `${props.signals} (dead-letter queue not empty)`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** Options for an L2 target (`targets.SfnStateMachine`, `targets.LambdaFunction`, …). */
  targetOptions(): { retryAttempts: number; maxEventAge: Duration; deadLetterQueue: sqs.IQueue } {
    return {
      retryAttempts: this.retryAttempts,
      maxEventAge: this.maxEventAge,
      deadLetterQueue: this.deadLetterQueue,
    };
  }

  /** Let `rule` (and only it) put undelivered events into the queue. */
  allowRule(rule: events.CfnRule | events.IRule): void {
    const ruleArn = 'attrArn' in rule ? rule.attrArn : rule.ruleArn;
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowEventRule${Names.nodeUniqueId(rule.node)}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      }),
    );
  }

  /** Retry policy and dead-letter config for an L1 target. */
  cfnTargetProperties(): Pick<events.CfnRule.TargetProperty, 'retryPolicy' | 'deadLetterConfig'> {
    return {
      retryPolicy: {
        maximumRetryAttempts: this.retryAttempts,
        maximumEventAgeInSeconds: this.maxEventAge.toSeconds(),
      },
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
    };
  }

  /** An L1 target with the retry policy and dead-letter queue; the rule is allowed to use the queue. */
  cfnTarget(
    rule: events.CfnRule,
    target: Omit<events.CfnRule.TargetProperty, 'retryPolicy' | 'deadLetterConfig'>,
  ): events.CfnRule.TargetProperty {
    this.allowRule(rule);
    return { ...target, ...this.cfnTargetProperties() };
  }
}
