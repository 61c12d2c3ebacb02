/**
 * Every CloudWatch Logs filter pattern and EventBridge event pattern keyturn uses, in one module that both the
 * stack and the tests read (the tests evaluate these exact strings against sample CloudTrail records).
 * Pure functions of strings: values may be CDK tokens (e.g. a key ARN), which resolve at deploy time.
 * No runtime imports here (lib/ may import only lambdas/core/constants.ts).
 */

/** CloudWatch Logs allows at most 1024 characters per filter pattern. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

/** Secrets Manager changes that delete a managed secret or weaken its protection. */
export const DESTRUCTIVE_SECRET_EVENTS = [
  'DeleteSecret',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'CancelRotateSecret',
  'RemoveRegionsFromReplication',
] as const;

/** KMS changes that make the managed secrets unreadable (or about to be). */
export const DESTRUCTIVE_KMS_EVENTS = ['DisableKey', 'ScheduleKeyDeletion'] as const;

/** CloudTrail changes that blind the alarms. */
export const TRAIL_TAMPERING_EVENTS = ['StopLogging', 'DeleteTrail'] as const;

/** A secret id as callers send it: the name, or an ARN that contains `:secret:<name>` (full or partial). */
function managedSecretIdClause(secretPrefix: string): string {
  return `($.requestParameters.secretId = "${secretPrefix}*") || ($.requestParameters.secretId = "*:secret:${secretPrefix}*")`;
}

function anyOf(field: string, values: readonly string[]): string {
  return values.map((v) => `(${field} = "${v}")`).join(' || ');
}

/**
 * Denied calls on managed secrets, and denied or failed use of the pipeline's KMS key. KMS records always carry
 * the key's full ARN in `resources[0].ARN`, whatever alias or id the caller passed.
 */
export function deniedCallsPattern(secretPrefix: string, kmsKeyArn: string): string {
  const denied = '($.errorCode = "AccessDenied*") || ($.errorCode = "*UnauthorizedOperation")';
  const kmsFailed = `${denied} || ($.errorCode = "InvalidCiphertextException") || ($.errorCode = "IncorrectKeyException")`;
  return (
    `{ (($.eventSource = "secretsmanager.amazonaws.com") && (${denied}) && (${managedSecretIdClause(secretPrefix)}))` +
    ` || (($.eventSource = "kms.amazonaws.com") && ($.resources[0].ARN = "${kmsKeyArn}") && (${kmsFailed})) }`
  );
}

/** Successful destructive or weakening Secrets Manager calls on managed secrets (incl. UpdateSecret moving the KMS key). */
export function destructiveSecretChangesPattern(secretPrefix: string): string {
  const events = `${anyOf('$.eventName', DESTRUCTIVE_SECRET_EVENTS)} || (($.eventName = "UpdateSecret") && ($.requestParameters.kmsKeyId = "*"))`;
  return (
    `{ ($.eventSource = "secretsmanager.amazonaws.com") && ($.errorCode NOT EXISTS)` +
    ` && (${events}) && (${managedSecretIdClause(secretPrefix)}) }`
  );
}

/** Successful DisableKey / ScheduleKeyDeletion of the pipeline's KMS key. */
export function destructiveKmsChangesPattern(kmsKeyArn: string): string {
  return (
    `{ ($.eventSource = "kms.amazonaws.com") && ($.errorCode NOT EXISTS)` +
    ` && (${anyOf('$.eventName', DESTRUCTIVE_KMS_EVENTS)}) && ($.resources[0].ARN = "${kmsKeyArn}") }`
  );
}

/**
 * StopLogging / DeleteTrail on the trail that feeds the alarms. `name` may be the trail's name or ARN, so the
 * pattern matches the exact name and any ARN ending in `:trail/<name>`.
 */
export function trailTamperingPattern(trailName: string): string {
  return (
    `{ ($.eventSource = "cloudtrail.amazonaws.com") && ($.errorCode NOT EXISTS)` +
    ` && (${anyOf('$.eventName', TRAIL_TAMPERING_EVENTS)})` +
    ` && (($.requestParameters.name = "${trailName}") || ($.requestParameters.name = "*:trail/${trailName}")) }`
  );
}

/**
 * Successful reads of managed secrets; the metric filter publishes them with the secret id as a dimension
 * (`$.requestParameters.secretId`), so each key's anomaly alarm reads its own series.
 */
export function managedSecretReadsPattern(secretPrefix: string): string {
  return (
    `{ ($.eventSource = "secretsmanager.amazonaws.com") && ($.eventName = "GetSecretValue")` +
    ` && ($.errorCode NOT EXISTS) && (${managedSecretIdClause(secretPrefix)}) }`
  );
}

/** The three spellings of one secret in `requestParameters.secretId`: name, full ARN, partial ARN. */
export function secretIdForms(secretName: string, secretArn: string, partialArnPrefix: string): string[] {
  return [secretName, secretArn, `${partialArnPrefix}${secretName}`];
}

// ---------------------------------------------------------------------------------------------------------------
// EventBridge event patterns (the JSON objects the rules carry).

export type EventPattern = Record<string, unknown>;

/**
 * RotationFailed / RotationAbandoned of a managed secret. The secret's ARN sits in
 * `detail.additionalEventData` as `aRN` (events before February 2024) or `arn` (since): both are matched.
 */
export function rotationProblemsEventPattern(managedSecretArnPrefix: string): EventPattern {
  const arn = [{ prefix: managedSecretArnPrefix }];
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    detail: {
      eventName: ['RotationFailed', 'RotationAbandoned'],
      $or: [{ additionalEventData: { aRN: arn } }, { additionalEventData: { arn } }],
    },
  };
}

/** The destructive management events of the filters above, delivered within a minute (write events: plain rule). */
export function destructiveChangesEventPattern(
  managedSecretNamePrefix: string,
  managedSecretArnPrefix: string,
  kmsKeyArn: string,
  trailArn: string | undefined,
): EventPattern {
  const secretIds = [{ prefix: managedSecretNamePrefix }, { prefix: managedSecretArnPrefix }];
  const alternatives: EventPattern[] = [
    {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: [...DESTRUCTIVE_SECRET_EVENTS],
      requestParameters: { secretId: secretIds },
    },
    {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: ['UpdateSecret'],
      requestParameters: { secretId: secretIds, kmsKeyId: [{ exists: true }] },
    },
    {
      eventSource: ['kms.amazonaws.com'],
      eventName: [...DESTRUCTIVE_KMS_EVENTS],
      resources: { ARN: [kmsKeyArn] },
    },
  ];
  if (trailArn) {
    alternatives.push({
      eventSource: ['cloudtrail.amazonaws.com'],
      eventName: [...TRAIL_TAMPERING_EVENTS],
      requestParameters: { name: [trailArn] },
    });
  }
  return {
    source: ['aws.secretsmanager', 'aws.kms', 'aws.cloudtrail'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { errorCode: [{ exists: false }], $or: alternatives },
  };
}

/**
 * Reads of ONE managed secret by a principal outside its allowed readers. Needs a rule in state
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (read-only calls reach EventBridge only then).
 * Roles are compared by the session issuer (the role ARN), IAM users by their ARN; anything else (root, federated
 * users, other accounts' principals) is always unexpected.
 */
export function unexpectedSecretReadEventPattern(
  secretIds: string[],
  allowedRoleArns: string[],
  allowedUserArns: string[],
): EventPattern {
  const notIn = (list: string[]) => (list.length ? [{ 'anything-but': list }] : [{ exists: true }]);
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventName: ['GetSecretValue'],
      requestParameters: { secretId: secretIds },
      $or: [
        {
          userIdentity: {
            type: ['AssumedRole'],
            sessionContext: { sessionIssuer: { arn: notIn(allowedRoleArns) } },
          },
        },
        { userIdentity: { type: ['IAMUser'], arn: notIn(allowedUserArns) } },
        { userIdentity: { type: [{ 'anything-but': ['AssumedRole', 'IAMUser', 'AWSService'] }] } },
      ],
    },
  };
}

/** Split configured allowed readers into role ARNs and IAM user ARNs (assumed-role session ARNs map to their role). */
export function splitAllowedReaders(readers: string[]): { roles: string[]; users: string[] } {
  const roles: string[] = [];
  const users: string[] = [];
  for (const arn of readers) {
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)(?:\/.*)?$/.exec(arn);
    if (session) roles.push(`arn:${session[1]}:iam::${session[2]}:role/${session[3]}`);
    else if (/:user\//.test(arn)) users.push(arn);
    else roles.push(arn);
  }
  return { roles, users };
}

/** EventBridge's default event-pattern quota, in characters (adjustable to 4096). */
export const MAX_EVENT_PATTERN_LENGTH = 2048;

/** keyturn function roles a reader rule trusts, budgeted in advance (rotate, retire, leak, audit, and spare). */
export const TRUSTED_ROLE_BUDGET = 6;

/**
 * Worst-case length of one key's unexpected-reader pattern once CloudFormation resolves its ARNs (longest
 * partition, region and generated role names), so synth can refuse a key whose rule would not deploy.
 */
export function worstCaseUnexpectedReadPatternLength(secretName: string, allowedReaders: string[]): number {
  const arnHead = 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:';
  const generatedRole = `arn:aws-us-gov:iam::123456789012:role/${'x'.repeat(64)}`;
  const { roles, users } = splitAllowedReaders(allowedReaders);
  const pattern = unexpectedSecretReadEventPattern(
    secretIdForms(secretName, `${arnHead}${secretName}-AbCdEf`, arnHead),
    [...roles, ...Array.from({ length: TRUSTED_ROLE_BUDGET }, () => generatedRole)],
    users,
  );
  return JSON.stringify(pattern).length;
}
