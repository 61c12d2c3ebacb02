/**
 * The deployed registry of managed keys: what a deployment wrote about each key (its secret's full ARN, the KMS key
 * that must encrypt it, and its policy with every provider setting). The only source the functions believe about
 * which keys exist and where their provider targets are; tags are for people and search (the audit compares them).
 * Pure: the store behind `KeyRegistry` lives in lambdas/aws; the writer in lambdas/registry.
 */
import * as z from 'zod';
import { FUNCTION_METRICS, LEAK_POLICIES, MAX_OVERLAP_HOURS, TIER_NAMES, type Tier } from './constants';
import { KeyturnError } from './errors';
import type { KeyPolicy } from './key-policy';
import type { SecretDescription } from './ports';

/** One registered key, as the deployment wrote it. */
export interface RegistryEntry {
  /** The secret's name (the registry's key). */
  secretName: string;
  /** The secret's full ARN, random suffix included, resolved at deploy time. */
  secretArn: string;
  /** ARN of the KMS key that must encrypt the secret (keyturn's key). */
  kmsKeyArn: string;
  /** The key's policy, provider settings included, built from the configuration at synth. */
  policy: KeyPolicy;
}

/** Reads the registry. `undefined`: no entry for that secret name. */
export interface KeyRegistry {
  lookup(secretName: string): Promise<RegistryEntry | undefined>;
  /** Every entry (the audit's drift report). */
  list(): Promise<RegistryEntry[]>;
}

const policySchema = z.strictObject({
  keyName: z.string().min(1),
  provider: z.string().min(1),
  environment: z.string().min(1),
  tier: z.enum(TIER_NAMES as [Tier, ...Tier[]]),
  overlapHours: z.number().min(0).max(MAX_OVERLAP_HOURS),
  leakPolicy: z.enum(LEAK_POLICIES),
  owner: z.string().optional(),
  runbook: z.string().optional(),
  linkedSystems: z.array(z.string()),
  providerSettings: z.record(z.string(), z.string()),
});

const entrySchema = z.strictObject({
  secretName: z.string().min(1),
  secretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/),
  kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/),
  policy: policySchema,
});

/** A registry entry that does not parse: the store holds something no deployment wrote. */
export class InvalidRegistryEntryError extends KeyturnError {
  constructor(
    public readonly secretName: string,
    public readonly problems: string[],
  ) {
    super(`The registry entry of ${secretName} is malformed: ${problems.join('; ')}`);
  }
}

export function parseRegistryEntry(secretName: string, raw: unknown): RegistryEntry {
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRegistryEntryError(
      secretName,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  if (parsed.data.secretName !== secretName)
    throw new InvalidRegistryEntryError(secretName, [
      'secretName does not match the entry it is stored under',
    ]);
  return parsed.data;
}

/** Why a secret is refused before any provider call (stable `reason` for metrics and notices). */
type RefusalReason = 'outside-prefix' | 'not-registered' | 'other-secret' | 'foreign-kms-key';

/** The secret is not one the deployment registered (or is not the registered one): nothing was done. */
export class UnregisteredSecretError extends KeyturnError {
  constructor(
    public readonly secretId: string,
    public readonly reason: RefusalReason,
    detail: string,
  ) {
    super(`Refused secret ${secretId.slice(0, 512)}: ${detail}`);
  }
}

/**
 * Admit a secret only if the registry names it: same name, same full ARN (a secret deleted and re-created under
 * the name has another suffix), encrypted with the registered KMS key (DescribeSecret's KmsKeyId; a secret on the
 * AWS-managed key shows none). Returns the registry's entry; the secret's tags play no part.
 */
export async function admitSecret(
  registry: KeyRegistry,
  description: Pick<SecretDescription, 'arn' | 'name' | 'kmsKeyId'>,
  secretPrefix?: string,
): Promise<RegistryEntry> {
  const { arn, name } = description;
  if (secretPrefix && !name.startsWith(secretPrefix))
    throw new UnregisteredSecretError(arn, 'outside-prefix', `outside the managed prefix "${secretPrefix}"`);
  const entry = await registry.lookup(name);
  if (!entry) throw new UnregisteredSecretError(arn, 'not-registered', 'not in the deployed registry');
  if (entry.secretArn !== arn)
    throw new UnregisteredSecretError(
      arn,
      'other-secret',
      `the registry names ${entry.secretArn} for this name`,
    );
  if (!sameKmsKey(description.kmsKeyId, entry.kmsKeyArn)) {
    throw new UnregisteredSecretError(
      arn,
      'foreign-kms-key',
      `encrypted with ${description.kmsKeyId ? 'another KMS key' : 'the AWS-managed key'}, not keyturn's`,
    );
  }
  return entry;
}

/** DescribeSecret gives the key as it was set: an ARN (CloudFormation passes the ARN) or a bare key id. */
export function sameKmsKey(actual: string | undefined, registered: string): boolean {
  if (!actual) return false;
  if (actual === registered) return true;
  const registeredId = registered.slice(registered.lastIndexOf('/') + 1);
  return !actual.includes(':') && actual === registeredId;
}

/** Metric every function emits when it refuses a secret (dimension `Reason`: a RefusalReason). */
export const SECRET_REFUSED_METRIC = FUNCTION_METRICS.secretRefused;

/** What on-call is told when a function refuses a secret: an unregistered secret pointed at keyturn. */
export interface RefusalNotice {
  severity: 'notice';
  kind: 'secret-refused';
  subject: string;
  message: string;
}

export function refusalNotice(fn: string, error: UnregisteredSecretError): RefusalNotice {
  return {
    severity: 'notice',
    kind: 'secret-refused',
    subject: `keyturn: ${fn} refused a secret it does not manage (${error.reason})`,
    message:
      `${error.message}.\nThe ${fn} function acts only on secrets the deployment registered; nothing was called ` +
      `at any provider. Someone pointed keyturn at this secret (rotation, retirement schedule or leak signal): ` +
      `find who in CloudTrail (RotateSecret, CreateSecret, TagResource on the secret) and remove the secret or ` +
      `its rotation. A key that should be managed is added to the configuration and deployed.`,
  };
}
