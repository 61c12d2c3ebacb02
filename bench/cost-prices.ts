/**
 * The price table of the cost figure (bench/cost.ts): AWS list prices, us-east-1, first pricing tier, recorded
 * 2026-12-01 from the public pricing pages below (this machine has no network to re-read them: check before you
 * quote a figure to a customer). Traffic assumptions are beside the prices, so the figure can be re-run with yours.
 */
export const PRICES = {
  source: {
    cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
    cloudtrail: 'https://aws.amazon.com/cloudtrail/pricing/',
    eventbridge: 'https://aws.amazon.com/eventbridge/pricing/',
    lambda: 'https://aws.amazon.com/lambda/pricing/',
    dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    recorded: '2026-12-01',
    region: 'us-east-1',
  },
  /** Per custom metric series per month (first 10,000). */
  customMetricSeries: 0.3,
  /** Per standard-resolution alarm metric per month (an anomaly-detection alarm counts 3). */
  alarmMetric: 0.1,
  /** Per Contributor Insights rule per month, and per million log events it matches. */
  contributorInsightsRule: 0.5,
  contributorInsightsPerMillionEvents: 0.02,
  /** Per dashboard per month (beyond the account's first 3). */
  dashboard: 3.0,
  /** CloudWatch Logs: per GB ingested (standard class), per GB scanned by Logs Insights. */
  logsIngestedPerGb: 0.5,
  logsInsightsScannedPerGb: 0.005,
  /** CloudTrail: the first copy of management events is free; each further trail, per 100,000 events. */
  secondTrailPer100kEvents: 2.0,
  /** EventBridge: events from AWS services (CloudTrail API calls) on the default bus are free; rules are free. */
  awsServiceEvent: 0,
  /** Lambda (arm64): per million requests, per GB-second. */
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  /** DynamoDB on demand: per million write / read request units. */
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
} as const;

/** What one key's traffic looks like in a month, by assumption (state yours and re-run). */
export const TRAFFIC = {
  /** GetSecretValue calls on one key's secret by its consumers (a cache refresh every ~5 minutes). */
  secretReadsPerKey: 10_000,
  /** Requests one key is verified for (lambdas/verifier), i.e. usage records written. */
  verifierRequestsPerKey: 100_000,
  /** Bytes of one CloudTrail GetSecretValue record, and of one verifier usage record (EMF line). */
  trailRecordBytes: 1_500,
  usageRecordBytes: 350,
  /** The notify function's duration per delivered read (ms, at 256 MB). */
  notifyMs: 30,
  /** The evaluator's duration per run (ms, at 512 MB), for 1,000 keys; grows linearly with the keys. */
  evaluatorMsPer1000Keys: 8_000,
  /** Management events the account records in a month, all sources (a modest account). */
  accountManagementEvents: 2_000_000,
} as const;
