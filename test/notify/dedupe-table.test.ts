/**
 * The durable dedupe claims (lambdas/aws/dedupe-table.ts) against a real DynamoDB-compatible server (dynalite on
 * 127.0.0.1), not a mock: a claim holds for its window, a page that could not be sent gives its claim back so the
 * retried delivery pages, and giving back never frees a newer claim someone else made after ours expired.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDedupeClaims } from '../../lambdas/aws/dedupe-table';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';

const WINDOW_MS = 600_000;
const T0 = 1_796_150_000_000;

let dynamo: LocalDynamo;
let claims: DynamoDedupeClaims;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  // The table lib/monitoring builds: partition key pk, TTL on expiresAt (TTL deletion is not relied on).
  const TableName = `dedupe-${++tables}`;
  await dynamo.client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  claims = new DynamoDedupeClaims(dynamo.client, TableName);
});

test('rule: a claim holds for its window; past it the key may be claimed again', async () => {
  expect(await claims.claim('incident#1', T0, WINDOW_MS)).toBe(true);
  expect(await claims.claim('incident#1', T0 + 1_000, WINDOW_MS)).toBe(false);
  expect(await claims.claim('incident#1', T0 + WINDOW_MS, WINDOW_MS)).toBe(true);
});

test('rule: a page that could not be sent gives its claim back, so the retried delivery claims and pages', async () => {
  expect(await claims.claim('incident#2', T0, WINDOW_MS)).toBe(true);
  await claims.release('incident#2', T0, WINDOW_MS);
  expect(await claims.claim('incident#2', T0 + 2_000, WINDOW_MS)).toBe(true);
  // And that new claim holds as any claim does.
  expect(await claims.claim('incident#2', T0 + 3_000, WINDOW_MS)).toBe(false);
});

test('rule: giving back a claim that is no longer ours (expired, then claimed anew) leaves the newer claim alone', async () => {
  expect(await claims.claim('incident#3', T0, WINDOW_MS)).toBe(true);
  const later = T0 + WINDOW_MS + 5_000;
  expect(await claims.claim('incident#3', later, WINDOW_MS)).toBe(true);
  await expect(claims.release('incident#3', T0, WINDOW_MS)).resolves.toBeUndefined();
  expect(await claims.claim('incident#3', later + 1_000, WINDOW_MS)).toBe(false);
});
