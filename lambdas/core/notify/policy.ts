/**
 * The monitoring policy: what a deployment says about each managed key that monitoring needs (its identity for the
 * page, who may read it, its usage thresholds). Built at synth from the configuration (lib/monitoring/policy.ts)
 * and delivered as a file in a Lambda layer, so no runtime principal can change it; the notify function decides
 * "is this reader allowed" and "is this usage too high" against it, one rule and one schedule for the whole fleet.
 * Pure: no AWS.
 */
import * as z from 'zod';

const thresholds = z.strictObject({ warning: z.number().positive(), critical: z.number().positive() });

export const policyKeySchema = z.strictObject({
  /** The secret's name, `<prefix><environment>/<key name>`. */
  secretName: z.string().min(1),
  keyName: z.string().min(1),
  environment: z.string().min(1),
  tier: z.string().min(1),
  owner: z.string(),
  backupOwner: z.string().optional(),
  runbook: z.string().optional(),
  /** IAM ARNs that may read the secret, as configured (roles, assumed-role sessions, users). */
  allowedReaders: z.array(z.string()),
  /** The verifying service's name (the `service` field of the verifier's usage records). */
  verifierService: z.string(),
  requestsPerMinute: thresholds,
  rejectedPercent: thresholds,
  /** Standard deviations above the key's own read baseline that count as "far above its usual pattern". */
  readAnomalyBandWidth: z.number().positive(),
});

export const monitoringPolicySchema = z.strictObject({
  version: z.literal(1),
  secretPrefix: z.string().min(1),
  keys: z.array(policyKeySchema),
});

export type PolicyKey = z.output<typeof policyKeySchema>;
export type MonitoringPolicy = z.output<typeof monitoringPolicySchema>;

export class InvalidMonitoringPolicyError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the monitoring policy file is not valid: ${reason}`, options);
    this.name = 'InvalidMonitoringPolicyError';
  }
}

export function parseMonitoringPolicy(text: string): MonitoringPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new InvalidMonitoringPolicyError('not JSON', { cause });
  }
  const parsed = monitoringPolicySchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidMonitoringPolicyError(parsed.error.issues[0]?.message ?? 'schema', {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Looks keys up by any spelling of their secret id: name, partial ARN (`…:secret:<name>`), full ARN (`<name>-XXXXXX`). */
export class PolicyIndex {
  private readonly byName = new Map<string, PolicyKey>();
  private readonly readers = new Map<PolicyKey, { roles: Set<string>; users: Set<string> }>();
  private readonly byKeyName = new Map<string, PolicyKey[]>();

  constructor(public readonly policy: MonitoringPolicy) {
    for (const key of policy.keys) {
      this.byName.set(key.secretName, key);
      this.byKeyName.set(key.keyName, [...(this.byKeyName.get(key.keyName) ?? []), key]);
      const { roles, users } = splitAllowedReaders(key.allowedReaders);
      this.readers.set(key, { roles: new Set(roles), users: new Set(users) });
    }
  }

  get size(): number {
    return this.byName.size;
  }

  /** The key a secret id (as a caller wrote it) names, if the deployment manages it. */
  keyForSecretId(secretId: string | undefined): PolicyKey | undefined {
    if (!secretId) return undefined;
    const direct = this.byName.get(secretId);
    if (direct) return direct;
    const marker = secretId.indexOf(':secret:');
    if (marker < 0) return undefined;
    const name = secretId.slice(marker + ':secret:'.length);
    // A full ARN ends in "-" and six random characters; a partial ARN is the name itself.
    return this.byName.get(name) ?? this.byName.get(name.replace(/-[A-Za-z0-9]{6}$/, ''));
  }

  /** The keys called `keyName` (one per environment), as the verifier names them in its usage records. */
  keysNamed(keyName: string): PolicyKey[] {
    return this.byKeyName.get(keyName) ?? [];
  }

  /**
   * May this principal read this key? Roles are compared by the session issuer (the role ARN), IAM users by their
   * ARN; root, federated users and anything else are never allowed readers.
   */
  isAllowedReader(key: PolicyKey, identity: ReaderIdentity): boolean {
    const allowed = this.readers.get(key);
    if (!allowed) return false;
    if (identity.type === 'AssumedRole') return !!identity.issuerArn && allowed.roles.has(identity.issuerArn);
    if (identity.type === 'IAMUser') return !!identity.arn && allowed.users.has(identity.arn);
    return false;
  }
}

export interface ReaderIdentity {
  /** CloudTrail `userIdentity.type`. */
  type?: string;
  /** `userIdentity.arn`. */
  arn?: string;
  /** `userIdentity.sessionContext.sessionIssuer.arn` (the role of an assumed-role session). */
  issuerArn?: string;
}

/** Split configured allowed readers into role ARNs and IAM user ARNs (assumed-role session ARNs map to their role). */
export function splitAllowedReaders(readers: readonly string[]): { roles: string[]; users: string[] } {
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
