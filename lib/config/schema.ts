/**
 * The keyturn configuration file: one entry per managed key. Validated at synth; every message names the key
 * and the field, and says how to fix it.
 */
import * as z from 'zod';
import { secretScanningSchema } from './secret-scanning';
import {
  DEFAULT_OVERLAP_HOURS,
  LEAK_POLICIES,
  MAX_OVERLAP_HOURS,
  type ProviderKind,
  TIER_NAMES,
  TIERS,
  type Tier,
} from '../../lambdas/core/constants';
import { attachHttpApiProfiles, checkHttpApiProfiles } from './http-api';
import { PROVIDER_DESCRIPTORS, type ProviderSchemas } from '../providers';
import { keyAlarmsSchema, monitoringSchema, notificationsSchema } from './monitoring';
import { auditConfigSchema } from './audit';
import { rotationWindowProblems } from '../limits/rotation-window';
import { MAX_TAG_VALUE_CHARS } from '../limits/tag-values';
import { cadenceHoursOf, vendorKeyCapProblems, type CappedKey } from '../limits/vendor-key-cap';
import { leakResponseConfigSchema } from './leak';

/** Secrets Manager tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const tagValue = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} must not be empty`)
    .max(256, `${what} must be at most 256 characters (it is stored as a secret tag)`)
    .regex(
      TAG_VALUE,
      `${what} may hold only letters, digits, spaces and _ . : / = + - @ (it is stored as a tag)`,
    );

/** Lists are stored space-separated in one tag, so an item may not hold a space. */
const tagListItem = (what: string) =>
  tagValue(what).regex(/^\S+$/, `${what} must not contain spaces (the list is stored space-separated)`);

/** Each provider kind's schema comes from its descriptor (lib/providers/); the union is keyed on `kind`. */
const PROVIDER_KIND_LIST = Object.keys(PROVIDER_DESCRIPTORS) as ProviderKind[];
export const providerSchema = z.discriminatedUnion(
  'kind',
  PROVIDER_KIND_LIST.map((kind) => PROVIDER_DESCRIPTORS[kind].schema) as [
    ProviderSchemas,
    ...ProviderSchemas[],
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `unknown provider kind: use one of ${PROVIDER_KIND_LIST.map((kind) => `"${kind}"`).join(', ')}`
        : undefined,
  },
);

const rotationSchema = z
  .strictObject({
    /** Rotate every N days (overrides the tier's cadence). */
    everyDays: z.number().int().min(1).max(999).optional(),
    /** A Secrets Manager schedule expression, `rate(...)` or `cron(...)` in UTC. */
    scheduleExpression: z
      .string()
      .regex(/^(rate|cron)\(.+\)$/, 'scheduleExpression must be rate(...) or cron(...)')
      .optional(),
    /** Length of the rotation window in hours (1–24); Secrets Manager rotates at some time inside it. */
    windowHours: z.number().int().min(1).max(24).optional(),
  })
  .refine((r) => !(r.everyDays && r.scheduleExpression), {
    message: 'set either everyDays or scheduleExpression, not both',
  });

const keyObjectShape = z.strictObject({
  name: z
    .string({ error: 'name is required' })
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'name must be 1–63 lowercase letters, digits or dashes'),
  provider: providerSchema,
  environment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'environment must be lowercase, e.g. "prod"'),
  tier: z.enum(TIER_NAMES as [Tier, ...Tier[]], { error: `tier must be one of ${TIER_NAMES.join(', ')}` }),
  rotation: rotationSchema.optional(),
  overlapHours: z
    .number()
    .min(0)
    .max(MAX_OVERLAP_HOURS, `overlapHours must be at most ${MAX_OVERLAP_HOURS} (7 days)`)
    .default(DEFAULT_OVERLAP_HOURS),
  leakPolicy: z.enum(LEAK_POLICIES).default('revoke-first'),
  owner: tagValue('owner'),
  backupOwner: tagValue('backupOwner'),
  scopes: z.array(tagListItem('a scope')).min(1, 'scopes must name at least one scope'),
  linkedSystems: z.array(tagListItem('a linked system')),
  runbookUrl: tagValue('runbookUrl').regex(/^https:\/\//, 'runbookUrl must be an https:// URL'),
  /** Date after which the key must not be used, `YYYY-MM-DD`. */
  expires: z.iso.date('expires must be a date like 2027-06-30').optional(),
  /** IAM principal ARNs allowed to read the secret (the anomaly alarms flag any other reader). */
  allowedReaders: z
    .array(z.string().regex(/^arn:aws[a-z-]*:(iam|sts)::\d{12}:/, 'must be an IAM ARN'))
    .default([]),
  /** Per-key alarm thresholds; unset ones come from `monitoring.keyDefaults` (see lib/config/monitoring.ts). */
  alarms: keyAlarmsSchema.default({}),
});

const keySchema = keyObjectShape.superRefine(checkKeyLimits);

/** A key's lists are stored space-joined in one tag each: the joined value must fit the tag limit too. */
function joinedTagProblems(key: {
  scopes: string[];
  linkedSystems: string[];
}): Array<[PropertyKey[], string]> {
  // A provider's own lists (API Gateway's usage plan ids) are checked by its schema (lib/providers/).
  const lists: Array<[PropertyKey[], string[] | undefined]> = [
    [['scopes'], key.scopes],
    [['linkedSystems'], key.linkedSystems],
  ];
  return lists.flatMap(([path, items]) => {
    const length = items ? [...items.join(' ')].length : 0;
    if (length <= MAX_TAG_VALUE_CHARS) return [];
    const name = String(path[path.length - 1]);
    return [
      [
        path,
        `${name} joined with spaces is ${length} characters; it is stored in one tag of at most ${MAX_TAG_VALUE_CHARS}: ` +
          `list fewer or shorter items (${items!.length} now)`,
      ],
    ];
  });
}

/**
 * Limits of the services, refused here so the message names the key and field: joined tag lists, and the
 * rotation window against Secrets Manager's rules (lib/limits/rotation-window.ts).
 */
function checkKeyLimits(key: z.output<typeof keyObjectShape>, ctx: z.RefinementCtx): void {
  for (const [path, message] of joinedTagProblems(key)) ctx.addIssue({ code: 'custom', path, message });
  const tier = TIERS[key.tier];
  const rotation = key.rotation;
  const scheduleExpression =
    rotation?.scheduleExpression ?? `rate(${rotation?.everyDays ?? tier.rotateEveryDays} days)`;
  const windowHours = rotation?.windowHours ?? tier.windowHours;
  const problems = rotationWindowProblems(
    { scheduleExpression, duration: `${windowHours}h` },
    { window: 'rotation.windowHours', schedule: 'rotation.scheduleExpression' },
  );
  for (const message of problems) {
    ctx.addIssue({
      code: 'custom',
      path: ['rotation', rotation?.windowHours !== undefined ? 'windowHours' : 'scheduleExpression'],
      message:
        rotation?.windowHours === undefined
          ? `${message} (the ${key.tier} tier's window is ${windowHours} h)`
          : message,
    });
  }
}

/** The retention periods CloudWatch Logs accepts (any other value fails at deploy). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const pipelineSchema = z.strictObject({
  /** CloudFormation stack name. */
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('Keyturn'),
  /** Prefix of managed secret names; the functions may touch only secrets under it. */
  secretPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\/$/, 'secretPrefix must be lowercase and end with "/"')
    .default('keyturn/'),
  /** Retention of the functions' log groups, in days. */
  logRetentionDays: z
    .number()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `logRetentionDays must be one of CloudWatch's periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(90),
  /**
   * Nested stacks the keys are spread over (0: all in the main stack). Default: 0 up to 40 keys, then one shard
   * per 30 keys. Pin it before the fleet grows: changing it moves keys between stacks (see docs/configuration.md).
   */
  keyShards: z.number().int().min(0).max(100).optional(),
});

export const configSchema = z
  .strictObject({
    pipeline: pipelineSchema.default(pipelineSchema.parse({})),
    keys: z.array(keySchema).min(1, 'keys must list at least one key'),
    /** Trail source, shared alarm thresholds, per-key alarm defaults, dashboard (lib/config/monitoring.ts). */
    monitoring: monitoringSchema,
    /** Subscriptions of the critical and notice topics. */
    notifications: notificationsSchema,
    /** The daily audit's cadence and thresholds (lib/config/audit.ts). */
    audit: auditConfigSchema,
    /** Who may report leaks on the leak bus (lib/config/leak.ts). */
    leakResponse: leakResponseConfigSchema,
    /** The secret scanning intake, off unless enabled (lib/config/secret-scanning.ts, docs/secret-scanning.md). */
    secretScanning: secretScanningSchema.optional(),
    /** Named HTTP admin API profiles that `http-admin-api` keys reference (presets need no entry). */
    httpApis: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'httpApis names are lowercase, e.g. "my-saas"'),
        z.unknown(),
      )
      .default({}),
  })
  .superRefine(checkHttpApiProfiles)
  .transform(attachHttpApiProfiles)
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.keys.forEach((key, index) => {
      const id = `${key.environment}/${key.name}`;
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', index, 'name'],
          message: `duplicate key "${id}": names must be unique per environment`,
        });
      }
      seen.add(id);
    });
    checkVendorKeyCaps(config, ctx);
  });

/** Keys that share a vendor account (profile and admin credential) must fit the vendor's key cap together. */
function checkVendorKeyCaps(
  config: { keys: Array<z.output<typeof keyObjectShape>> },
  ctx: z.RefinementCtx,
): void {
  const capped: Array<CappedKey & { index: number }> = [];
  const caps = new Map<string, { keys: number; per: string }>();
  config.keys.forEach((key, index) => {
    if (key.provider.kind !== 'http-admin-api' || !key.provider.definition?.keyCap) return;
    caps.set(key.provider.profile, key.provider.definition.keyCap);
    capped.push({
      index,
      name: key.name,
      environment: key.environment,
      profile: key.provider.profile,
      adminSecretArn: key.provider.adminSecretArn,
      cadenceHours: cadenceHoursOf(key.rotation, TIERS[key.tier].rotateEveryDays),
      overlapHours: key.overlapHours,
    });
  });
  for (const problem of vendorKeyCapProblems(capped, (profile) => caps.get(profile))) {
    const first = capped.find((k) => `${k.environment}/${k.name}` === problem.keys[0])!;
    ctx.addIssue({
      code: 'custom',
      path: ['keys', first.index, 'provider', 'profile'],
      message:
        `profile "${problem.profile}" allows ${problem.cap.keys} keys per ${problem.cap.per}, and the ` +
        `${problem.keys.length} keys that share admin secret ${problem.adminSecretArn} hold up to ${problem.live} at ` +
        `once (each: overlap ÷ cadence, rounded up, + 1; keys ${problem.keys.join(', ')}): shorten overlapHours, ` +
        `rotate less often, or spread the keys over more ${problem.cap.per}s (another admin secret)`,
    });
  }
}

export type KeyturnConfig = z.output<typeof configSchema>;
export type KeyConfig = z.output<typeof keySchema>;
export type PipelineConfig = z.output<typeof pipelineSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
