/**
 * The rotation ledger against a real DynamoDB-compatible server (dynalite on 127.0.0.1), not a mock:
 * idempotent append (a retried step writes one entry), history newest first per key, and typed refusals.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoLedger } from '../../lambdas/aws/ledger';
import { InvalidLedgerEntryError } from '../../lambdas/core/ledger';
import type { LedgerEntry } from '../../lambdas/core/ports';
import { billingLedgerEntry } from '../helpers/billing-key';
import { createLedgerTable, startDynalite, type LocalDynamo } from './dynalite';

let dynamo: LocalDynamo;
let tableCount = 0;
let table: string;
let ledger: DynamoLedger;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  table = `ledger-${++tableCount}`;
  await createLedgerTable(dynamo.client, table);
  ledger = new DynamoLedger(dynamo.doc, table);
});

const entry = (overrides: Partial<LedgerEntry> = {}): LedgerEntry => billingLedgerEntry(overrides);

async function itemCount(): Promise<number> {
  const out = await dynamo.doc.send(new ScanCommand({ TableName: table }));
  return out.Count ?? 0;
}

test('rule: a retried step writes one entry (conditional put on the idempotency key)', async () => {
  expect(await ledger.appendOnce(entry())).toBe('appended');
  // The retry comes later and carries a later timestamp: still the same fact, still one entry.
  expect(await ledger.appendOnce(entry({ at: '2026-05-01T10:05:00.000Z' }))).toBe('duplicate');
  expect(await itemCount()).toBe(1);
  const history = await ledger.history('billing-api', 'prod');
  expect(history).toEqual([entry()]);
});

test('rule: different idempotency keys are different entries', async () => {
  await ledger.append(entry());
  await ledger.append(
    entry({
      kind: 'retirement',
      outcome: 'verified-refused',
      versionId: 'v-1',
      idempotencyKey: 'retirement#v-1',
      at: '2026-05-02T10:00:00.000Z',
    }),
  );
  expect(await itemCount()).toBe(2);
});

test("history is one key's entries, newest first, limited", async () => {
  for (let day = 1; day <= 5; day++) {
    await ledger.append(
      entry({
        at: `2026-05-0${day}T10:00:00.000Z`,
        versionId: `v-${day}`,
        idempotencyKey: `rotation#v-${day}`,
      }),
    );
  }
  await ledger.append(entry({ environment: 'staging', idempotencyKey: 'rotation#other-env' }));
  await ledger.append(entry({ keyName: 'reports-api', idempotencyKey: 'rotation#other-key' }));

  const all = await ledger.history('billing-api', 'prod');
  expect(all.map((e) => e.versionId)).toEqual(['v-5', 'v-4', 'v-3', 'v-2', 'v-1']);
  const two = await ledger.history('billing-api', 'prod', 2);
  expect(two.map((e) => e.versionId)).toEqual(['v-5', 'v-4']);
  expect(await ledger.history('missing', 'prod')).toEqual([]);
});

test('history pages through the index until the limit is reached', async () => {
  const detail = 'x'.repeat(4000); // big items so that DynamoDB's 1 MB pages matter less than Limit
  for (let i = 0; i < 30; i++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
    await ledger.append(
      entry({ at, detail, idempotencyKey: `audit#${i}`, kind: 'audit', outcome: 'findings' }),
    );
  }
  expect(await ledger.history('billing-api', 'prod', 25)).toHaveLength(25);
  expect(await ledger.history('billing-api', 'prod', 100)).toHaveLength(30);
});

test.each([
  ['no idempotency key', { idempotencyKey: '' }, /idempotencyKey is required/],
  ['an unknown kind', { kind: 'party' as LedgerEntry['kind'] }, /kind must be one of/],
  ['a timestamp that is not one', { at: 'yesterday' }, /at must be an ISO-8601 timestamp/],
  ['an oversized detail', { detail: 'd'.repeat(5000) }, /detail must be a string of at most 4096/],
])('guard: refuses an entry with %s and writes nothing', async (_name, overrides, message) => {
  await expect(ledger.append(entry(overrides))).rejects.toThrow(InvalidLedgerEntryError);
  await expect(ledger.append(entry(overrides))).rejects.toThrow(message);
  expect(await itemCount()).toBe(0);
});

test('guard does not fire on a valid entry without the optional fields', async () => {
  const minimal = entry();
  delete minimal.versionId;
  await expect(ledger.append(minimal)).resolves.toBeUndefined();
});
