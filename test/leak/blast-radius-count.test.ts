/**
 * The blast-radius count (lambdas/aws/revocation-budget.ts) against a real DynamoDB-compatible table (dynalite on
 * 127.0.0.1): atomic under concurrency, one place per incident however often it is retried, released places reused,
 * and never more than the cap in any window, wherever the window starts.
 */
import { DynamoRevocationBudget } from '../../lambdas/aws/revocation-budget';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { createIncidentTable } from './world';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());

const T0 = Date.parse('2026-11-23T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
async function budget(max = 3, windowSeconds = 600) {
  return new DynamoRevocationBudget(dynamo.doc, await createIncidentTable(dynamo.client), {
    maxRevocations: max,
    windowSeconds,
  });
}

test('concurrent claims: exactly the cap is admitted (the conditional update is atomic)', async () => {
  const b = await budget(3);
  const claims = await Promise.all(
    Array.from({ length: 12 }, (_, i) => b.claim(`inc-20261123T100000-flood${i}`, at(i))),
  );
  expect(claims.filter((c) => c.admitted)).toHaveLength(3);
});

test('a retried claim of the same incident counts once (and stays admitted); a new incident is then held', async () => {
  const b = await budget(2);
  expect((await b.claim('inc-a', at(0))).admitted).toBe(true);
  for (const s of [1, 2, 30, 59]) expect((await b.claim('inc-a', at(s))).admitted).toBe(true);
  expect((await b.claim('inc-b', at(60))).admitted).toBe(true);
  expect((await b.claim('inc-a', at(61))).admitted).toBe(true);
  expect((await b.claim('inc-c', at(62))).admitted).toBe(false);
});

test('under the cap every claim is admitted; a released place is free again', async () => {
  const b = await budget(2);
  const first = await b.claim('inc-a', at(0));
  expect(first.admitted).toBe(true);
  expect((await b.claim('inc-b', at(1))).admitted).toBe(true);
  expect((await b.claim('inc-c', at(2))).admitted).toBe(false);
  await first.release();
  expect((await b.claim('inc-c', at(3))).admitted).toBe(true);
});

test('the window slides: a claim is admitted again once the oldest left the window (W + one bucket at most)', async () => {
  const b = await budget(1, 600);
  expect((await b.claim('inc-a', at(0))).admitted).toBe(true);
  expect((await b.claim('inc-b', at(599))).admitted).toBe(false);
  expect((await b.claim('inc-b', at(660))).admitted).toBe(true);
});

test('no window of the configured length ever holds more admitted claims than the cap (attacker times a boundary)', async () => {
  const max = 3;
  const window = 600;
  const b = await budget(max, window);
  const admitted: number[] = [];
  // Claims for half an hour, bunched on both sides of every minute (bucket) and ten-minute (window) boundary.
  for (let s = 0; s < 1800; s += 30) {
    for (const jitter of [0, 29]) {
      const t = s + jitter;
      if ((await b.claim(`inc-${t}`, at(t))).admitted) admitted.push(t);
    }
  }
  expect(admitted.length).toBeGreaterThan(max);
  for (const start of admitted) {
    expect(admitted.filter((t) => t >= start && t < start + window).length).toBeLessThanOrEqual(max);
  }
});
