/**
 * What keyturn issued: when createSecret mints a key, the rotate function records "key K for secret S, version V"
 * (in the ledger table, under a partition of its own that only keyturn's functions can write), before the value is
 * stored. A key id is revoked only when that record matches the stored key id for that secret and version: a value
 * anyone with PutSecretValue can write never decides what keyturn revokes. Pure: the store lives in lambdas/aws.
 */
import { LEDGER_SCHEMA } from './constants';
import { KeyturnError } from './errors';

/** One issued key: the public key id, never the key. */
export interface IssuedKeyRecord {
  /** The secret's full ARN when the key was issued. */
  secretArn: string;
  versionId: string;
  keyId: string;
  at: string;
}

/** What the rotate function writes (the key's name and environment let people find the record). */
export interface IssuanceEntry extends IssuedKeyRecord {
  secretName: string;
  keyName: string;
  environment: string;
}

export interface IssuanceLog {
  /** Record an issued key. Idempotent: recording the same key again changes nothing. */
  recordIssued(entry: IssuanceEntry): Promise<void>;
  /** Every key issued for this secret name (one read), or those of one version. */
  issuedFor(secretName: string, versionId?: string): Promise<IssuedKeyRecord[]>;
}

/** The partition of a secret's issuance records in the ledger table (IAM grants read on `issued#*` only). */
export function issuancePartition(secretName: string): string {
  return `${LEDGER_SCHEMA.issuancePrefix}${secretName}`;
}

/** Sort key: one item per issued key, so a replacement issued on a retry is recorded beside the first. */
export function issuanceSortKey(versionId: string, keyId: string): string {
  return `${versionId}#${keyId}`;
}

/** Did keyturn record issuing `keyId` for this very secret (full ARN) and version? */
export function wasIssued(
  records: readonly IssuedKeyRecord[],
  secretArn: string,
  versionId: string,
  keyId: string,
): boolean {
  return records.some((r) => r.secretArn === secretArn && r.versionId === versionId && r.keyId === keyId);
}

/** Metric a function emits when it refuses to revoke a key it did not issue. */
export const UNISSUED_KEY_METRIC = 'UnissuedKeyRefused';

/**
 * The stored key id of this secret version is not one keyturn recorded issuing for it: a value written by hand
 * (e.g. another key's id planted in AWSPREVIOUS), or a key in place before keyturn managed the secret. Nothing was
 * revoked. The message names the secret and version, never the stored key id (anyone could have written it).
 */
export class UnissuedKeyError extends KeyturnError {
  constructor(
    public readonly secretId: string,
    public readonly versionId: string,
    /** The registered key's name and environment (for the page's subject and filters). */
    public readonly labels: { keyName?: string; environment?: string } = {},
  ) {
    super(
      `Refused to revoke the key of ${secretId.slice(0, 512)} version ${versionId.slice(0, 128)}: keyturn did not ` +
        'record issuing that key id for this secret and version',
    );
  }
}

/** What on-call is paged with (critical topic): a human decides and revokes by hand if the key must go. */
export interface UnissuedKeyNotice {
  severity: 'critical';
  kind: 'unissued-key';
  subject: string;
  message: string;
  keyName?: string;
  environment?: string;
}

export function unissuedKeyNotice(fn: string, error: UnissuedKeyError): UnissuedKeyNotice {
  const { labels } = error;
  return {
    severity: 'critical',
    kind: 'unissued-key',
    subject: `keyturn: ${fn} refused to revoke a key it did not issue (${labels.keyName ?? 'a managed key'})`,
    message:
      `${error.message}.\nNothing was revoked at the provider. Either someone wrote this version's value by hand ` +
      `(PutSecretValue: find who in CloudTrail, and treat the account principal as suspect), or the key was in ` +
      `place before keyturn managed the secret. A human checks the key at the provider and revokes it by hand if ` +
      `it must go (docs/trust.md, "Keys keyturn did not issue").`,
    ...labels,
  };
}
