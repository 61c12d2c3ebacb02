/**
 * Alarms as data, and the one path every alarm takes (issue 19): each alarm and each per-key finding keyturn
 * raises, its severity (→ topic), what it means, its default threshold and its runbook step. `catalogAlarm` is the
 * only way a construct builds a CloudWatch alarm: the name (`<slug>-<id>`), the description, the action on the topic
 * of its severity and the dashboard tile all come from here; docs/alarms.md lists the table and a test keeps them
 * equal. Per-key findings (scope `finding`) are raised by the fleet evaluator, one page per key, not by an alarm.
 */
import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import type { KeyturnNotifications, Severity } from '../notifications';

export interface AlarmSpec {
  /** Stable id, used in the alarm name (`keyturn-<id>...`). */
  readonly id: string;
  readonly severity: Severity;
  /**
   * `pipeline`: one CloudWatch alarm per pipeline; `finding`: raised per key by the fleet evaluator (one page
   * naming the key; no CloudFormation resource per key).
   */
  readonly scope: 'pipeline' | 'finding';
  readonly meaning: string;
  readonly defaultThreshold: string;
  readonly runbook: string;
}

function spec(s: AlarmSpec): AlarmSpec {
  return s;
}

export const ALARMS = {
  deniedCallsWarning: spec({
    id: 'denied-calls-warning',
    severity: 'notice',
    scope: 'pipeline',
    meaning:
      'Denied calls on managed secrets or the keyturn KMS key (AccessDenied*, failed decrypts) in the last hour.',
    defaultThreshold: '> 10 per hour (monitoring.deniedCallsPerHour.warning)',
    runbook:
      'Find the callers: CloudWatch Logs Insights on the trail log group, `filter errorCode like /AccessDenied/`; fix a misconfigured consumer or treat the caller as hostile.',
  }),
  deniedCallsCritical: spec({
    id: 'denied-calls-critical',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'Many denied calls on managed secrets or the KMS key: someone is probing, or a deploy broke access for a consumer.',
    defaultThreshold: '> 50 per hour (monitoring.deniedCallsPerHour.critical)',
    runbook:
      'As the warning; if the principal is unknown, block it (SCP or resource policy) and check the keys it tried with the leak runbook.',
  }),
  destructiveSecretChange: spec({
    id: 'destructive-secret-change',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'A managed secret was deleted, its resource policy put or deleted, its rotation cancelled, its KMS key changed, or a replica removed.',
    defaultThreshold: '>= 1 in 5 minutes',
    runbook:
      'Confirm the change was planned with the key owner; `aws secretsmanager restore-secret` undoes a scheduled deletion; redeploy keyturn to restore the rotation and policy.',
  }),
  destructiveKmsChange: spec({
    id: 'destructive-kms-change',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'The KMS key that encrypts every managed secret was disabled or scheduled for deletion: rotations and reads will fail.',
    defaultThreshold: '>= 1 in 5 minutes',
    runbook:
      '`aws kms cancel-key-deletion` and `aws kms enable-key` at once, then find who did it in CloudTrail.',
  }),
  trailTampering: spec({
    id: 'trail-tampering',
    severity: 'critical',
    scope: 'pipeline',
    meaning: 'StopLogging or DeleteTrail on the trail that feeds these alarms: keyturn is going blind.',
    defaultThreshold: '>= 1 in 5 minutes',
    runbook:
      '`aws cloudtrail start-logging --name <trail>` (or redeploy), then review what happened while logging was off.',
  }),
  notifyFailures: spec({
    id: 'notify-failures',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'The notify function failed to deliver incidents: they are in its dead-letter queue, unread by anyone.',
    defaultThreshold: '>= 1 message in the dead-letter queue',
    runbook:
      'Read the queue (`aws sqs receive-message`), act on each incident, fix the function (its logs say why), then purge.',
  }),
  readAnomaly: spec({
    id: 'read-anomaly',
    severity: 'critical',
    scope: 'finding',
    meaning:
      "The key's secret is read (GetSecretValue) far more often than its own baseline: a scraper, or a runaway consumer.",
    defaultThreshold:
      'above mean + 3 standard deviations of its baseline (alarms.readAnomalyBandWidth) and at least 10 reads, 3 five-minute windows in a row',
    runbook:
      'Find the readers in CloudTrail (`lookup-events` by the secret name); if any is not expected, rotate now (`aws secretsmanager rotate-secret`) and follow the leak runbook.',
  }),
  requestsWarning: spec({
    id: 'requests-warning',
    severity: 'notice',
    scope: 'finding',
    meaning: 'Requests that present this key to the verifier, per minute, are unusually high.',
    defaultThreshold: '> 500 per minute, averaged over 5 minutes (alarms.requestsPerMinute.warning)',
    runbook:
      'Check with the owner whether the traffic is expected (a launch, a batch); raise the threshold in the key configuration if so.',
  }),
  requestsCritical: spec({
    id: 'requests-critical',
    severity: 'critical',
    scope: 'finding',
    meaning:
      'Requests with this key exceed the critical rate: abuse of a leaked key, or a client stuck in a loop.',
    defaultThreshold: '> 1,000 per minute, averaged over 5 minutes (alarms.requestsPerMinute.critical)',
    runbook:
      'Identify the source of the traffic in the service logs; if it is not the owner, treat the key as leaked.',
  }),
  rejectedShareWarning: spec({
    id: 'rejected-share-warning',
    severity: 'notice',
    scope: 'finding',
    meaning:
      'A rising share of requests present a wrong, malformed or revoked key for this service (at least 20 requests in 5 minutes).',
    defaultThreshold: '> 5 % over 5 minutes (alarms.rejectedPercent.warning)',
    runbook:
      'A consumer may still use an old key after a rotation: find it in the service logs and point it at the secret.',
  }),
  rejectedShareCritical: spec({
    id: 'rejected-share-critical',
    severity: 'critical',
    scope: 'finding',
    meaning: 'Many requests present rejected keys: key guessing, or a broken rollout of the new key.',
    defaultThreshold: '> 10 % over 5 minutes (alarms.rejectedPercent.critical)',
    runbook:
      'If a rollout broke consumers, roll back the consumer (AWSPREVIOUS still works during the overlap); otherwise block the sources.',
  }),
  retiredKeyPresented: spec({
    id: 'retired-key-presented',
    severity: 'notice',
    scope: 'finding',
    meaning:
      'Someone presented a key that keyturn already retired: a consumer missed the rotation, or an old copy leaked.',
    defaultThreshold: '>= 1 in 5 minutes',
    runbook:
      'Find the caller in the service logs; a known consumer must re-read the secret; an unknown one means the old key leaked: follow the leak runbook.',
  }),
  evaluatorFailures: spec({
    id: 'fleet-evaluator-failures',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'The fleet evaluator failed: per-key request, rejected-share, retired-key and read-anomaly findings are not being checked.',
    defaultThreshold: '>= 1 error in 15 minutes',
    runbook:
      "Read the evaluator function's log (errorName): a Logs Insights query failure, throttling or a missing log group; fix it; the next run (5 minutes) catches up.",
  }),
  retirementFailed: spec({
    id: 'retirement-failed',
    severity: 'critical',
    scope: 'pipeline',
    meaning: 'A key retirement failed every retry: an old API key may still work.',
    defaultThreshold: '>= 1 message in the retirement dead-letter queue',
    runbook:
      'Read the message (secretId, versionId), fix the cause, then re-invoke the retire function with it (docs/retirement.md).',
  }),
  auditFailed: spec({
    id: 'audit-failed',
    severity: 'critical',
    scope: 'pipeline',
    meaning: 'The daily key audit failed, so overdue, stuck or unretired keys go unnoticed.',
    defaultThreshold: '>= 1 error in 1 hour',
    runbook:
      "Read the audit function's log (errorName), fix the cause (often permissions or throttling), then invoke it again.",
  }),
  monitoringSignalsUndelivered: spec({
    id: 'monitoring-signals-undelivered',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'CloudTrail incidents for the notify function (rotation failures, destructive changes, readers, tamper writes) could not be delivered after every retry: they wait in the dead-letter queue and paged nobody.',
    defaultThreshold: '>= 1 message in the monitoring dead-letter queue',
    runbook:
      'Read the queue (`aws sqs receive-message`): each message is a CloudTrail event that paged nobody; act on it, fix the notify function (its permission or errors), then purge.',
  }),
  leakSignalsUndelivered: spec({
    id: 'leak-signals-undelivered',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'A leak signal (keyturn "API Key Leaked" or AWS Health exposed credentials) could not be delivered to the leak response after every retry: the leaked key may still work.',
    defaultThreshold: '>= 1 message in the leak dead-letter queue',
    runbook:
      'Read the queued event (its detail names the key; the message attributes say why delivery failed), fix the cause, then start the leak response with the event as input, or revoke by hand (docs/leak-response.md: Undelivered signal).',
  }),
  leakResponseFailed: spec({
    id: 'leak-response-failed',
    severity: 'critical',
    scope: 'pipeline',
    meaning:
      'A Step Functions execution failed or timed out: a leak response failed, so the leaked key may still work.',
    defaultThreshold: '>= 1 failed or timed-out execution in 1 minute',
    runbook:
      'Open the execution in Step Functions, read the failed step, then follow the leak runbook (docs/leak.md).',
  }),
} as const;

export type AlarmId = keyof typeof ALARMS;

/** The alarm's description: meaning, threshold, runbook step; what on-call reads first. */
export function alarmDescription(
  s: AlarmSpec,
  subject: string,
  threshold: string = s.defaultThreshold,
): string {
  return `keyturn ${s.severity}: ${subject}. ${s.meaning} Threshold: ${threshold}. Runbook: ${s.runbook}`.slice(
    0,
    1024,
  );
}

export interface CatalogAlarmProps {
  /** The topics; the alarm notifies the one of its spec's severity. */
  readonly notifications: Pick<KeyturnNotifications, 'topicFor'>;
  /** `<slug>-`: the prefix of every keyturn alarm name. */
  readonly alarmNamePrefix: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** What the alarm watches, for its description. @default 'all managed keys' */
  readonly subject?: string;
  /** The threshold as people read it. @default the spec's defaultThreshold */
  readonly thresholdText?: string;
}

const catalogued = new WeakMap<Stack, cloudwatch.Alarm[]>();

/**
 * Build one catalogued alarm: named `<slug>-<id>`, described from the catalogue, acting on the topic of its severity.
 * Missing data is not breaching: every keyturn alarm counts failures or matching records, and a silent source is
 * caught by its own alarm (trail tampering, evaluator failures).
 */
export function catalogAlarm(
  scope: Construct,
  id: string,
  spec: AlarmSpec,
  props: CatalogAlarmProps,
): cloudwatch.Alarm {
  if (spec.scope !== 'pipeline')
    throw new Error(`${spec.id} is a per-key finding, raised by the fleet evaluator, not an alarm`);
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmName: `${props.alarmNamePrefix}${spec.id}`,
    alarmDescription: alarmDescription(spec, props.subject ?? 'all managed keys', props.thresholdText),
    metric: props.metric,
    threshold: props.threshold,
    comparisonOperator: props.comparisonOperator,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(props.notifications.topicFor(spec.severity)));
  const stack = Stack.of(scope);
  catalogued.set(stack, [...(catalogued.get(stack) ?? []), alarm]);
  return alarm;
}

/** Every catalogued alarm of a stack, for the dashboard's alarm tiles. */
export function cataloguedAlarms(stack: Stack): cloudwatch.Alarm[] {
  return [...(catalogued.get(stack) ?? [])];
}

/** `<slug>-` for a secret prefix `<slug>/`. */
export function alarmNamePrefixFor(secretPrefix: string): string {
  return `${secretPrefix.slice(0, -1)}-`;
}
