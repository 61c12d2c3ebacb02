/**
 * Names shared by the CDK stack (lib/) and the Lambda code (lambdas/), so the two cannot drift apart.
 * This module must stay free of runtime dependencies: lib/ imports it at synth time.
 */

/** Environment variables the stack sets and the handlers read. */
export const ENV = {
  /** Powertools metrics namespace. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Powertools service name (one per function). */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Prefix of every managed secret's name; handlers refuse secrets outside it. */
  secretNamePrefix: 'KEYTURN_SECRET_PREFIX',
  /** ARN of the SNS topic that pages on-call. */
  criticalTopicArn: 'KEYTURN_CRITICAL_TOPIC_ARN',
  /** ARN of the SNS topic for notices. */
  noticeTopicArn: 'KEYTURN_NOTICE_TOPIC_ARN',
  /** Name of the rotation ledger's DynamoDB table (lib/ledger.ts). */
  ledgerTable: 'KEYTURN_LEDGER_TABLE',
} as const;

/** The project's own EventBridge source and detail-types. */
export const EVENTS = {
  source: 'keyturn',
  apiKeyLeaked: 'API Key Leaked',
} as const;

/** The pipeline's leak bus (`keyturn-leak-signals` for the prefix `keyturn/`): the stack makes it, `keyturn leak` puts on it. */
export function leakBusNameFor(secretPrefix: string): string {
  return `${secretPrefix.replace(/\/$/, '')}-leak-signals`;
}

/** Who may be named a leak sender: an IAM role or user ARN (or an STS assumed-role ARN); `*` allowed in the name. */
export const LEAK_SENDER_PATTERN =
  /^arn:aws[a-z-]*:(iam::\d{12}:(role|user)\/[\w+=,.@/*-]+|sts::\d{12}:assumed-role\/[\w+=,.@/*-]+)$/;

/** Default CloudWatch namespace for keyturn's metrics. */
export const METRICS_NAMESPACE = 'Keyturn';

/** Default prefix of managed secret names: `keyturn/<environment>/<key name>`. */
export const DEFAULT_SECRET_PREFIX = 'keyturn/';

/** Tags put on every managed secret; the runtime reads a key's policy from them. */
export const TAGS = {
  managed: 'keyturn:managed',
  keyName: 'keyturn:key',
  provider: 'keyturn:provider',
  environment: 'keyturn:environment',
  tier: 'keyturn:tier',
  overlapHours: 'keyturn:overlap-hours',
  leakPolicy: 'keyturn:leak-policy',
  owner: 'keyturn:owner',
  backupOwner: 'keyturn:backup-owner',
  scopes: 'keyturn:scopes',
  linkedSystems: 'keyturn:linked-systems',
  runbook: 'keyturn:runbook',
  expires: 'keyturn:expires',
  /** Prefix of provider-specific settings, e.g. `keyturn:provider:key-prefix`. */
  providerSetting: 'keyturn:provider:',
} as const;

/** Secrets Manager staging labels. */
export const STAGE = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
} as const;

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export const LEAK_POLICIES = ['revoke-first', 'rotate-then-revoke'] as const;
export type LeakPolicy = (typeof LEAK_POLICIES)[number];

/** Sensitivity tiers and their default rotation cadence. */
export const TIERS = {
  critical: { rotateEveryDays: 7, windowHours: 4 },
  high: { rotateEveryDays: 30, windowHours: 4 },
  standard: { rotateEveryDays: 90, windowHours: 6 },
} as const;
export type Tier = keyof typeof TIERS;
export const TIER_NAMES = Object.keys(TIERS) as Tier[];

export const DEFAULT_OVERLAP_HOURS = 24;
export const MAX_OVERLAP_HOURS = 7 * 24;

/** Provider setting names, stored as `keyturn:provider:<name>` tags. */
export const PROVIDER_SETTINGS = {
  selfIssued: { prefix: 'key-prefix', bodyLength: 'body-length' },
  /** IAM user access keys: the user's ARN. */
  iamAccessKey: { userArn: 'user-arn' },
  /** API Gateway API keys: usage plan ids, space-separated. */
  apiGatewayKey: { usagePlanIds: 'usage-plan-ids' },
  /** HTTP admin APIs: the profile name and the ARN of the secret holding the admin credential. */
  httpAdminApi: { profile: 'profile', adminSecretArn: 'admin-secret-arn' },
} as const;

/** Provider kinds, the `keyturn:provider` tag values. */
export const PROVIDER_KINDS = {
  selfIssued: 'self-issued',
  iamAccessKey: 'iam-access-key',
  apiGatewayKey: 'api-gateway-key',
  httpAdminApi: 'http-admin-api',
} as const;

/** Self-issued key prefixes look like `kt_live_`: lowercase words joined and ended by underscores. */
export const KEY_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}_(?:[a-z0-9]{1,15}_)?$/;

/** The value CDK writes when it creates a secret: no key yet; the rotation that runs on deploy issues one. */
export const BOOTSTRAP_SECRET_VALUE = JSON.stringify({ keyturn: 1, bootstrap: true });

/** Environment of the rotate/retire/leak functions: the HTTP admin API profiles they need, as one JSON value. */
export const PROVIDER_ENV = {
  httpApiProfiles: 'KEYTURN_HTTP_API_PROFILES',
} as const;

/** Synth refuses HTTP API profiles whose JSON exceeds this (Lambda allows 4 KB of environment in total). */
export const MAX_HTTP_PROFILES_ENV_BYTES = 3072;

/**
 * HTTP admin API profiles (synth and runtime): a `{{name}}` placeholder, matched linearly (no nested quantifiers:
 * `[^{}]*` cannot backtrack into the braces), and the shape of a key-id pattern (one character class and a length,
 * so matching it is linear too).
 */
export const HTTP_PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
export const KEY_ID_PATTERN_SYNTAX = /^\^\[[A-Za-z0-9_.:~-]+\]\{\d{1,3}(?:,\d{1,3})?\}\$$/;
/** Key ids that fit one URL path segment: letters, digits, `_` and `-`, up to 128 characters. */
export const DEFAULT_KEY_ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$';

/** Retirement of old keys after the overlap window (issue 4): what the rotate function needs to schedule it. */
export const RETIREMENT_ENV = {
  groupName: 'KEYTURN_RETIRE_SCHEDULE_GROUP',
  retireFunctionArn: 'KEYTURN_RETIRE_FUNCTION_ARN',
  schedulerRoleArn: 'KEYTURN_RETIRE_SCHEDULER_ROLE_ARN',
  deadLetterQueueArn: 'KEYTURN_RETIRE_DLQ_ARN',
} as const;

/** Tags the retire function writes on a secret once a version's revocation is proven (for humans and audit). */
export const RETIREMENT_TAGS = {
  retiredVersion: 'keyturn:retired-version',
  retiredAt: 'keyturn:retired-at',
} as const;

/**
 * The verifier's per-key usage metrics as lambdas/verifier emits them (namespace `METRICS_NAMESPACE`; dimensions
 * Powertools' `service` and `KeyName`); the per-key alarms (lib/monitoring) read exactly these names.
 */
export const VERIFIER_METRICS = {
  accepted: 'KeyAccepted',
  rejected: 'KeyRejected',
  retiredKeyPresented: 'RetiredKeyPresented',
  dimensionService: 'service',
  dimensionKey: 'KeyName',
} as const;

/** Metrics the CloudTrail metric filters write (namespace `METRICS_NAMESPACE`). */
export const TRAIL_METRICS = {
  deniedCalls: 'DeniedCalls',
  destructiveChanges: 'DestructiveChanges',
  managedSecretReads: 'ManagedSecretReads',
  dimensionSecretId: 'SecretId',
} as const;

/** The notify function's environment: its durable de-duplication table. */
export const NOTIFY_ENV = {
  dedupeTable: 'KEYTURN_NOTIFY_DEDUPE_TABLE',
  dedupeWindowSeconds: 'KEYTURN_NOTIFY_DEDUPE_SECONDS',
} as const;

/** The daily audit's environment: thresholds of its rules (lambdas/core/audit). */
export const AUDIT_ENV = {
  graceHours: 'KEYTURN_AUDIT_GRACE_HOURS',
  stuckPendingHours: 'KEYTURN_AUDIT_STUCK_PENDING_HOURS',
  unusedDays: 'KEYTURN_AUDIT_UNUSED_DAYS',
  expiryWarningDays: 'KEYTURN_AUDIT_EXPIRY_WARNING_DAYS',
} as const;

/** Tags of the inventory that the audit reads beyond the key policy (issue 7). */
export const INVENTORY_TAGS = {
  /** The key's own rotation cadence in days, when its configuration overrides the tier's. */
  rotateEveryDays: 'keyturn:rotate-every-days',
} as const;

/** The leak response (issue 5): its tables, topics and the tag that marks leaked versions refused. */
export const LEAK_ENV = {
  incidentTable: 'KEYTURN_INCIDENT_TABLE',
  /** The revocation table (lib/revocation-store.ts): the leak response writes it at contain, verifiers poll it. */
  revocationTable: 'KEYTURN_REVOCATION_TABLE',
  /** Seconds during which a second signal for the same key joins the open incident. */
  dedupeWindowSeconds: 'KEYTURN_LEAK_DEDUPE_SECONDS',
} as const;

/**
 * Versions revoked by the leak response, space-separated (newest first, capped). Consumers refuse them even while
 * AWSCURRENT: the "revoke-first" policy revokes the current key before its successor exists, by the user's choice.
 */
export const LEAK_TAGS = {
  revokedVersions: 'keyturn:revoked-versions',
} as const;

/** AWS Health's event codes for exposed or compromised IAM access keys (source aws.health, "AWS Health Event"). */
export const HEALTH_EXPOSED_CREDENTIAL_CODES = [
  'AWS_RISK_CREDENTIALS_EXPOSED',
  'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
  'AWS_RISK_CREDENTIALS_COMPROMISED',
  'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
  'AWS_RISK_IAM_QUARANTINE',
] as const;

/** The deployed registry of managed keys (lambdas/core/registry.ts): its DynamoDB table, read by every function. */
export const REGISTRY_ENV = {
  table: 'KEYTURN_REGISTRY_TABLE',
} as const;

/** Attributes of a registry item: one item per managed secret, keyed by the secret's name. */
export const REGISTRY_SCHEMA = {
  partitionKey: 'secretName',
  secretArn: 'secretArn',
  kmsKeyArn: 'kmsKeyArn',
  /** The key's policy (lambdas/core/key-policy.ts KeyPolicy) as JSON. */
  policy: 'policy',
} as const;

/** The CloudFormation custom resource type that writes one registry entry (lambdas/registry/handler.ts). */
export const REGISTRY_RESOURCE_TYPE = 'Custom::KeyturnRegistration';

/** Attribute and index names of the ledger table, shared by lib/ledger.ts and the adapter. */
export const LEDGER_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeIndex: 'byTime',
  timeAttribute: 'at',
  /**
   * Partition prefix of the issuance records (`issued#<secretName>`): what createSecret recorded issuing. Functions
   * that revoke are granted read of these items only (dynamodb:LeadingKeys).
   */
  issuancePrefix: 'issued#',
} as const;

/**
 * The one retry layer: the SDK's own, configured through its documented environment variables on every keyturn
 * function (lib/keyturn-function.ts) and the CLI. Adaptive mode adds client-side rate limiting on throttling, so a
 * sweep over thousands of secrets at ListSecrets' 100/s slows down instead of failing; 6 attempts bound it.
 */
export const SDK_RETRY_ENV = { AWS_RETRY_MODE: 'adaptive', AWS_MAX_ATTEMPTS: '6' } as const;

/**
 * The keyturn stack's outputs: stable names (they are the outputs' logical ids) that the README, the CLI's
 * messages and scripts use. Renaming one breaks every consumer.
 */
export const STACK_OUTPUTS = {
  criticalTopicArn: 'CriticalTopicArn',
  noticeTopicArn: 'NoticeTopicArn',
  ledgerTableName: 'LedgerTableName',
  incidentTableName: 'IncidentTableName',
  leakStateMachineArn: 'LeakStateMachineArn',
  leakEventBusName: 'LeakEventBusName',
  revocationTableName: 'RevocationTableName',
} as const;

/** The secret scanning intake's outputs, present only when `secretScanning.enabled` (docs/secret-scanning.md). */
export const SCANNING_OUTPUTS = {
  reportUrl: 'SecretScanningReportUrl',
  validityUrl: 'SecretScanningValidityUrl',
} as const;

/** The default stack name (`pipeline.stackName`). */
export const DEFAULT_STACK_NAME = 'Keyturn';

/**
 * The revocation table: one small item per secret that the leak response revoked versions of, read by every
 * verifier every few seconds (docs/verifier.md). Item: { secret: <secret name>, revoked: "<version ids>", at }.
 */
export const REVOCATION_SCHEMA = {
  partitionKey: 'secret',
  revokedAttribute: 'revoked',
  updatedAttribute: 'at',
} as const;

/** Environment of the secret scanning intake (lib/scanning-intake.ts, lambdas/intake). */
export const INTAKE_ENV = {
  /** The leak response's state machine: the intake starts it with the report as the signal. */
  stateMachineArn: 'KEYTURN_LEAK_STATE_MACHINE_ARN',
  /** Where the partner publishes its signing keys (GitHub's public-keys endpoint). */
  publicKeysUrl: 'KEYTURN_SCANNING_KEYS_URL',
  /** Per-container token bucket: requests per second and burst. */
  ratePerSecond: 'KEYTURN_INTAKE_RATE_PER_SECOND',
  burst: 'KEYTURN_INTAKE_BURST',
} as const;

/** GitHub's published secret scanning signing keys. */
export const GITHUB_SCANNING_KEYS_URL = 'https://api.github.com/meta/public_keys/secret_scanning';
