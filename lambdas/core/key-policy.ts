/**
 * A managed key's runtime policy, read from its secret's tags (written by the CDK stack from the configuration),
 * so one rotate function serves every key without per-key deployment.
 */
import * as z from 'zod';
import {
  DEFAULT_OVERLAP_HOURS,
  LEAK_POLICIES,
  MAX_OVERLAP_HOURS,
  TAGS,
  TIER_NAMES,
  type LeakPolicy,
  type Tier,
} from './constants';

export interface KeyPolicy {
  keyName: string;
  provider: string;
  environment: string;
  tier: Tier;
  overlapHours: number;
  leakPolicy: LeakPolicy;
  owner?: string;
  runbook?: string;
  linkedSystems: string[];
  /** Provider settings from `keyturn:provider:<name>` tags, keyed by `<name>`. */
  providerSettings: Record<string, string>;
}

const tagSchema = z.object({
  [TAGS.managed]: z.literal('true'),
  [TAGS.keyName]: z.string().min(1),
  [TAGS.provider]: z.string().min(1),
  [TAGS.environment]: z.string().min(1),
  [TAGS.tier]: z.enum(TIER_NAMES as [Tier, ...Tier[]]),
  // Strictly a decimal number: coercion would read a blank tag as 0 hours (the old key revoked at once) and
  // accept forms like "0x10" or " 24 " that the stack never writes.
  [TAGS.overlapHours]: z
    .string()
    .regex(/^[0-9.eE+-]+$/, 'must be a decimal number of hours')
    .transform(Number)
    .pipe(z.number().min(0).max(MAX_OVERLAP_HOURS))
    .default(DEFAULT_OVERLAP_HOURS),
  [TAGS.leakPolicy]: z.enum(LEAK_POLICIES).default('revoke-first'),
  [TAGS.owner]: z.string().optional(),
  [TAGS.runbook]: z.string().optional(),
  [TAGS.linkedSystems]: z.string().optional(),
});

type PolicyOutcome = { ok: true; policy: KeyPolicy } | { ok: false; reason: string };

/** Linked systems and scopes are stored space-separated: tag values cannot hold commas portably. */
export function splitTagList(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

export function readKeyPolicy(tags: Record<string, string>): PolicyOutcome {
  // Tags come from an external record: copy into a null-prototype object so `__proto__` stays data.
  const safe: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(tags)) safe[k] = v;
  const parsed = tagSchema.safeParse(safe);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `tag ${issue.path.join('.')}: ${issue.message}`);
    return { ok: false, reason: problems.join('; ') };
  }
  const t = parsed.data;
  const providerSettings: Record<string, string> = {};
  for (const [k, v] of Object.entries(safe)) {
    if (k.startsWith(TAGS.providerSetting)) providerSettings[k.slice(TAGS.providerSetting.length)] = v;
  }
  return {
    ok: true,
    policy: {
      keyName: t[TAGS.keyName],
      provider: t[TAGS.provider],
      environment: t[TAGS.environment],
      tier: t[TAGS.tier],
      overlapHours: t[TAGS.overlapHours],
      leakPolicy: t[TAGS.leakPolicy],
      owner: t[TAGS.owner],
      runbook: t[TAGS.runbook],
      linkedSystems: splitTagList(t[TAGS.linkedSystems]),
      providerSettings,
    },
  };
}
