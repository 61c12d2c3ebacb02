/**
 * What the domain needs from the outside world. Adapters in lambdas/aws implement these; tests use fakes.
 */

/** A secret as DescribeSecret shows it, narrowed to what the protocol uses. */
export interface SecretDescription {
  arn: string;
  name: string;
  rotationEnabled: boolean;
  /** VersionId → staging labels. */
  versions: Record<string, string[]>;
  tags: Record<string, string>;
  /** The KMS key that encrypts the secret as DescribeSecret gives it; absent for the AWS-managed key. */
  kmsKeyId?: string;
  lastRotatedDate?: Date;
  lastAccessedDate?: Date;
  nextRotationDate?: Date;
}

export interface PutPendingInput {
  secretId: string;
  token: string;
  value: string;
  rotationToken?: string;
}

export interface SecretStore {
  describe(secretId: string): Promise<SecretDescription>;
  /** The value of one version, or `undefined` when that version has no value (yet). */
  getValue(secretId: string, versionId: string): Promise<string | undefined>;
  /**
   * Store `value` as the version `token` staged AWSPENDING. `already-exists` when that version already holds a
   * (different) value: a retry after an earlier success.
   */
  putPendingValue(input: PutPendingInput): Promise<'stored' | 'already-exists'>;
  /** Move AWSCURRENT to `token` (Secrets Manager then labels the old version AWSPREVIOUS). */
  promoteToCurrent(secretId: string, token: string, fromVersionId: string): Promise<void>;
}

/** One line of the rotation ledger: rotations, retirements, revocations, incidents and audits. */
export interface LedgerEntry {
  keyName: string;
  environment: string;
  secretArn: string;
  kind: 'rotation' | 'retirement' | 'revocation' | 'incident' | 'audit';
  /** e.g. `succeeded`, `failed`, `skipped`, `verified-refused`. */
  outcome: string;
  at: string;
  versionId?: string;
  /** Non-secret detail for humans. */
  detail?: string;
  /** Makes append idempotent: the same key written twice is one entry (e.g. `<kind>#<versionId>`). */
  idempotencyKey: string;
}

export interface Ledger {
  append(entry: LedgerEntry): Promise<void>;
  history(keyName: string, environment: string, limit?: number): Promise<LedgerEntry[]>;
}
