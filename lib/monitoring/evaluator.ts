/**
 * The fleet evaluator (issue 16): one scheduled function that checks every managed key's usage against its own
 * thresholds from two Logs Insights queries (verifier usage records; CloudTrail reads) and pages each finding
 * naming the key. It replaces 1 anomaly alarm + 5 verifier alarms per key and the per-key custom metric series:
 * what monitoring costs no longer grows with resources per key, only with the log volume it scans.
 */
import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { wildcardResourceFinding } from '../nag';
import { ENV, EVALUATOR_ENV, METRICS_NAMESPACE, NOTIFY_ENV } from '../../lambdas/core/constants';
import { KeyturnFunction } from '../keyturn-function';
import type { KeyturnNotifications } from '../notifications';
import type { SignalDelivery } from '../signal-delivery';

export const EVALUATE_ENTRY = path.join(__dirname, '..', '..', 'lambdas', 'notify', 'evaluate.ts');

/** The schedule's rate; lambdas/core/notify/evaluate.ts EVALUATION_MINUTES must match (a test keeps them equal). */
export const EVALUATION_RATE = Duration.minutes(5);

/** A sustained finding pages once per hour (the old alarms paged once per OK → ALARM transition). */
export const FINDING_DEDUPE_WINDOW = Duration.hours(1);

export interface FleetEvaluatorProps {
  /** The trail's log group (reads of managed secrets). */
  readonly trailLogGroup: logs.ILogGroup;
  /** Names of the log groups where verifying services write their usage records. */
  readonly verifierLogGroupNames: string[];
  /** The notify function's table: dedupe claims and the read baselines. */
  readonly table: dynamodb.ITable;
  readonly notifications: KeyturnNotifications;
  /** Retry + dead-letter queue + alarm for the schedule rule's target. */
  readonly signalDelivery: SignalDelivery;
  /** The monitoring policy layer. */
  readonly policyLayer: lambda.ILayerVersion;
  readonly logRetention?: logs.RetentionDays;
}

export class FleetEvaluator extends Construct {
  public readonly evaluate: KeyturnFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: FleetEvaluatorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.evaluate = new KeyturnFunction(this, 'Evaluate', {
      entry: EVALUATE_ENTRY,
      description:
        'Checks every managed key usage against its thresholds (requests, rejected share, retired keys, read anomalies)',
      timeout: Duration.minutes(3),
      memorySize: 512,
      logRetention: props.logRetention,
      // One run at a time: two would race on the baselines.
      reservedConcurrentExecutions: 1,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.criticalTopicArn]: props.notifications.criticalTopic.topicArn,
        [ENV.noticeTopicArn]: props.notifications.noticeTopic.topicArn,
        [NOTIFY_ENV.dedupeTable]: props.table.tableName,
        [EVALUATOR_ENV.trailLogGroup]: props.trailLogGroup.logGroupName,
        [EVALUATOR_ENV.verifierLogGroups]: JSON.stringify(props.verifierLogGroupNames),
        [EVALUATOR_ENV.findingDedupeSeconds]: String(FINDING_DEDUPE_WINDOW.toSeconds()),
      },
    });
    this.evaluate.function.addLayers(props.policyLayer);
    const role = this.evaluate.role;
    props.notifications.grantPublish(role);
    props.table.grant(role, 'dynamodb:PutItem', 'dynamodb:BatchGetItem');
    const queried = [props.trailLogGroup.logGroupName, ...props.verifierLogGroupNames].map((name) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:StartQuery', 'logs:GetQueryResults'],
        resources: queried,
      }),
    );
    // `:*` is how IAM names a log group for Logs Insights; each one named here is acknowledged, nothing else.
    for (const logGroup of queried) {
      Validations.of(role).acknowledge({
        id: wildcardResourceFinding(role, logGroup),
        reason:
          'Logs Insights queries name a log group as log-group:<name>:*; only the trail and verifier groups are listed',
      });
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted topics needs GenerateDataKey*; the grant is on the pipeline key only (Topic.grantPublish)',
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'keyturn: evaluate every managed key usage (fleet evaluator)',
      schedule: events.Schedule.rate(EVALUATION_RATE),
    });
    this.schedule.addTarget(
      new targets.LambdaFunction(this.evaluate.function, props.signalDelivery.targetOptions()),
    );
  }
}
