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

/** Successful reads of managed secrets (the fleet's read count; per-key counts come from the evaluator). */
export function managedSecretReadsPattern(secretPrefix: string): string {
  return (
    `{ ($.eventSource = "secretsmanager.amazonaws.com") && ($.eventName = "GetSecretValue")` +
    ` && ($.errorCode NOT EXISTS) && (${managedSecretIdClause(secretPrefix)}) }`
  );
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
  trail: { name: string; arn: string } | undefined,
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
  if (trail) {
    // CloudTrail accepts the trail's plain name as well as its ARN (issue 15, fix 3).
    alternatives.push({
      eventSource: ['cloudtrail.amazonaws.com'],
      eventName: [...TRAIL_TAMPERING_EVENTS],
      requestParameters: { name: [trail.arn, trail.name] },
    });
  }
  return {
    source: ['aws.secretsmanager', 'aws.kms', 'aws.cloudtrail'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { errorCode: [{ exists: false }], $or: alternatives },
  };
}

/** Writes that plant or change a managed secret; outside a deployment they are tampering (issue 14). */
export const TAMPER_SECRET_EVENTS = [
  'CreateSecret',
  'TagResource',
  'UntagResource',
  'PutSecretValue',
  'RotateSecret',
] as const;

/** Callers other than `trustedRoleArns`: any other role's sessions, IAM users, root, federated users. */
function callerNotIn(trustedRoleArns: string[]): EventPattern[] {
  const issuer = trustedRoleArns.length ? [{ 'anything-but': trustedRoleArns }] : [{ exists: true }];
  return [
    { userIdentity: { type: ['AssumedRole'], sessionContext: { sessionIssuer: { arn: issuer } } } },
    { userIdentity: { type: [{ 'anything-but': ['AssumedRole', 'AWSService'] }] } },
  ];
}

/**
 * Reads (GetSecretValue) of ANY managed secret by a principal other than keyturn's own roles: one rule for the
 * whole prefix, so the rule count does not grow with the keys. Whether the reader is allowed for that key is
 * decided by the notify function against the deployed monitoring policy (no per-key pattern, no pattern-size
 * limit on a key's readers). Needs state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (read-only calls reach
 * EventBridge only then).
 */
export function managedSecretReadsEventPattern(
  managedSecretNamePrefix: string,
  managedSecretArnPrefix: string,
  trustedRoleArns: string[],
): EventPattern {
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventName: ['GetSecretValue'],
      requestParameters: {
        secretId: [{ prefix: managedSecretNamePrefix }, { prefix: managedSecretArnPrefix }],
      },
      $or: callerNotIn(trustedRoleArns),
    },
  };
}

/**
 * CreateSecret, TagResource, UntagResource, PutSecretValue and RotateSecret under the prefix by anyone but
 * keyturn's roles and the deploy role (issue 14): a planted secret, a changed tag or a hand-written value.
 * CreateSecret names the secret in `name`, the others in `secretId` (a name or an ARN).
 */
export function tamperWritesEventPattern(
  managedSecretNamePrefix: string,
  managedSecretArnPrefix: string,
  trustedRoleArns: string[],
): EventPattern {
  const ids = [{ prefix: managedSecretNamePrefix }, { prefix: managedSecretArnPrefix }];
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventName: [...TAMPER_SECRET_EVENTS],
      errorCode: [{ exists: false }],
      $or: [{ requestParameters: { secretId: ids } }, { requestParameters: { name: ids } }],
      userIdentity: { $or: callerNotIn(trustedRoleArns).map((alt) => alt.userIdentity as EventPattern) },
    },
  };
}

/** EventBridge's default event-pattern quota, in characters (adjustable to 4096). */
export const MAX_EVENT_PATTERN_LENGTH = 2048;
