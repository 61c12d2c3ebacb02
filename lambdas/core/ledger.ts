/**
 * The rotation ledger's pure rules: how an entry is keyed and what a valid entry is. No AWS here.
 * Entries of one key share a partition (`<environment>#<keyName>`); the sort key is the idempotency key, so a
 * retried step that writes the same entry again meets a conditional-put failure instead of a second line.
 * History is read newest first through a local index sorted by `at`.
 */
import { KeyturnError } from './errors';
import type { LedgerEntry } from './ports';

export const LEDGER_KINDS = ['rotation', 'retirement', 'revocation', 'incident', 'audit'] as const;

/** Pipeline-wide entries (an audit run) use this in place of a key name and environment. */
export const PIPELINE_WIDE = '*';

/** The default and largest number of entries `history` returns. */
export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 1000;

/** A ledger entry that cannot be written as given; nothing was written. Messages name fields, never values. */
export class InvalidLedgerEntryError extends KeyturnError {
  constructor(public readonly problems: string[]) {
    super(`Invalid ledger entry: ${problems.join('; ')}`);
  }
}

const MAX_FIELD = 1024;
const MAX_DETAIL = 4096;

export function ledgerPartition(keyName: string, environment: string): string {
  return `${environment}#${keyName}`;
}

/** Check an entry before it is written: required fields present, bounded sizes, a real timestamp. */
export function validateLedgerEntry(entry: LedgerEntry): void {
  const problems: string[] = [];
  const required = ['keyName', 'environment', 'secretArn', 'outcome', 'idempotencyKey', 'at'] as const;
  for (const field of required) {
    const value = entry[field];
    if (typeof value !== 'string' || value.length === 0) problems.push(`${field} is required`);
    else if (value.length > MAX_FIELD) problems.push(`${field} is longer than ${MAX_FIELD} characters`);
  }
  if (!(LEDGER_KINDS as readonly string[]).includes(entry.kind))
    problems.push(`kind must be one of ${LEDGER_KINDS.join(', ')}`);
  if (typeof entry.at === 'string' && Number.isNaN(Date.parse(entry.at)))
    problems.push('at must be an ISO-8601 timestamp');
  if (
    entry.versionId !== undefined &&
    (typeof entry.versionId !== 'string' || entry.versionId.length > MAX_FIELD)
  ) {
    problems.push('versionId must be a string of at most 1024 characters');
  }
  if (entry.detail !== undefined && (typeof entry.detail !== 'string' || entry.detail.length > MAX_DETAIL)) {
    problems.push(`detail must be a string of at most ${MAX_DETAIL} characters`);
  }
  if (problems.length) throw new InvalidLedgerEntryError(problems);
}
