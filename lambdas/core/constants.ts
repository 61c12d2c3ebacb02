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

/** Provider setting names: keys of a registry entry's `providerSettings` (and of `keyturn:provider:<name>` tags). */
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
/** A provider kind: lib/providers/ holds one build-side descriptor per kind, lambdas/providers/ one runtime provider. */
export type ProviderKind = (typeof PROVIDER_KINDS)[keyof typeof PROVIDER_KINDS];

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
 * The verifier's usage metrics as lambdas/verifier emits them (namespace `METRICS_NAMESPACE`, dimension Powertools'
 * `service` only) with the key's name as the record property `KeyName`: the fleet evaluator and the dashboard sum
 * them per key from the logs (readsQuery / usageQuery below).
 */
export const VERIFIER_METRICS = {
  accepted: 'KeyAccepted',
  rejected: 'KeyRejected',
  retiredKeyPresented: 'RetiredKeyPresented',
  refreshFailed: 'KeySetRefreshFailed',
  dimensionService: 'service',
  keyProperty: 'KeyName',
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
  /** Path of the monitoring policy file (what each key allows and its thresholds), written by the deployment. */
  policyFile: 'KEYTURN_MONITORING_POLICY_FILE',
} as const;

/** The fleet evaluator's environment (lambdas/notify/evaluate.ts). */
export const EVALUATOR_ENV = {
  /** The trail's log group (reads of managed secrets). */
  trailLogGroup: 'KEYTURN_TRAIL_LOG_GROUP',
  /** JSON array of the verifying services' log groups; empty: no verifier findings. */
  verifierLogGroups: 'KEYTURN_VERIFIER_LOG_GROUPS',
  /** Seconds during which the same finding (key, kind, severity) pages once. */
  findingDedupeSeconds: 'KEYTURN_FINDING_DEDUPE_SECONDS',
} as const;

/**
 * The functions' own metrics (namespace `METRICS_NAMESPACE`): the handlers emit them, the dashboard and tests read
 * them by these names. With the other `*_METRICS` below, this is the one home of keyturn's metric names.
 */
export const FUNCTION_METRICS = {
  rotationEventRejected: 'RotationEventRejected',
  rotationStepSucceeded: 'RotationStepSucceeded',
  rotationStepFailed: 'RotationStepFailed',
  rotationStepDuration: 'RotationStepDuration',
  retirementProven: 'RetirementProven',
  retirementSkipped: 'RetirementSkipped',
  retirementFailed: 'RetirementFailed',
  retirementScheduled: 'RetirementScheduled',
  leakTaskRejected: 'LeakTaskRejected',
  leakTaskSucceeded: 'LeakTaskSucceeded',
  leakTaskFailed: 'LeakTaskFailed',
  scanReportAnswered: 'ScanReportAnswered',
  scanReportRefused: 'ScanReportRefused',
  scanLeakStarted: 'ScanLeakStarted',
  scanReportFailed: 'ScanReportFailed',
  /** A function refused a secret the deployed registry does not name (dimension `Reason`). */
  secretRefused: 'SecretRefused',
} as const;

/** What the daily audit counts per run. */
export const AUDIT_METRICS = {
  keysChecked: 'AuditKeysChecked',
  findings: 'AuditFindings',
  criticalFindings: 'AuditCriticalFindings',
  /** Per rule, with the `Rule` dimension. */
  ruleFindings: 'AuditRuleFindings',
} as const;

/** What the fleet evaluator counts per run (namespace `METRICS_NAMESPACE`). */
export const EVALUATOR_METRICS = {
  findings: 'UsageFindings',
  published: 'UsageFindingsPublished',
  keysEvaluated: 'KeysEvaluated',
} as const;

/** What the notify function counts per outcome (namespace `METRICS_NAMESPACE`; the dashboard reads these names). */
export const NOTIFY_METRICS = {
  published: 'NotificationPublished',
  duplicate: 'NotificationDeduplicated',
  allowed: 'AllowedReadSeen',
} as const;

/**
 * Where the deployment puts the monitoring policy: a file in a Lambda layer (layers unpack under /opt), so only a
 * deployment can change it. lib/monitoring/policy.ts writes it; lambdas/core/notify/policy.ts reads its shape.
 */
export const MONITORING_POLICY_LAYER_DIR = 'keyturn';
export const MONITORING_POLICY_FILE_NAME = 'monitoring-policy.json';
export const MONITORING_POLICY_PATH = `/opt/${MONITORING_POLICY_LAYER_DIR}/${MONITORING_POLICY_FILE_NAME}`;

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
  /** The blast-radius cap: keys the leak response may revoke within the window before a human must approve. */
  blastRadiusMax: 'KEYTURN_LEAK_BLAST_RADIUS_MAX',
  /** The blast-radius cap's window, in seconds. */
  blastRadiusWindowSeconds: 'KEYTURN_LEAK_BLAST_RADIUS_WINDOW_SECONDS',
} as const;

/** The blast-radius cap's defaults (lib/config/leak.ts): more than 3 keys within 10 minutes wait for a human. */
export const BLAST_RADIUS_DEFAULTS = {
  maxRevocations: 3,
  windowMinutes: 10,
  approvalTimeoutMinutes: 60,
} as const;

/** The error `keyturn leak deny` sends with SendTaskFailure; the state machine catches it by name. */
export const LEAK_DENIED_ERROR = 'KeyturnLeakDenied';

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

/**
 * The two CloudWatch Logs Insights queries of the fleet evaluator, in one place for the function (lambdas/notify),
 * the dashboard (lib/monitoring) and the tests. Each returns at most 10,000 rows (Logs Insights' limit): one row per active key.
 */

/** Logs Insights' row limit per query. */
export const MAX_QUERY_ROWS = 10_000;

/** A regex literal matching `<prefix>` at the start of a secret name or after `:secret:` in an ARN. */
function prefixRegex(secretPrefix: string): string {
  return `/(^|:secret:)${secretPrefix.replace(/[/.\\-]/g, (c) => `\\${c}`)}/`;
}

/** Successful GetSecretValue calls on managed secrets, counted per secret id, from the trail's log group. */
export function readsQuery(secretPrefix: string): string {
  return [
    'filter eventSource = "secretsmanager.amazonaws.com" and eventName = "GetSecretValue" and not ispresent(errorCode)',
    '| fields requestParameters.secretId as secretId',
    `| filter secretId like ${prefixRegex(secretPrefix)}`,
    '| stats count(*) as reads by secretId',
    '| sort reads desc',
    `| limit ${MAX_QUERY_ROWS}`,
  ].join('\n');
}

/**
 * The verifier's usage records (EMF lines whose `KeyName` is a property, not a metric dimension), summed per
 * service and key.
 */
export function usageQuery(): string {
  return [
    `filter ispresent(${VERIFIER_METRICS.keyProperty})`,
    `| stats sum(${VERIFIER_METRICS.accepted}) as accepted, sum(${VERIFIER_METRICS.rejected}) as rejected, sum(${VERIFIER_METRICS.retiredKeyPresented}) as retired by ${VERIFIER_METRICS.dimensionService}, ${VERIFIER_METRICS.keyProperty}`,
    `| limit ${MAX_QUERY_ROWS}`,
  ].join('\n');
}

/** Dashboard: the keys most read, most refused, most often presented retired. */
export function topKeysQuery(metric: 'reads' | 'refused' | 'requests', secretPrefix: string): string {
  if (metric === 'reads') return readsQuery(secretPrefix).replace(`| limit ${MAX_QUERY_ROWS}`, '| limit 20');
  const expression =
    metric === 'refused'
      ? `sum(${VERIFIER_METRICS.rejected}) + sum(${VERIFIER_METRICS.retiredKeyPresented})`
      : `sum(${VERIFIER_METRICS.accepted}) + sum(${VERIFIER_METRICS.rejected}) + sum(${VERIFIER_METRICS.retiredKeyPresented})`;
  return [
    `filter ispresent(${VERIFIER_METRICS.keyProperty})`,
    `| stats ${expression} as ${metric} by ${VERIFIER_METRICS.dimensionService}, ${VERIFIER_METRICS.keyProperty}`,
    `| sort ${metric} desc`,
    '| limit 20',
  ].join('\n');
}
