/**
 * Rules of finishSecret's hand-off to the retirement schedule (lambdas/core/schedule-retirement.ts) and of the
 * backoff every provider check uses (lambdas/core/retry.ts), on the pure core.
 */
import { BOOTSTRAP_SECRET_VALUE, TAGS } from '../../lambdas/core/constants';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import { backoffDelay, retryUntil } from '../../lambdas/core/retry';
import {
  retirementSchedule,
  scheduleRetirement,
  type OneTimeSchedule,
  type ScheduleOutcome,
} from '../../lambdas/core/schedule-retirement';
import { ARN, MemoryStore, NAME, policyTags, storedKey } from './core-world';

const OLD = 'v-old-0000000000000000000000000001';
const NEW = 'v-new-0000000000000000000000000002';
const PROMOTED = new Date('2026-12-01T10:00:00.000Z');
const TARGET = {
  groupName: 'keyturn',
  retireFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:retire',
  schedulerRoleArn: 'arn:aws:iam::111122223333:role/scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:111122223333:retire-dlq',
};

function ctx(tags = policyTags()): KeyContext {
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(outcome.reason);
  return { secretId: ARN, secretName: NAME, token: NEW, policy: outcome.policy };
}

function world(answer: 'created' | 'already-exists' = 'created') {
  const store = new MemoryStore();
  const created: OneTimeSchedule[] = [];
  const told: Array<[ScheduleOutcome, string]> = [];
  const after = scheduleRetirement({
    store,
    target: TARGET,
    now: () => PROMOTED,
    scheduler: {
      createOnce: async (schedule) => {
        created.push(schedule);
        return answer;
      },
    },
    onScheduled: (outcome, _ctx, previous) => told.push([outcome, previous]),
  });
  return { store, created, told, after };
}

describe('rule: the old key is scheduled for retirement once, and only when it holds a key', () => {
  test('a previous version holding a key is scheduled at promotion + overlap, targeting the retire function with its DLQ', async () => {
    const w = world();
    w.store.addVersion(OLD, ['AWSPREVIOUS'], storedKey('id-old'));
    await expect(w.after(ctx(), OLD)).resolves.toBe('scheduled');
    expect(w.created).toHaveLength(1);
    expect(w.created[0]).toMatchObject({
      groupName: 'keyturn',
      expression: 'at(2026-12-02T10:00:00)',
      targetArn: TARGET.retireFunctionArn,
      roleArn: TARGET.schedulerRoleArn,
      deadLetterQueueArn: TARGET.deadLetterQueueArn,
      description: `keyturn: retire version ${OLD} of billing-api (prod)`,
    });
    expect(JSON.parse(w.created[0].input)).toEqual({ secretId: ARN, versionId: OLD });
    expect(w.told).toEqual([['scheduled', OLD]]);
  });

  test('a retried finishSecret meets the existing schedule and says already-scheduled', async () => {
    const w = world('already-exists');
    w.store.addVersion(OLD, ['AWSPREVIOUS'], storedKey('id-old'));
    await expect(w.after(ctx(), OLD)).resolves.toBe('already-scheduled');
    expect(w.told).toEqual([['already-scheduled', OLD]]);
  });

  test('the bootstrap placeholder is not scheduled: nothing to retire', async () => {
    const w = world();
    w.store.addVersion(OLD, ['AWSPREVIOUS'], BOOTSTRAP_SECRET_VALUE);
    await expect(w.after(ctx(), OLD)).resolves.toBe('nothing-to-retire');
    expect(w.created).toEqual([]);
    expect(w.told).toEqual([['nothing-to-retire', OLD]]);
  });

  test('a value-less previous version is not scheduled', async () => {
    const w = world();
    w.store.addVersion(OLD, ['AWSPREVIOUS']);
    await expect(w.after(ctx(), OLD)).resolves.toBe('nothing-to-retire');
    expect(w.created).toEqual([]);
  });

  test('a value that does not parse is still scheduled, so the retire function raises the alarm', async () => {
    const w = world();
    w.store.addVersion(OLD, ['AWSPREVIOUS'], 'not json');
    await expect(w.after(ctx(), OLD)).resolves.toBe('scheduled');
  });

  test('no previous version: nothing scheduled, nobody told', async () => {
    const w = world();
    await expect(w.after(ctx(), undefined)).resolves.toBe('nothing-to-retire');
    expect(w.created).toEqual([]);
    expect(w.told).toEqual([]);
  });

  test('the description fits the scheduler limit of 512 characters', () => {
    const long = ctx(policyTags({ [TAGS.keyName]: 'k'.repeat(600) }));
    expect(retirementSchedule(TARGET, long, OLD, PROMOTED).description).toHaveLength(512);
  });
});

describe('rule: provider checks back off exponentially with full jitter, capped, and stop on success', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 350 };

  test('the ceiling doubles per attempt up to the cap; the delay is random below it, in whole milliseconds', () => {
    const almostOne = () => 0.999999;
    expect([0, 1, 2, 3].map((a) => backoffDelay(policy, a, almostOne))).toEqual([99, 199, 349, 349]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(100);
  });

  test('success at the first attempt: one call, no wait', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await retryUntil(
      policy,
      async () => ++calls,
      () => true,
      async (ms) => {
        sleeps.push(ms);
      },
    );
    expect([result, calls, sleeps.length]).toEqual([1, 1, 0]);
  });

  test('never done: exactly `attempts` calls with a wait between each, returning the last result', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await retryUntil(
      policy,
      async () => ++calls,
      () => false,
      async (ms) => {
        sleeps.push(ms);
      },
    );
    expect([result, calls, sleeps.length]).toEqual([4, 4, 3]);
    expect(sleeps.every((ms) => ms >= 0 && ms < 350)).toBe(true);
  });

  test('done at the third attempt: three calls, two waits', async () => {
    let calls = 0;
    let waits = 0;
    await retryUntil(
      policy,
      async () => ++calls,
      (n) => n === 3,
      async () => {
        waits += 1;
      },
    );
    expect([calls, waits]).toEqual([3, 2]);
  });

  test('an attempt that throws ends the loop with that error', async () => {
    let calls = 0;
    await expect(
      retryUntil(
        policy,
        async () => {
          calls += 1;
          throw new Error('boom');
        },
        () => false,
        async () => undefined,
      ),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});
