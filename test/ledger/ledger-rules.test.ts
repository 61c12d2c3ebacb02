/**
 * The ledger's pure entry rules (lambdas/core/ledger.ts), without a store: every required field is required, every
 * field is bounded (at the bound accepted, one past it refused), the timestamp is real, optional fields are checked
 * only when present, every problem is reported at once, and a refusal names fields, never the values it refused.
 */
import {
  InvalidLedgerEntryError,
  LEDGER_KINDS,
  PIPELINE_WIDE,
  ledgerPartition,
  validateLedgerEntry,
} from '../../lambdas/core/ledger';
import type { LedgerEntry } from '../../lambdas/core/ports';
import { billingLedgerEntry as entry } from '../helpers/billing-key';

/** The problems a refusal lists, or `[]` when the entry is accepted. */
function problemsOf(candidate: LedgerEntry): string[] {
  try {
    validateLedgerEntry(candidate);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidLedgerEntryError);
    return (error as InvalidLedgerEntryError).problems;
  }
}

const REQUIRED = ['keyName', 'environment', 'secretArn', 'outcome', 'idempotencyKey', 'at'] as const;

describe('rule: a ledger entry is complete before it is written', () => {
  test('a complete entry is accepted, with and without its optional fields', () => {
    expect(problemsOf(entry())).toEqual([]);
    expect(problemsOf(entry({ versionId: undefined, detail: undefined }))).toEqual([]);
  });

  test.each(REQUIRED)('an entry without %s is refused, naming that field alone', (field) => {
    expect(problemsOf(entry({ [field]: undefined }))).toEqual([`${field} is required`]);
    expect(problemsOf(entry({ [field]: '' }))).toContain(`${field} is required`);
    expect(problemsOf(entry({ [field]: 42 }))).toEqual([`${field} is required`]);
  });

  test('every kind the ledger knows is accepted; any other is refused with the list of kinds', () => {
    for (const kind of LEDGER_KINDS) expect(problemsOf(entry({ kind }))).toEqual([]);
    expect(problemsOf(entry({ kind: 'rotations' }))).toEqual([
      'kind must be one of rotation, retirement, revocation, incident, audit',
    ]);
  });

  test('a timestamp that is not a date is refused', () => {
    expect(problemsOf(entry({ at: 'yesterday' }))).toEqual(['at must be an ISO-8601 timestamp']);
  });

  test('every problem of an entry is reported at once, joined in the message', () => {
    const error = (() => {
      try {
        validateLedgerEntry(entry({ keyName: '', kind: 'other' }));
      } catch (e) {
        return e as InvalidLedgerEntryError;
      }
      throw new Error('accepted');
    })();
    expect(error.problems).toEqual([
      'keyName is required',
      'kind must be one of rotation, retirement, revocation, incident, audit',
    ]);
    expect(error.message).toBe(
      'Invalid ledger entry: keyName is required; kind must be one of rotation, retirement, revocation, incident, audit',
    );
    expect(error.name).toBe('InvalidLedgerEntryError');
  });
});

describe('rule: every ledger field is bounded (the bound accepted, one past it refused)', () => {
  test.each(REQUIRED.filter((f) => f !== 'at'))('%s: 1024 characters accepted, 1025 refused', (field) => {
    expect(problemsOf(entry({ [field]: 'x'.repeat(1024) }))).toEqual([]);
    expect(problemsOf(entry({ [field]: 'x'.repeat(1025) }))).toEqual([
      `${field} is longer than 1024 characters`,
    ]);
  });

  test('versionId: optional, but when present a string of at most 1024 characters', () => {
    expect(problemsOf(entry({ versionId: 'v'.repeat(1024) }))).toEqual([]);
    const refusal = ['versionId must be a string of at most 1024 characters'];
    expect(problemsOf(entry({ versionId: 'v'.repeat(1025) }))).toEqual(refusal);
    expect(problemsOf(entry({ versionId: 7 }))).toEqual(refusal);
    expect(problemsOf(entry({ versionId: { length: 1 } }))).toEqual(refusal);
  });

  test('detail: optional, but when present a string of at most 4096 characters', () => {
    expect(problemsOf(entry({ detail: 'd'.repeat(4096) }))).toEqual([]);
    const refusal = ['detail must be a string of at most 4096 characters'];
    expect(problemsOf(entry({ detail: 'd'.repeat(4097) }))).toEqual(refusal);
    expect(problemsOf(entry({ detail: ['a'] }))).toEqual(refusal);
    expect(problemsOf(entry({ detail: { length: 1 } }))).toEqual(refusal);
  });
});

describe('rule: a refused entry never quotes what it refused', () => {
  test('an oversized detail holding a key is refused without the key in the problems or the message', () => {
    const key = 'kt_live_' + 'S3cr3tK3yM4t3r14l'.repeat(300);
    let message = '';
    try {
      validateLedgerEntry(entry({ detail: key, outcome: key.repeat(1) + 'x'.repeat(1024) }));
    } catch (error) {
      message = `${(error as Error).message} ${(error as InvalidLedgerEntryError).problems.join(' ')}`;
    }
    expect(message).toMatch(/detail must be a string/);
    expect(message).not.toContain('S3cr3tK3y');
  });
});

describe('rule: entries of one key share a partition, apart from every other key and environment', () => {
  test('the partition is <environment>#<keyName>', () => {
    expect(ledgerPartition('billing-api', 'prod')).toBe('prod#billing-api');
    expect(ledgerPartition('billing-api', 'staging')).not.toBe(ledgerPartition('billing-api', 'prod'));
  });

  test('a pipeline-wide entry (an audit run) is a valid entry in a partition of its own', () => {
    const audit = entry({
      keyName: PIPELINE_WIDE,
      environment: PIPELINE_WIDE,
      secretArn: PIPELINE_WIDE,
      kind: 'audit',
      versionId: undefined,
    });
    expect(problemsOf(audit)).toEqual([]);
    expect(ledgerPartition(PIPELINE_WIDE, PIPELINE_WIDE)).toBe('*#*');
  });
});
