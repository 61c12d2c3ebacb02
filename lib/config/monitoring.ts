/**
 * Configuration of alarms and notifications: the top-level `monitoring` and `notifications` sections and the
 * per-key `alarms` overrides. Thresholds are data keyed by severity (warning → notice topic, critical → pages).
 */
import * as z from 'zod';
import { TIER_NAMES, type Tier } from '../../lambdas/core/constants';

/** A warning and a critical threshold; critical must be the higher one. */
export function thresholdsSchema(what: string, defaults: { warning: number; critical: number }, max: number) {
  return thresholdsObject(what, defaults, max).default(defaults);
}

/** The same without a default for the whole pair: a key's override that is left out stays undefined. */
function thresholdsObject(what: string, defaults: { warning: number; critical: number }, max: number) {
  return z
    .strictObject({
      warning: z.number().positive().max(max).default(defaults.warning),
      critical: z.number().positive().max(max).default(defaults.critical),
    })
    .refine((t) => t.warning < t.critical, {
      message: `${what}: warning must be below critical (e.g. warning ${defaults.warning}, critical ${defaults.critical})`,
    });
}

export const DEFAULT_THRESHOLDS = {
  deniedCallsPerHour: { warning: 10, critical: 50 },
  requestsPerMinute: { warning: 500, critical: 1000 },
  rejectedPercent: { warning: 5, critical: 10 },
  /** Width of the anomaly band in standard deviations. */
  readAnomalyBandWidth: 3,
} as const;

/** Per-key alarm overrides; anything left out takes the `monitoring.keyDefaults` value. */
export const keyAlarmsSchema = z.strictObject({
  /** Verifier requests per minute for this key. */
  requestsPerMinute: thresholdsObject(
    'requestsPerMinute',
    DEFAULT_THRESHOLDS.requestsPerMinute,
    1e9,
  ).optional(),
  /** Share of requests presenting a rejected key, in percent. */
  rejectedPercent: thresholdsObject('rejectedPercent', DEFAULT_THRESHOLDS.rejectedPercent, 100).optional(),
  /** Anomaly band width (standard deviations) of the read-rate alarm; higher is quieter. */
  readAnomalyBandWidth: z.number().min(1).max(10).optional(),
  /**
   * Powertools `serviceName` of the service whose verifier checks this key (its metrics carry it as the `service`
   * dimension). Defaults to the key's first linked system.
   */
  verifierService: z
    .string()
    .regex(/^[\w.-]{1,128}$/, 'verifierService must be a Powertools service name')
    .optional(),
});

const subscriptionSchema = z
  .strictObject({
    /** `email`, `https` (endpoint must be https://), `sqs` (queue ARN) or `lambda` (function ARN). */
    protocol: z.enum(['email', 'https', 'sqs', 'lambda'], {
      error: 'protocol must be email, https, sqs or lambda',
    }),
    endpoint: z.string().min(3).max(2048),
    /** SNS filter policy on the message attributes (severity, kind, key, environment): values to accept. */
    filter: z
      .strictObject({
        kind: z.array(z.string()).min(1).optional(),
        key: z.array(z.string()).min(1).optional(),
        environment: z.array(z.string()).min(1).optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const ok =
      s.protocol === 'email'
        ? /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.endpoint)
        : s.protocol === 'https'
          ? /^https:\/\/\S+$/.test(s.endpoint)
          : s.protocol === 'sqs'
            ? /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$/.test(s.endpoint)
            : /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w-]+)?$/.test(s.endpoint);
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `endpoint does not fit protocol "${s.protocol}": use an email address, an https:// URL, an SQS queue ARN or a Lambda function ARN`,
      });
    }
  });

export const notificationsSchema = z
  .strictObject({
    /** Who is paged: subscriptions of the critical topic. */
    critical: z.array(subscriptionSchema).default([]),
    /** Who is informed: subscriptions of the notice topic. */
    notice: z.array(subscriptionSchema).default([]),
  })
  .default({ critical: [], notice: [] });

export const monitoringSchema = z
  .strictObject({
    /**
     * Use an existing CloudTrail's log group (most organizations have one) instead of creating a trail.
     * The trail must log management events of this account and region to this group.
     */
    existingTrail: z
      .strictObject({
        logGroupName: z
          .string()
          .regex(/^[\w\-./#]{1,512}$/, 'logGroupName must be a CloudWatch Logs group name'),
        /** The trail's name, so StopLogging/DeleteTrail on it raise an alarm. */
        trailName: z.string().regex(/^[\w.-]{3,128}$/, 'trailName must be a CloudTrail trail name'),
      })
      .optional(),
    /**
     * Roles that deploy keyturn (they create, tag and rotate managed secrets): writes by them are not tampering.
     * Default: the CDK bootstrap's CloudFormation execution role (`cdk-hnb659fds-cfn-exec-role-<account>-<region>`).
     */
    deployRoleArns: z
      .array(
        z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN'),
      )
      .min(1)
      .optional(),
    /**
     * Keep the trail keyturn creates when `existingTrail` is not set, acknowledging its cost: a second copy of every
     * management event is $2.00 per 100,000 events (free if it is the account's only trail). Unset: synth warns.
     */
    createTrail: z.boolean().optional(),
    /** Retention of the created trail's log group, in days. */
    trailLogRetentionDays: z.number().int().min(1).max(3653).default(365),
    /** Denied calls on managed secrets or the KMS key, per hour (all keys together). */
    deniedCallsPerHour: thresholdsSchema('deniedCallsPerHour', DEFAULT_THRESHOLDS.deniedCallsPerHour, 1e9),
    /** Defaults of every key's alarms (each key may override them under `alarms`). */
    keyDefaults: z
      .strictObject({
        requestsPerMinute: thresholdsSchema('requestsPerMinute', DEFAULT_THRESHOLDS.requestsPerMinute, 1e9),
        rejectedPercent: thresholdsSchema('rejectedPercent', DEFAULT_THRESHOLDS.rejectedPercent, 100),
        readAnomalyBandWidth: z.number().min(1).max(10).default(DEFAULT_THRESHOLDS.readAnomalyBandWidth),
      })
      .default({
        requestsPerMinute: DEFAULT_THRESHOLDS.requestsPerMinute,
        rejectedPercent: DEFAULT_THRESHOLDS.rejectedPercent,
        readAnomalyBandWidth: DEFAULT_THRESHOLDS.readAnomalyBandWidth,
      }),
    /**
     * Per-tier defaults of key thresholds, between `keyDefaults` and a key's own `alarms`: e.g. critical-tier keys
     * page at a lower request rate. Anything left out takes `keyDefaults`.
     */
    tierDefaults: z
      .partialRecord(
        z.enum(TIER_NAMES as [Tier, ...Tier[]]),
        keyAlarmsSchema.pick({ requestsPerMinute: true, rejectedPercent: true, readAnomalyBandWidth: true }),
      )
      .default({}),
    /**
     * Log groups where the services that verify keys (lambdas/verifier) write their usage records: the fleet
     * evaluator counts requests, rejected keys and retired keys per key from them. Empty: no verifier findings.
     */
    verifierLogGroups: z
      .array(
        z
          .string()
          .regex(/^[\w\-./#]{1,512}$/, 'verifierLogGroups entries must be CloudWatch Logs group names'),
      )
      .max(50, 'verifierLogGroups: at most 50 log groups per query')
      .default([]),
    /** Build the pipeline's CloudWatch dashboard. */
    dashboard: z.boolean().default(true),
  })
  .default({
    trailLogRetentionDays: 365,
    deniedCallsPerHour: DEFAULT_THRESHOLDS.deniedCallsPerHour,
    keyDefaults: {
      requestsPerMinute: DEFAULT_THRESHOLDS.requestsPerMinute,
      rejectedPercent: DEFAULT_THRESHOLDS.rejectedPercent,
      readAnomalyBandWidth: DEFAULT_THRESHOLDS.readAnomalyBandWidth,
    },
    tierDefaults: {},
    verifierLogGroups: [],
    dashboard: true,
  });

export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type NotificationsConfig = z.output<typeof notificationsSchema>;
export type KeyAlarmsConfig = z.output<typeof keyAlarmsSchema>;
export type Thresholds = { warning: number; critical: number };
