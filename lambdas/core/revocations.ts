/**
 * Revocation records: which versions of a managed secret the leak response revoked, in a store priced per million
 * reads (a DynamoDB item per secret). The leak response publishes at contain, in the same round trip as the
 * provider revoke; every verifier reads it every few seconds, so a revocation reaches consumers in seconds without
 * polling Secrets Manager. Records hold secret names and version ids only: never key material.
 */
import { KeyturnError } from './errors';

/** The revocation store could not be read completely: the verifier keeps its last confirmed state, then fails closed. */
export class RevocationsUnreadableError extends KeyturnError {}

/** The versions of one secret that are revoked (empty when the secret has no record). */
export type RevokedVersions = ReadonlyMap<string, readonly string[]>;

export interface RevocationPublisher {
  /** Write the full list of revoked version ids of `secretName` (the caller merged it). Idempotent. */
  publish(secretName: string, versionIds: string[], at: Date): Promise<void>;
}

export interface RevocationReader {
  /** The revoked versions of each named secret (absent records: none). Throws when the store cannot be read. */
  read(secretNames: readonly string[]): Promise<RevokedVersions>;
}

/**
 * The secret's name from a name or a full secret ARN (`arn:…:secret:<name>-<6 random characters>`), so a verifier
 * configured with an ARN can read the record before its first Secrets Manager call.
 */
export function secretNameOf(secretId: string): string {
  const arn = /^arn:aws[a-z-]*:secretsmanager:[^:]*:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/.exec(secretId);
  return arn ? arn[1] : secretId;
}

/** Version ids as stored (space-separated, like the revoked-versions tag); anything else is dropped. */
export function parseRevokedVersions(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value.split(/\s+/).filter((id) => /^[A-Za-z0-9-]{1,64}$/.test(id));
}
