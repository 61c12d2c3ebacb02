/**
 * keyturn's shared monitoring: the CloudTrail source, metric filters and pipeline alarms, the EventBridge rules that
 * page within a minute, the notify function (with its de-duplication table and dead-letter queue), the dashboard.
 * Per-key alarms live in KeyMonitoring (lib/monitoring/key-monitoring.ts), created inside each ManagedKey.
 */
import * as path from 'node:path';
import {
  Annotations,
  ArnFormat,
  Aspects,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ENV,
  EVALUATOR_METRICS,
  FUNCTION_METRICS,
  METRICS_NAMESPACE,
  NOTIFY_ENV,
  NOTIFY_METRICS,
  TRAIL_METRICS,
  VERIFIER_METRICS,
  topKeysQuery,
} from '../../lambdas/core/constants';
import type { MonitoringConfig, Thresholds } from '../config/monitoring';
import { KeyturnFunction } from '../keyturn-function';
import type { KeyturnNotifications } from '../notifications';
import { ALARMS, alarmNamePrefixFor, catalogAlarm, cataloguedAlarms, type AlarmSpec } from './alarm-catalog';
import {
  deniedCallsPattern,
  destructiveChangesEventPattern,
  destructiveKmsChangesPattern,
  destructiveSecretChangesPattern,
  managedSecretReadsEventPattern,
  managedSecretReadsPattern,
  rotationProblemsEventPattern,
  tamperWritesEventPattern,
  trailTamperingPattern,
} from './patterns';
import {
  MonitoringPolicyLayer,
  policyKeyFor,
  type MonitoringPolicyDocument,
  type MonitoringPolicyKey,
} from './policy';
import type { KeyConfig } from '../config/schema';
import { TrailSource } from './trail-source';
import { SignalDelivery } from '../signal-delivery';
import { FleetEvaluator } from './evaluator';

export const NOTIFY_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'notify', 'handler.ts');

/** Window in which the same incident is reported once. */
export const DEDUPE_WINDOW = Duration.minutes(10);

export interface KeyturnMonitoringProps {
  /** Prefix of managed secret names, e.g. `keyturn/`. */
  readonly secretPrefix: string;
  /** The pipeline's KMS key (secrets, topics, trail). */
  readonly encryptionKey: kms.IKey;
  /** The topics alarms and the notify function report to. */
  readonly notifications: KeyturnNotifications;
  /** Validated `monitoring` configuration (lib/config/monitoring.ts). */
  readonly config: MonitoringConfig;
  /** Grants DescribeSecret on managed secrets (the notify function reads owner and runbook tags). */
  readonly grantDescribeManagedSecrets: (grantee: iam.IGrantable) => void;
  /**
   * Retention of the notify function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** What a key's monitoring needs from the pipeline's (an interface, so keys may live in shard stacks). */
export interface IKeyturnMonitoring {
  readonly notifications: KeyturnNotifications;
  readonly config: MonitoringConfig;
  /** `<slug>-` prefix of every alarm name. */
  readonly alarmNamePrefix: string;
}

export class KeyturnMonitoring extends Construct implements IKeyturnMonitoring {
  public readonly trailSource: TrailSource;
  public readonly notifyFunction: lambda.IFunction;
  public readonly notify: KeyturnFunction;
  public readonly notifyDeadLetterQueue: sqs.Queue;
  public readonly dedupeTable: dynamodb.Table;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public dashboard?: cloudwatch.Dashboard;
  /** Per-key usage findings and read anomalies for the whole fleet (built once every key is known). */
  public evaluator?: FleetEvaluator;
  private readonly logRetention?: logs.RetentionDays;
  public readonly notifications: KeyturnNotifications;
  public readonly config: MonitoringConfig;
  public readonly alarmNamePrefix: string;
  /** Reads of any managed secret by a non-keyturn principal (one rule for the prefix; allowed readers: policy). */
  public readonly readerRule: events.CfnRule;
  /** CreateSecret / TagResource / UntagResource / PutSecretValue / RotateSecret by anyone but keyturn and deploy. */
  public readonly tamperRule: events.CfnRule;
  /** Retry + dead-letter queue + alarm for every rule that targets notify. */
  public readonly signalDelivery: SignalDelivery;
  /** The deployed monitoring policy (built once every key is added). */
  public policyLayer?: MonitoringPolicyLayer;
  private readonly trustedRoles: iam.IRole[] = [];
  private readonly policyKeys: MonitoringPolicyKey[] = [];
  private readonly secretPrefix: string;

  constructor(scope: Construct, id: string, props: KeyturnMonitoringProps) {
    super(scope, id);
    this.notifications = props.notifications;
    this.config = props.config;
    const stack = Stack.of(this);
    this.alarmNamePrefix = alarmNamePrefixFor(props.secretPrefix);
    this.secretPrefix = props.secretPrefix;
    this.logRetention = props.logRetention;

    // CloudWatch alarms publish to KMS-encrypted topics only if CloudWatch may use the key.
    props.encryptionKey.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );

    this.trailSource = new TrailSource(this, 'Source', {
      encryptionKey: props.encryptionKey,
      existingTrail: props.config.existingTrail,
      retention: props.config.trailLogRetentionDays as logs.RetentionDays,
    });

    // --- notify function -----------------------------------------------------------------------------------
    this.dedupeTable = new dynamodb.Table(this, 'DedupeTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.notifyDeadLetterQueue = new sqs.Queue(this, 'NotifyDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.notifyDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the notify function's dead-letter queue (a Lambda DLQ, which cdk-nag does not recognise)",
    });
    this.notify = new KeyturnFunction(this, 'Notify', {
      entry: NOTIFY_ENTRY,
      description: 'Formats keyturn incidents into one clear on-call message each, without duplicates',
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      deadLetterQueue: this.notifyDeadLetterQueue,
      // A storm of events must not become a storm of pages nor exhaust the account's concurrency.
      reservedConcurrentExecutions: 5,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.criticalTopicArn]: props.notifications.criticalTopic.topicArn,
        [ENV.noticeTopicArn]: props.notifications.noticeTopic.topicArn,
        [NOTIFY_ENV.dedupeTable]: this.dedupeTable.tableName,
        [NOTIFY_ENV.dedupeWindowSeconds]: String(DEDUPE_WINDOW.toSeconds()),
      },
    });
    this.notifyFunction = this.notify.function;
    props.notifications.grantPublish(this.notify.role);
    Validations.of(this.notify.role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted topics needs GenerateDataKey*; the grant is on the pipeline key only (Topic.grantPublish)',
    });
    props.grantDescribeManagedSecrets(this.notify.role);
    this.dedupeTable.grant(this.notify.role, 'dynamodb:PutItem');

    // --- EventBridge: page within a minute ----------------------------------------------------------------------
    this.signalDelivery = new SignalDelivery(this, 'SignalDelivery', {
      signals: 'CloudTrail incidents for the notify function',
      alarm: ALARMS.monitoringSignalsUndelivered,
      notifications: props.notifications,
      alarmNamePrefix: this.alarmNamePrefix,
    });
    const managedArnPrefix = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: props.secretPrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const trailArn = stack.formatArn({
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: this.trailSource.trailName,
    });
    this.eventRule(
      'RotationProblems',
      'Secrets Manager RotationFailed / RotationAbandoned of managed secrets',
      rotationProblemsEventPattern(managedArnPrefix),
    );
    this.eventRule(
      'DestructiveChanges',
      'Destructive changes to managed secrets, the keyturn KMS key or its trail',
      destructiveChangesEventPattern(props.secretPrefix, managedArnPrefix, props.encryptionKey.keyArn, {
        name: this.trailSource.trailName,
        arn: trailArn,
      }),
    );
    const deployRoleArns = props.config.deployRoleArns ??
      // The CDK bootstrap's CloudFormation execution role (default qualifier): CloudFormation acts as it.
      [
        `arn:${stack.partition}:iam::${stack.account}:role/cdk-hnb659fds-cfn-exec-role-${stack.account}-${stack.region}`,
      ];
    // Lazy: keyturn functions created after this construct (retire, leak, audit) are trusted too.
    this.readerRule = this.eventRule(
      'ManagedSecretReads',
      'Reads of managed secrets by principals other than keyturn (allowed readers: the monitoring policy)',
      Lazy.any({
        produce: () =>
          managedSecretReadsEventPattern(props.secretPrefix, managedArnPrefix, this.trustedReaderRoleArns),
      }),
      'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    );
    this.tamperRule = this.eventRule(
      'TamperWrites',
      'Create, tag, untag, value writes and rotations of managed secrets outside keyturn and the deploy role',
      Lazy.any({
        produce: () =>
          tamperWritesEventPattern(props.secretPrefix, managedArnPrefix, [
            ...this.trustedReaderRoleArns,
            ...deployRoleArns,
          ]),
      }),
    );
    // The policy file is built once every key is known (keys are added after this construct).
    Aspects.of(this).add({
      visit: (node) => {
        if (node === this && !this.policyLayer) this.finalize();
      },
    });

    // --- metric filters and pipeline alarms ---------------------------------------------------------------------
    const denied = this.countFilter(
      'DeniedCalls',
      TRAIL_METRICS.deniedCalls,
      deniedCallsPattern(props.secretPrefix, props.encryptionKey.keyArn),
    );
    this.thresholdAlarms(
      'DeniedCalls',
      denied,
      Duration.hours(1),
      props.config.deniedCallsPerHour,
      ALARMS.deniedCallsWarning,
      ALARMS.deniedCallsCritical,
      'per hour',
    );
    const destructive: Array<[string, string, AlarmSpec]> = [
      [
        'DestructiveSecretChanges',
        destructiveSecretChangesPattern(props.secretPrefix),
        ALARMS.destructiveSecretChange,
      ],
      [
        'DestructiveKmsChanges',
        destructiveKmsChangesPattern(props.encryptionKey.keyArn),
        ALARMS.destructiveKmsChange,
      ],
      ['TrailTampering', trailTamperingPattern(this.trailSource.trailName), ALARMS.trailTampering],
    ];
    for (const [name, pattern, spec] of destructive) {
      const metric = this.countFilter(name, name, pattern);
      this.alarm(
        name,
        spec,
        metric.with({ period: Duration.minutes(5) }),
        1,
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      );
    }
    // The fleet's read count (one series); per-key reads are counted by the fleet evaluator from the logs.
    this.countFilter(
      'ManagedSecretReads',
      TRAIL_METRICS.managedSecretReads,
      managedSecretReadsPattern(props.secretPrefix),
    );
    this.alarm(
      'NotifyFailures',
      ALARMS.notifyFailures,
      this.notifyDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    );

    if (!props.config.existingTrail && props.config.createTrail !== true) {
      Annotations.of(this).addWarningV2(
        'keyturn:second-trail',
        'keyturn creates its own trail: if the account already has one, this second copy of every management event ' +
          'costs $2.00 per 100,000 events (plus $0.50/GB into CloudWatch Logs). Set monitoring.existingTrail to reuse ' +
          "yours, or monitoring.createTrail: true to keep this one (free if it is the account's only trail).",
      );
    }
    if (props.config.verifierLogGroups.length === 0) {
      Annotations.of(this).addWarningV2(
        'keyturn:no-verifier-logs',
        'monitoring.verifierLogGroups is empty: request-rate, rejected-share and retired-key findings are off. ' +
          'List the log groups of the services that verify keys with lambdas/verifier.',
      );
    }
  }

  /** Role ARNs the reader and tamper rules treat as keyturn's own (read lazily by the rules). */
  get trustedReaderRoleArns(): string[] {
    return this.trustedRoles.map((r) => r.roleArn);
  }

  /** Reads and writes of managed secrets by `role` are keyturn's own (rotate, retire, leak and audit call this). */
  trustReader(role: iam.IRole): void {
    if (!this.trustedRoles.includes(role)) this.trustedRoles.push(role);
  }

  /** Monitor a managed key: its entry in the deployed monitoring policy (no CloudFormation resource per key). */
  addKey(key: KeyConfig): void {
    if (this.policyLayer) throw new Error(`${this.node.path}: keys must be added before synthesis`);
    this.policyKeys.push(policyKeyFor(this.secretPrefix, key, this.config));
  }

  /** The policy document as the notify function will read it. */
  get policyDocument(): MonitoringPolicyDocument {
    return { version: 1, secretPrefix: this.secretPrefix, keys: [...this.policyKeys] };
  }

  /** Once every key is known: the policy layer, the fleet evaluator that reads it, its alarm, the dashboard. */
  private finalize(): void {
    this.policyLayer = new MonitoringPolicyLayer(this, 'Policy', { document: this.policyDocument });
    this.notify.function.addLayers(this.policyLayer.layer);
    this.evaluator = new FleetEvaluator(this, 'Fleet', {
      trailLogGroup: this.trailSource.logGroup,
      verifierLogGroupNames: this.config.verifierLogGroups,
      table: this.dedupeTable,
      notifications: this.notifications,
      signalDelivery: this.signalDelivery,
      policyLayer: this.policyLayer.layer,
      logRetention: this.logRetention,
    });
    this.alarm(
      'EvaluatorFailures',
      ALARMS.evaluatorFailures,
      this.evaluator.evaluate.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    );
    if (this.config.dashboard) this.dashboard = this.buildDashboard();
  }

  private eventRule(
    id: string,
    description: string,
    eventPattern: unknown,
    state: 'ENABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' = 'ENABLED',
  ): events.CfnRule {
    const rule = new events.CfnRule(this, id, {
      description: `keyturn: ${description}`,
      state,
      eventPattern,
      // No lost signal: retries, then the dead-letter queue whose alarm pages (lib/signal-delivery.ts).
      targets: [
        { id: 'Notify', arn: this.notify.function.functionArn, ...this.signalDelivery.cfnTargetProperties() },
      ],
    });
    this.signalDelivery.allowRule(rule);
    // The rule's exact ARN: a rule named like keyturn's (or any other) cannot invoke notify.
    this.notify.function.addPermission(`${id}Invoke`, {
      principal: new iam.ServicePrincipal('events.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: Stack.of(this).account,
      sourceArn: rule.attrArn,
    });
    return rule;
  }

  private countFilter(id: string, metricName: string, pattern: string): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, `${id}Filter`, {
      logGroup: this.trailSource.logGroup,
      filterPattern: logs.FilterPattern.literal(pattern),
      metricNamespace: METRICS_NAMESPACE,
      metricName,
      metricValue: '1',
      // 0 when records arrive but none match: a flat line proves the trail still delivers.
      defaultValue: 0,
      unit: cloudwatch.Unit.COUNT,
    });
    return filter.metric({ statistic: 'Sum' });
  }

  private thresholdAlarms(
    id: string,
    metric: cloudwatch.IMetric,
    period: Duration,
    thresholds: Thresholds,
    warning: AlarmSpec,
    critical: AlarmSpec,
    unit: string,
  ): void {
    const m = (metric as cloudwatch.Metric).with({ period });
    this.alarm(
      `${id}Warning`,
      warning,
      m,
      thresholds.warning,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      `> ${thresholds.warning} ${unit}`,
    );
    this.alarm(
      `${id}Critical`,
      critical,
      m,
      thresholds.critical,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      `> ${thresholds.critical} ${unit}`,
    );
  }

  private alarm(
    id: string,
    spec: AlarmSpec,
    metric: cloudwatch.IMetric,
    threshold: number,
    comparisonOperator: cloudwatch.ComparisonOperator,
    thresholdText?: string,
  ): cloudwatch.Alarm {
    const alarm = catalogAlarm(this, `${id}Alarm`, spec, {
      notifications: this.notifications,
      alarmNamePrefix: this.alarmNamePrefix,
      metric,
      threshold,
      comparisonOperator,
      thresholdText,
    });
    this.alarms.push(alarm);
    return alarm;
  }

  /** The fleet at a glance: every catalogued alarm, the top keys by reads, requests and refusals, and findings. */
  private buildDashboard(): cloudwatch.Dashboard {
    const search = (expression: string, label: string, stat = 'Sum') =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE}} ${expression}', '${stat}', 300)`,
        label,
        usingMetrics: {},
        period: Duration.minutes(5),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.alarmNamePrefix}keyturn`.replace(/[^A-Za-z0-9_-]/g, '-'),
    });
    const verifierGroups = this.config.verifierLogGroups;
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'keyturn alarms (every catalogued alarm)',
        alarms: cataloguedAlarms(Stack.of(this)),
        width: 24,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Top keys by secret reads (CloudTrail)',
        logGroupNames: [this.trailSource.logGroup.logGroupName],
        queryLines: topKeysQuery('reads', this.secretPrefix).split('\n'),
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 8,
      }),
      ...(verifierGroups.length
        ? (['requests', 'refused'] as const).map(
            (metric) =>
              new cloudwatch.LogQueryWidget({
                title: `Top keys by ${metric === 'refused' ? 'rejected or retired keys presented' : 'verifier requests'}`,
                logGroupNames: verifierGroups,
                queryLines: topKeysQuery(metric, this.secretPrefix).split('\n'),
                view: cloudwatch.LogQueryVisualizationType.TABLE,
                width: 8,
              }),
          )
        : []),
      new cloudwatch.GraphWidget({
        title: 'Keys with findings, and pages',
        left: [
          search(`MetricName="${EVALUATOR_METRICS.findings}"`, 'findings'),
          search(`MetricName="${NOTIFY_METRICS.published}"`, 'incident pages'),
          search(`MetricName="${EVALUATOR_METRICS.published}"`, 'finding pages'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Fleet usage: secret reads and verifier requests',
        left: [
          search(`MetricName="${TRAIL_METRICS.managedSecretReads}"`, 'secret reads'),
          search(`MetricName="${VERIFIER_METRICS.accepted}"`, 'verifier: accepted keys'),
          search(`MetricName="${VERIFIER_METRICS.rejected}"`, 'verifier: rejected keys'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Denied calls and destructive changes (CloudTrail)',
        left: [
          search(`MetricName="${TRAIL_METRICS.deniedCalls}"`, 'denied'),
          search('MetricName="DestructiveSecretChanges"', 'destructive'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rotations: steps succeeded / failed',
        left: [
          search(`MetricName="${FUNCTION_METRICS.rotationStepSucceeded}"`, 'succeeded'),
          search(`MetricName="${FUNCTION_METRICS.rotationStepFailed}"`, 'failed'),
        ],
        width: 12,
      }),
    );
    return dashboard;
  }
}
