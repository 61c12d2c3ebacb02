/**
 * The daily audit: an EventBridge Scheduler schedule (configurable cadence) invokes the audit function, which
 * lists every managed secret, applies the rules (lambdas/core/audit), sends one notice and records the run in
 * the ledger. Its role may list secrets and see version dates, publish to keyturn's topics and append to the
 * ledger: no GetSecretValue, so it never sees key material. An alarm pages when the audit itself fails.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALARMS, alarmNamePrefixFor, catalogAlarm } from './monitoring/alarm-catalog';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { AUDIT_ENV, ENV, METRICS_NAMESPACE } from '../lambdas/core/constants';
import { auditConfigSchema, type AuditConfig } from './config/audit';
import { KeyturnFunction } from './keyturn-function';
import type { KeyturnLedger } from './ledger';
import type { KeyturnNotifications } from './notifications';

export const AUDIT_ENTRY = path.join(__dirname, '..', 'lambdas', 'audit', 'handler.ts');

/** What the audit needs from its pipeline (KeyturnPipeline implements it). */
export interface AuditHost {
  readonly secretPrefix: string;
  readonly logRetention: logs.RetentionDays;
  readonly notifications: KeyturnNotifications;
  grantOnManagedSecrets(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant;
}

export interface KeyturnAuditProps {
  /** The pipeline whose managed secrets, topics and log retention the audit uses. */
  readonly pipeline: AuditHost;
  /** The ledger each run is recorded in. */
  readonly ledger: KeyturnLedger;
  /**
   * Cadence, time zone and rule thresholds (lib/config/audit.ts).
   * @default - daily at 06:00 UTC; 24 h grace, 6 h stuck, 30 days unused, 14 days expiry warning
   */
  readonly config?: AuditConfig;
  /**
   * Hard time limit of one run (1,000 keys take ~10 ListSecrets calls, seconds).
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;

export class KeyturnAudit extends Construct {
  public readonly auditFunction: KeyturnFunction;
  public readonly schedule: scheduler.CfnSchedule;
  /** The role EventBridge Scheduler assumes to invoke the audit function. */
  public readonly schedulerRole: iam.Role;
  /** Pages on-call when an audit run fails (the inventory then goes unwatched). */
  public readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: KeyturnAuditProps) {
    super(scope, id);
    const { pipeline, ledger } = props;
    const config = props.config ?? auditConfigSchema.parse(undefined);
    if (!SCHEDULE.test(config.schedule)) {
      throw new Error(
        `${this.node.path}: config.schedule "${config.schedule.slice(0, 80)}" must be rate(N days) or cron(...), e.g. cron(0 6 * * ? *)`,
      );
    }
    const scheduleName = `${pipeline.secretPrefix.replace(/\/+$/, '')}-daily-audit`;

    this.auditFunction = new KeyturnFunction(this, 'Audit', {
      entry: AUDIT_ENTRY,
      description:
        'Daily audit of managed API keys: overdue, stuck, unused, expiring, unretired, bad metadata',
      timeout: props.timeout ?? Duration.minutes(5),
      logRetention: pipeline.logRetention,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.secretNamePrefix]: pipeline.secretPrefix,
        [ENV.criticalTopicArn]: pipeline.notifications.criticalTopic.topicArn,
        [ENV.noticeTopicArn]: pipeline.notifications.noticeTopic.topicArn,
        [ENV.ledgerTable]: ledger.tableName,
        [AUDIT_ENV.graceHours]: String(config.graceHours),
        [AUDIT_ENV.stuckPendingHours]: String(config.stuckPendingHours),
        [AUDIT_ENV.unusedDays]: String(config.unusedDays),
        [AUDIT_ENV.expiryWarningDays]: String(config.expiryWarningDays),
      },
    });
    const role = this.auditFunction.role;
    // ListSecrets has no resource-level permissions; everything it returns is metadata (no values).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'secretsmanager:ListSecrets and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; ListSecrets returns metadata only',
    });
    // The pending version's creation date (stuck rotations) on managed secrets only; no GetSecretValue, no KMS.
    pipeline.grantOnManagedSecrets(role, ['ListSecretVersionIds'], []);
    pipeline.notifications.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted topics needs GenerateDataKey*; the grant is on the pipeline key only (Topic.grantPublish)',
    });
    ledger.grantAppend(role);

    const stack = Stack.of(this);
    const scheduleArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `default/${scheduleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'keyturn: EventBridge Scheduler invokes the audit function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused deputy: only this account's audit schedule may use the role.
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleArn } },
      }),
    });
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.auditFunction.function.functionArn],
      }),
    );

    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      name: scheduleName,
      description: 'keyturn: daily audit of managed API keys',
      scheduleExpression: config.schedule,
      scheduleExpressionTimezone: config.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.auditFunction.function.functionArn,
        roleArn: this.schedulerRole.roleArn,
        // The scheduled time is the run's id: a retried invocation records the same ledger lines, not new ones.
        input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      },
    });

    this.failureAlarm = catalogAlarm(this, 'FailureAlarm', ALARMS.auditFailed, {
      notifications: pipeline.notifications,
      alarmNamePrefix: alarmNamePrefixFor(pipeline.secretPrefix),
      metric: this.auditFunction.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }
}
