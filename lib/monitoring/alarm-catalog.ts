/**
 * Alarms as data: every alarm keyturn creates, its severity (→ topic), what it means, its default threshold and
 * the runbook step. The constructs build alarms from this table and docs/alarms.md lists it; a test keeps them equal.
 */
import type { Severity } from '../notifications';

export interface AlarmSpec {
  /** Stable id, used in the alarm name (`keyturn-<id>...`). */
  readonly id: string;
  readonly severity: Severity;
  /** `pipeline`: one per pipeline; `key`: one per managed key. */
  readonly scope: 'pipeline' | 'key';
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
    scope: 'key',
    meaning:
      "The key's secret is read (GetSecretValue) far more often than its learned pattern: a scraper, or a runaway consumer.",
    defaultThreshold:
      'above the anomaly band, 3 standard deviations (alarms.readAnomalyBandWidth), 3 of 3 five-minute periods',
    runbook:
      'Find the readers in CloudTrail (`lookup-events` by the secret name); if any is not expected, rotate now (`aws secretsmanager rotate-secret`) and follow the leak runbook.',
  }),
  requestsWarning: spec({
    id: 'requests-warning',
    severity: 'notice',
    scope: 'key',
    meaning: 'Requests that present this key to the verifier, per minute, are unusually high.',
    defaultThreshold: '> 500 per minute (alarms.requestsPerMinute.warning)',
    runbook:
      'Check with the owner whether the traffic is expected (a launch, a batch); raise the threshold in the key configuration if so.',
  }),
  requestsCritical: spec({
    id: 'requests-critical',
    severity: 'critical',
    scope: 'key',
    meaning:
      'Requests with this key exceed the critical rate: abuse of a leaked key, or a client stuck in a loop.',
    defaultThreshold: '> 1,000 per minute (alarms.requestsPerMinute.critical)',
    runbook:
      'Identify the source of the traffic in the service logs; if it is not the owner, treat the key as leaked.',
  }),
  rejectedShareWarning: spec({
    id: 'rejected-share-warning',
    severity: 'notice',
    scope: 'key',
    meaning:
      'A rising share of requests present a wrong, malformed or revoked key for this service (at least 20 requests in 5 minutes).',
    defaultThreshold: '> 5 % over 5 minutes (alarms.rejectedPercent.warning)',
    runbook:
      'A consumer may still use an old key after a rotation: find it in the service logs and point it at the secret.',
  }),
  rejectedShareCritical: spec({
    id: 'rejected-share-critical',
    severity: 'critical',
    scope: 'key',
    meaning: 'Many requests present rejected keys: key guessing, or a broken rollout of the new key.',
    defaultThreshold: '> 10 % over 5 minutes (alarms.rejectedPercent.critical)',
    runbook:
      'If a rollout broke consumers, roll back the consumer (AWSPREVIOUS still works during the overlap); otherwise block the sources.',
  }),
  retiredKeyPresented: spec({
    id: 'retired-key-presented',
    severity: 'notice',
    scope: 'key',
    meaning:
      'Someone presented a key that keyturn already retired: a consumer missed the rotation, or an old copy leaked.',
    defaultThreshold: '>= 1 in 5 minutes',
    runbook:
      'Find the caller in the service logs; a known consumer must re-read the secret; an unknown one means the old key leaked: follow the leak runbook.',
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
