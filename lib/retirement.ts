/**
 * Retirement of old keys after the overlap window: a schedule group for the one-time schedules finishSecret
 * creates, the retire function they invoke, the role EventBridge Scheduler uses (it may invoke only the retire
 * function and dead-letter to the queue), and the dead-letter queue with an alarm that pages on-call.
 * Shared by every key: per-key cost is only the retire role's provider revoke grants (see addKey).
 */
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALARMS, alarmNamePrefixFor, catalogAlarm } from './monitoring/alarm-catalog';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from './nag';
import { ENV, METRICS_NAMESPACE, RETIREMENT_ENV, RETIREMENT_TAGS, TAGS } from '../lambdas/core/constants';
import type { KeyConfig } from './config/schema';
import { KeyturnFunction } from './keyturn-function';
import type { KeyturnNotifications } from './notifications';
import { grantProviderAccess, provideProviderEnvironment } from './providers';

export const RETIRE_ENTRY = path.join(__dirname, '..', 'lambdas', 'retire', 'handler.ts');

/** What retirement needs from its pipeline (KeyturnPipeline implements it). */
export interface RetirementHost {
  readonly secretPrefix: string;
  readonly logRetention: logs.RetentionDays;
  readonly notifications: KeyturnNotifications;
  grantOnManagedSecrets(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant;
  managedSecretsArnPattern(): string;
}

export interface KeyturnRetirementProps {
  /** The pipeline whose managed secrets, topics and log retention retirement uses. */
  readonly pipeline: RetirementHost;
  /**
   * Name of the EventBridge Scheduler schedule group (1–64 of `[0-9A-Za-z_.-]`, unique per account and region).
   * @default `<secret prefix without "/">-retirement`, e.g. `keyturn-retirement`
   */
  readonly scheduleGroupName?: string;
  /**
   * Hard time limit of one retirement: revoke, then up to ~1 minute of proof retries while the revocation propagates.
   * @default Duration.minutes(3)
   */
  readonly timeout?: Duration;
  /**
   * How long Lambda keeps retrying a failed retirement (2 retries) before it goes to the dead-letter queue.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
}

const GROUP_NAME = /^[0-9A-Za-z_.-]{1,64}$/;

export class KeyturnRetirement extends Construct {
  public readonly scheduleGroup: scheduler.CfnScheduleGroup;
  public readonly scheduleGroupName: string;
  public readonly retireFunction: KeyturnFunction;
  /** The role EventBridge Scheduler assumes to invoke the retire function. */
  public readonly schedulerRole: iam.Role;
  /** Retirements that never succeeded: undeliverable schedules and invocations that failed every retry. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Pages on-call (critical topic) as soon as one retirement is dead-lettered. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: KeyturnRetirementProps) {
    super(scope, id);
    const { pipeline } = props;
    this.scheduleGroupName =
      props.scheduleGroupName ?? `${pipeline.secretPrefix.replace(/\/+$/, '')}-retirement`;
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    const problems: string[] = [];
    if (!GROUP_NAME.test(this.scheduleGroupName)) {
      problems.push(`scheduleGroupName "${this.scheduleGroupName}" must be 1–64 of [0-9A-Za-z_.-]`);
    }
    if (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 6 * 3600) {
      problems.push(`maxEventAge ${maxEventAge.toSeconds()}s must be 60 s to 6 h (Lambda's limits)`);
    }
    if (problems.length) throw new Error(`${this.node.path}: ${problems.join('; ')}`);

    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', {
      name: this.scheduleGroupName,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed encryption: the scheduler and Lambda can deliver without a KMS grant on the pipeline key;
      // messages hold only secret ARNs and version ids.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.retireFunction = new KeyturnFunction(this, 'Retire', {
      entry: RETIRE_ENTRY,
      description: 'Retires old API keys after the overlap window: revoke, prove, record',
      timeout: props.timeout ?? Duration.minutes(3),
      logRetention: pipeline.logRetention,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.secretNamePrefix]: pipeline.secretPrefix,
        [ENV.noticeTopicArn]: pipeline.notifications.noticeTopic.topicArn,
        // A stored key id keyturn did not issue is refused, never revoked: on-call is paged at once.
        [ENV.criticalTopicArn]: pipeline.notifications.criticalTopic.topicArn,
      },
    });
    this.retireFunction.function.configureAsyncInvoke({ retryAttempts: 2, maxEventAge });
    const role = this.retireFunction.role;
    // Only what retirement does on a managed secret: read it, take AWSPREVIOUS off, and write the two retirement tags.
    pipeline.grantOnManagedSecrets(
      role,
      ['DescribeSecret', 'GetSecretValue', 'UpdateSecretVersionStage'],
      ['Decrypt'],
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:TagResource'],
        resources: [pipeline.managedSecretsArnPattern()],
        conditions: {
          StringEquals: { [`secretsmanager:ResourceTag/${TAGS.managed}`]: 'true' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(RETIREMENT_TAGS) },
          // ForAllValues is vacuously true without tag keys: require them, so only these two keys can ever be written.
          Null: { 'aws:TagKeys': 'false' },
        },
      }),
    );
    // Each failed attempt is a notice; the page is the dead-letter alarm below (one per failed retirement). A key
    // keyturn did not issue is paged directly (critical), once: a retry could not change the answer.
    pipeline.notifications.noticeTopic.grantPublish(role);
    pipeline.notifications.criticalTopic.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted notice and critical topics needs GenerateDataKey*; the grant is on the pipeline key only (Topic.grantPublish)',
    });

    const stack = Stack.of(this);
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'keyturn: EventBridge Scheduler invokes the retire function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused deputy: only this account's schedules in keyturn's group may use the role.
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.scheduleArnPattern() },
        },
      }),
    });
    // The function ARN itself, not `grantInvoke` (which adds `<arn>:*`, every version and alias).
    this.schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.retireFunction.function.functionArn],
      }),
    );
    this.deadLetterQueue.grantSendMessages(this.schedulerRole);

    this.deadLetterAlarm = catalogAlarm(this, 'DeadLetterAlarm', ALARMS.retirementFailed, {
      notifications: pipeline.notifications,
      alarmNamePrefix: alarmNamePrefixFor(pipeline.secretPrefix),
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** `arn:…:scheduler:<region>:<account>:schedule/<group>/*`: the retirement schedules and nothing else. */
  scheduleArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Let the rotate function schedule retirements: CreateSchedule in the retirement group only, PassRole of the
   * scheduler role only (to the scheduler only), and the environment that names them.
   */
  grantSchedule(rotate: KeyturnFunction): void {
    rotate.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [this.scheduleArnPattern()],
      }),
    );
    rotate.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(rotate.role).acknowledge({
      id: wildcardResourceFinding(this, this.scheduleArnPattern()),
      reason:
        "Retirement schedule names are derived at run time from secret + version; the grant is limited to keyturn's own schedule group",
    });
    const env = {
      [RETIREMENT_ENV.groupName]: this.scheduleGroupName,
      [RETIREMENT_ENV.retireFunctionArn]: this.retireFunction.function.functionArn,
      [RETIREMENT_ENV.schedulerRoleArn]: this.schedulerRole.roleArn,
      [RETIREMENT_ENV.deadLetterQueueArn]: this.deadLetterQueue.queueArn,
    };
    for (const [name, value] of Object.entries(env)) rotate.function.addEnvironment(name, value);
    // Schedules can only be created in a group that exists.
    rotate.function.node.addDependency(this.scheduleGroup);
  }

  /** A key joins: the retire function may revoke at its provider (never create), with the provider's settings. */
  addKey(key: KeyConfig): void {
    grantProviderAccess(this.retireFunction.role, key, 'revoke', this.retireFunction.role);
    provideProviderEnvironment(this.retireFunction.function, key);
  }
}
