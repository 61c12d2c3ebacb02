/**
 * The leak response: EventBridge rules for the two leak signals start a Step Functions state machine whose tasks
 * run in the leak function (lambdas/leak). Revocation comes first (policy revoke-first) or after the replacement is
 * current (rotate-then-revoke); then the audit of the exposure window, linked keys, the incident record (DynamoDB,
 * point-in-time recovery, keyturn KMS key) and the page; a second check of the revocation an hour later.
 * Each step is visible, retried and timed; a step that keeps failing escalates to on-call.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  BLAST_RADIUS_DEFAULTS,
  ENV,
  EVENTS,
  HEALTH_EXPOSED_CREDENTIAL_CODES,
  LEAK_DENIED_ERROR,
  LEAK_ENV,
  LEAK_SENDER_PATTERN,
  LEAK_TAGS,
  leakBusNameFor,
  METRICS_NAMESPACE,
} from '../lambdas/core/constants';
import { KeyturnFunction } from './keyturn-function';
import type { KeyturnLedger } from './ledger';
import type { KeyturnNotifications } from './notifications';
import { KeyturnRevocationStore } from './revocation-store';
import { SignalDelivery } from './signal-delivery';
import { ALARMS, alarmNamePrefixFor, catalogAlarm } from './monitoring/alarm-catalog';

export const LEAK_ENTRY = path.join(__dirname, '..', 'lambdas', 'leak', 'handler.ts');

/** What the leak response needs from its pipeline (KeyturnPipeline implements it). */
export interface LeakResponseHost {
  readonly secretPrefix: string;
  readonly logRetention: logs.RetentionDays;
  readonly notifications: KeyturnNotifications;
  readonly encryptionKey: kms.IKey;
  readonly rotationFunction: { readonly functionArn: string };
  managedSecretsArnPattern(): string;
  grantOnManagedSecrets(grantee: iam.IGrantable, actions: string[], kmsActions: string[]): iam.Grant;
}

export interface KeyturnLeakResponseProps {
  /** The pipeline whose managed secrets, key, topics and log retention the response uses. */
  readonly pipeline: LeakResponseHost;
  /** Revocations and incidents are appended to it. */
  readonly ledger: KeyturnLedger;
  /**
   * A second signal for the same key within this window joins the open incident instead of rotating again.
   * @default Duration.hours(1)
   */
  readonly dedupeWindow?: Duration;
  /**
   * When the revocation is checked a second time.
   * @default Duration.hours(1)
   */
  readonly secondCheckAfter?: Duration;
  /**
   * IAM principals (role or user ARNs, `*` allowed) that may put keyturn "API Key Leaked" events on the leak bus;
   * the bus policy denies everyone else, whatever their own policies allow. AWS Health needs no entry (its events
   * arrive on the default bus).
   * @default - nobody: leaks can be reported only once senders are listed
   */
  readonly senders?: string[];
  /**
   * The blast-radius cap: more than `maxRevocations` keys revoked (or about to be) within `windowMinutes` and the
   * next response revokes and rotates nothing until a human approves (`keyturn leak approve <incident-id>`), or ends
   * without revoking after `approvalTimeoutMinutes`. maxRevocations 1–100, windowMinutes 1–1440,
   * approvalTimeoutMinutes 5–1440.
   * @default - { maxRevocations: 3, windowMinutes: 10, approvalTimeoutMinutes: 60 }
   */
  readonly blastRadius?: BlastRadiusOptions;
}

/** The blast-radius cap (KeyturnLeakResponseProps.blastRadius). */
export interface BlastRadiusOptions {
  /** @default 3 */
  readonly maxRevocations?: number;
  /** @default 10 */
  readonly windowMinutes?: number;
  /** @default 60 */
  readonly approvalTimeoutMinutes?: number;
}

const BLAST_RADIUS_BOUNDS = {
  maxRevocations: [1, 100],
  windowMinutes: [1, 1440],
  approvalTimeoutMinutes: [5, 1440],
} as const;

/** Between checks of AWSCURRENT while the replacement rotates (40 checks: 10 minutes). */
const ROTATION_POLL = Duration.seconds(15);

export class KeyturnLeakResponse extends Construct {
  public readonly leakFunction: KeyturnFunction;
  public readonly stateMachine: sfn.StateMachine;
  public readonly incidentTable: dynamodb.Table;
  /** Written at contain, read by verifiers every few seconds (grantRead for their consumers). */
  public readonly revocations: KeyturnRevocationStore;
  /** The bus keyturn leak events are put on; its policy names who may put them. */
  public readonly eventBus: events.EventBus;
  /** The keyturn "API Key Leaked" event (CLI, scanners, people, alarms), on the leak bus. */
  public readonly leakRule: events.Rule;
  /** AWS Health's exposed-credential events for IAM access keys. */
  public readonly healthRule: events.Rule;
  /** Pages when a response execution fails or times out (the response itself could not tell on-call). */
  public readonly failureAlarm: cloudwatch.Alarm;
  /** Retries and the dead-letter queue of both signal rules; a signal that cannot be delivered pages on-call. */
  public readonly signalDelivery: SignalDelivery;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: KeyturnLeakResponseProps) {
    super(scope, id);
    const { pipeline, ledger } = props;
    this.encryptionKey = pipeline.encryptionKey;
    const dedupe = props.dedupeWindow ?? Duration.hours(1);
    const secondCheckAfter = props.secondCheckAfter ?? Duration.hours(1);
    if (dedupe.toSeconds() < 60 || dedupe.toSeconds() > 7 * 86_400) {
      throw new Error(`${this.node.path}: dedupeWindow ${dedupe.toSeconds()}s must be 60 s to 7 days`);
    }
    const cap = { ...BLAST_RADIUS_DEFAULTS, ...props.blastRadius };
    const wrong = Object.entries(BLAST_RADIUS_BOUNDS)
      .filter(([k, [min, max]]) => {
        const v = cap[k as keyof typeof cap];
        return !Number.isInteger(v) || v < min || v > max;
      })
      .map(
        ([k, [min, max]]) =>
          `blastRadius.${k} ${cap[k as keyof typeof cap]} must be a whole number ${min}–${max}`,
      );
    if (wrong.length) throw new Error(`${this.node.path}: ${wrong.join('; ')}`);

    this.incidentTable = new dynamodb.Table(this, 'Incidents', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: pipeline.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Only the open-incident markers carry expiresAt: incidents themselves are kept.
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.revocations = new KeyturnRevocationStore(this, 'Revocations');

    this.leakFunction = new KeyturnFunction(this, 'Leak', {
      entry: LEAK_ENTRY,
      description: 'Leak response tasks: revoke, replace, audit, record, page',
      timeout: Duration.minutes(2),
      logRetention: pipeline.logRetention,
      // A flood of signals must not exhaust the account's concurrency; duplicates join the open incident anyway.
      reservedConcurrentExecutions: 10,
      environment: {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.secretNamePrefix]: pipeline.secretPrefix,
        [ENV.criticalTopicArn]: pipeline.notifications.criticalTopic.topicArn,
        [ENV.noticeTopicArn]: pipeline.notifications.noticeTopic.topicArn,
        [ENV.ledgerTable]: ledger.tableName,
        [LEAK_ENV.incidentTable]: this.incidentTable.tableName,
        [LEAK_ENV.revocationTable]: this.revocations.tableName,
        [LEAK_ENV.dedupeWindowSeconds]: String(dedupe.toSeconds()),
        [LEAK_ENV.blastRadiusMax]: String(cap.maxRevocations),
        [LEAK_ENV.blastRadiusWindowSeconds]: String(cap.windowMinutes * 60),
      },
    });
    this.grantTasks(props);

    this.stateMachine = this.buildStateMachine(
      secondCheckAfter,
      Duration.minutes(cap.approvalTimeoutMinutes),
      pipeline.logRetention,
    );
    this.eventBus = this.buildBus(pipeline.secretPrefix, props.senders ?? []);
    this.leakRule = new events.Rule(this, 'LeakSignal', {
      description: 'keyturn: a managed API key leaked (keyturn leak, scanners, people, alarms)',
      eventBus: this.eventBus,
      eventPattern: { source: [EVENTS.source], detailType: [EVENTS.apiKeyLeaked] },
    });
    this.healthRule = new events.Rule(this, 'HealthSignal', {
      description: 'keyturn: AWS Health reports an exposed or compromised IAM access key',
      eventPattern: {
        source: ['aws.health'],
        detailType: ['AWS Health Event'],
        detail: { service: ['RISK'], eventTypeCode: [...HEALTH_EXPOSED_CREDENTIAL_CODES] },
      },
    });
    this.signalDelivery = new SignalDelivery(this, 'SignalDelivery', {
      signals: 'leak signals (keyturn "API Key Leaked" or AWS Health exposed credentials)',
      alarm: ALARMS.leakSignalsUndelivered,
      notifications: pipeline.notifications,
      alarmNamePrefix: alarmNamePrefixFor(pipeline.secretPrefix),
    });
    for (const rule of [this.leakRule, this.healthRule]) {
      rule.addTarget(new targets.SfnStateMachine(this.stateMachine, this.signalDelivery.targetOptions()));
    }

    this.failureAlarm = catalogAlarm(this, 'FailureAlarm', ALARMS.leakResponseFailed, {
      notifications: pipeline.notifications,
      alarmNamePrefix: alarmNamePrefixFor(pipeline.secretPrefix),
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum' }),
        },
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /**
   * The leak bus: anyone in the account with `events:PutEvents` can put on the default bus, so leak events have a
   * bus of their own whose policy denies every principal not listed (an explicit deny beats any identity policy).
   */
  private buildBus(secretPrefix: string, senders: string[]): events.EventBus {
    const bad = senders.filter((s) => !LEAK_SENDER_PATTERN.test(s));
    if (bad.length)
      throw new Error(
        `${this.node.path}: senders ${bad.map((s) => `"${s}"`).join(', ')} must be IAM role or user ARNs, e.g. arn:aws:iam::111122223333:role/oncall-*`,
      );
    const bus = new events.EventBus(this, 'LeakBus', {
      eventBusName: leakBusNameFor(secretPrefix),
      description: 'keyturn: leak signals; the bus policy names who may report a leak',
    });
    const stack = Stack.of(this);
    if (senders.length) {
      bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'ListedSendersMayReportLeaks',
          principals: [new iam.AccountPrincipal(stack.account)],
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: { ArnLike: { 'aws:PrincipalArn': senders } },
        }),
      );
    }
    bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NobodyElseMayPutEvents',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        ...(senders.length ? { conditions: { ArnNotLike: { 'aws:PrincipalArn': senders } } } : {}),
      }),
    );
    return bus;
  }

  private grantTasks(props: KeyturnLeakResponseProps): void {
    const { pipeline, ledger } = props;
    const role = this.leakFunction.role;
    // Read the leaked key (to revoke it at its provider and verify), rotate now, and write only the revoked-versions tag.
    pipeline.grantOnManagedSecrets(role, ['DescribeSecret', 'GetSecretValue', 'RotateSecret'], ['Decrypt']);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:TagResource'],
        resources: [pipeline.managedSecretsArnPattern()],
        conditions: {
          StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [LEAK_TAGS.revokedVersions] },
          Null: { 'aws:TagKeys': 'false' },
        },
      }),
    );
    // RotateSecret makes Secrets Manager invoke the rotation function on the caller's behalf.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [pipeline.rotationFunction.functionArn],
      }),
    );
    // ListSecrets (find a key by name or access key id) and LookupEvents (the audit) have no resource-level permissions.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:ListSecrets', 'cloudtrail:LookupEvents'],
        resources: ['*'],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'secretsmanager:ListSecrets, cloudtrail:LookupEvents and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; ListSecrets returns metadata only',
    });
    pipeline.notifications.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted topics needs GenerateDataKey*; the grant is on the pipeline key only (Topic.grantPublish)',
    });
    this.incidentTable.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    this.revocations.grantPublish(role);
    pipeline.encryptionKey.grant(
      new kms.ViaServicePrincipal(`dynamodb.${Stack.of(this).region}.amazonaws.com`, role),
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    );
    ledger.grantAppend(role);
  }

  private task(id: string, task: string, extra: Record<string, string> = {}): tasks.LambdaInvoke {
    const payload: Record<string, unknown> = { task };
    payload.state = sfn.JsonPath.objectAt('$');
    for (const [k, v] of Object.entries(extra)) payload[k] = sfn.JsonPath.objectAt(v);
    const invoke = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: this.leakFunction.function,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(3)),
      retryOnServiceExceptions: true,
    });
    return invoke;
  }

  /**
   * What `keyturn leak approve|deny <incident-id>` needs: read the incident (its task token; Decrypt through
   * DynamoDB only) and answer the waiting task. SendTaskSuccess / SendTaskFailure support no resource-level
   * permissions (the Service Authorization Reference lists no resource type for them): the task token is the
   * capability, and only the incident record holds it.
   */
  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    this.incidentTable.grant(grantee, 'dynamodb:GetItem');
    this.encryptionKey.grant(
      new kms.ViaServicePrincipal(`dynamodb.${Stack.of(this).region}.amazonaws.com`, grantee.grantPrincipal),
      'kms:Decrypt',
    );
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resourceArns: ['*'],
    });
    if (Construct.isConstruct(grantee))
      Validations.of(grantee).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'states:SendTaskSuccess/SendTaskFailure support no resource-level permissions; the task token (kept only on the incident record) is the capability',
      });
    return grant;
  }

  /**
   * Over the blast-radius cap, contain revokes nothing and the machine waits here on a task token (stored on the
   * incident by the task, never paged) until `keyturn leak approve|deny` answers or the timeout ends it unrevoked.
   */
  private approvalGate(
    timeout: Duration,
    escalate: sfn.IChainable,
    rotate: sfn.IChainable,
  ): tasks.LambdaInvoke {
    const wait = new tasks.LambdaInvoke(this, 'AwaitApproval', {
      lambdaFunction: this.leakFunction.function,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        task: 'await-approval',
        state: sfn.JsonPath.objectAt('$'),
        taskToken: sfn.JsonPath.taskToken,
        timeoutSeconds: timeout.toSeconds(),
      }),
      resultPath: '$.answer',
      taskTimeout: sfn.Timeout.duration(timeout),
    });
    // A denial or the timeout is an answer, never retried; a failing function is.
    wait.addRetry({ errors: [LEAK_DENIED_ERROR, sfn.Errors.TIMEOUT], maxAttempts: 0 });
    wait.addRetry({ errors: ['States.ALL'], maxAttempts: 3, interval: Duration.seconds(2), backoffRate: 2 });
    const answered = (id: string, task: string, extra: Record<string, string> = {}) => {
      const step = this.task(id, task, extra);
      step.addRetry({
        errors: ['States.ALL'],
        maxAttempts: 3,
        interval: Duration.seconds(2),
        backoffRate: 2,
      });
      step.addCatch(escalate, { resultPath: '$.error' });
      return step;
    };
    const approved = answered('ApprovedRevoke', 'approved', { answer: '$.answer' });
    const denied = answered('RecordDenied', 'denied', { answer: '$.answer' });
    const timedOut = answered('RecordApprovalTimeout', 'approval-timed-out');
    wait.addCatch(denied, { errors: [LEAK_DENIED_ERROR], resultPath: '$.answer' });
    wait.addCatch(timedOut, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.answer' });
    wait.addCatch(escalate, { resultPath: '$.error' });
    wait.next(approved);
    approved.next(rotate);
    denied.next(new sfn.Succeed(this, 'DeniedNothingRevoked'));
    timedOut.next(
      new sfn.Fail(this, 'ApprovalTimedOut', {
        error: 'LeakApprovalTimedOut',
        cause: 'Nobody approved the held response in time: nothing was revoked; on-call was paged',
      }),
    );
    return wait;
  }

  private buildStateMachine(
    secondCheckAfter: Duration,
    approvalTimeout: Duration,
    retention: logs.RetentionDays,
  ): sfn.StateMachine {
    const failed = new sfn.Fail(this, 'Escalated', {
      error: 'LeakResponseEscalated',
      cause: 'A step kept failing; on-call was paged with the details',
    });
    const escalate = this.task('Escalate', 'escalate', { error: '$.error' });
    escalate.addRetry({ maxAttempts: 3, interval: Duration.seconds(2), backoffRate: 2 });
    escalate.next(failed);
    // Every task: retried, then a failure that persists goes to escalate with the state beside the error, so on-call
    // is paged with what was done (the one exception is escalate itself: its failure fails the execution, which
    // the failure alarm pages).
    const withEscalation = (
      step: tasks.LambdaInvoke,
      retry: { maxAttempts: number; interval: Duration; maxDelay?: Duration } = {
        maxAttempts: 4,
        interval: Duration.seconds(1),
        maxDelay: Duration.seconds(20),
      },
    ) => {
      step.addRetry({ errors: ['States.ALL'], backoffRate: 2, ...retry });
      step.addCatch(escalate, { resultPath: '$.error' });
      return step;
    };

    const contain = new tasks.LambdaInvoke(this, 'ResolveAndRevoke', {
      lambdaFunction: this.leakFunction.function,
      payload: sfn.TaskInput.fromObject({ task: 'contain', event: sfn.JsonPath.objectAt('$') }),
      payloadResponseOnly: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(3)),
    });
    contain.addRetry({
      errors: ['States.ALL'],
      maxAttempts: 4,
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxDelay: Duration.seconds(20),
    });
    const containFailed = this.task('EscalateContain', 'escalate', { error: '$.error' });
    containFailed.addRetry({ maxAttempts: 3, interval: Duration.seconds(2), backoffRate: 2 });
    containFailed.next(
      new sfn.Fail(this, 'ContainFailed', {
        error: 'LeakContainFailed',
        cause: 'Resolving or revoking the key failed after retries; on-call was paged',
      }),
    );
    contain.addCatch(
      // What escalate needs, built from the event (contain could not say more): the state, with the error beside
      // it as every other catch leaves it.
      new sfn.Pass(this, 'ContainFailedState', {
        parameters: {
          'incidentId.$': '$$.Execution.Name',
          decision: 'respond',
          'detectedAt.$': '$$.Execution.StartTime',
          signal: {
            'signalId.$': '$.id',
            origin: 'keyturn',
            'receivedAt.$': '$$.Execution.StartTime',
            where: 'see the execution input',
            reportedBy: 'see the execution input',
          },
          leaked: [],
          revoked: false,
          rotation: 'not-started',
          rotationChecks: 0,
          actions: [],
          'error.$': '$.error',
        },
      }).next(containFailed),
      { resultPath: '$.error' },
    );

    const short = { maxAttempts: 3, interval: Duration.seconds(2) };
    const rotate = withEscalation(this.task('RotateNow', 'rotate'), short);
    const wait = new sfn.Wait(this, 'WaitForReplacement', { time: sfn.WaitTime.duration(ROTATION_POLL) });
    const check = withEscalation(this.task('CheckReplacement', 'check-rotation'), short);
    const revokeAfter = withEscalation(this.task('RevokeAfterRotation', 'revoke-leaked'));
    const audit = withEscalation(this.task('AuditExposure', 'audit'), {
      maxAttempts: 2,
      interval: Duration.seconds(5),
    });
    const linked = withEscalation(this.task('RotateLinkedKeys', 'rotate-linked'), {
      maxAttempts: 2,
      interval: Duration.seconds(2),
    });
    const conclude = withEscalation(this.task('RecordAndNotify', 'conclude'));
    const concludeUnmanaged = withEscalation(this.task('RecordUnmanaged', 'conclude'));
    const waitSecond = new sfn.Wait(this, 'WaitForSecondCheck', {
      time: sfn.WaitTime.duration(secondCheckAfter),
    });
    const secondCheck = withEscalation(this.task('SecondCheck', 'second-check'), {
      maxAttempts: 3,
      interval: Duration.seconds(5),
    });
    const done = new sfn.Succeed(this, 'Done');

    const afterRotation = new sfn.Choice(this, 'RevokeAfterRotation?')
      .when(
        sfn.Condition.and(
          sfn.Condition.stringEquals('$.key.leakPolicy', 'rotate-then-revoke'),
          sfn.Condition.booleanEquals('$.revoked', false),
        ),
        revokeAfter,
      )
      .otherwise(audit);
    revokeAfter.next(audit);
    audit.next(linked).next(conclude).next(waitSecond).next(secondCheck).next(done);

    const replaced = new sfn.Choice(this, 'ReplacementCurrent?')
      .when(sfn.Condition.stringEquals('$.rotation', 'pending'), wait)
      .otherwise(afterRotation);
    rotate.next(replaced);
    wait.next(check).next(replaced);

    const decide = new sfn.Choice(this, 'Decision')
      .when(sfn.Condition.stringEquals('$.decision', 'joined'), new sfn.Succeed(this, 'JoinedOpenIncident'))
      .when(
        sfn.Condition.stringEquals('$.decision', 'unmanaged'),
        concludeUnmanaged.next(new sfn.Succeed(this, 'UnmanagedReported')),
      )
      .when(
        sfn.Condition.stringEquals('$.decision', 'held'),
        this.approvalGate(approvalTimeout, escalate, rotate),
      )
      .otherwise(rotate);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'keyturn leak response',
      definitionBody: sfn.DefinitionBody.fromChainable(contain.next(decide)),
      // The response's own steps take well under 3 hours; a held one also waits for its approval.
      timeout: Duration.hours(3).plus(approvalTimeout),
      tracingEnabled: true,
      // Execution data never holds key material (tasks exchange ids only) but stays out of the logs anyway.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(machine.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.leakFunction.function.node.defaultChild as never)}.Arn>:*]`,
      reason:
        "Step Functions' LambdaInvoke grants the leak function and its versions/aliases (`:*`): one function only",
    });
    Validations.of(machine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (PutTraceSegments, GetSamplingRules…) and CloudWatch Logs delivery (CreateLogDelivery…) support no resource-level permissions',
    });
    return machine;
  }
}
