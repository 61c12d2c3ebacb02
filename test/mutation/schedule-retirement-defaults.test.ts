/**
 * finishSecret's hand-off without the optional wiring (lambdas/core/schedule-retirement.ts): with no clock given
 * the retirement is scheduled from the real time of the promotion, and with no listener nothing fails for want of
 * one: the schedule is still created.
 */
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import { scheduleRetirement, type OneTimeSchedule } from '../../lambdas/core/schedule-retirement';
import { ARN, MemoryStore, NAME, policyTags, storedKey } from './core-world';

const OLD = 'v-old-0000000000000000000000000001';
const TARGET = {
  groupName: 'keyturn',
  retireFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:retire',
  schedulerRoleArn: 'arn:aws:iam::111122223333:role/scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:111122223333:retire-dlq',
};

function ctx(): KeyContext {
  const outcome = readKeyPolicy(policyTags());
  if (!outcome.ok) throw new Error(outcome.reason);
  return { secretId: ARN, secretName: NAME, token: 'v-new', policy: outcome.policy };
}

test('rule: without a clock or a listener the old key is still scheduled, from the real time of promotion', async () => {
  const store = new MemoryStore();
  store.addVersion(OLD, ['AWSPREVIOUS'], storedKey('id-old'));
  const created: OneTimeSchedule[] = [];
  const after = scheduleRetirement({
    store,
    target: TARGET,
    scheduler: { createOnce: async (schedule) => (created.push(schedule), 'created') },
  });
  const before = Date.now();
  await expect(after(ctx(), OLD)).resolves.toBe('scheduled');
  const at = Date.parse(`${/^at\((.+)\)$/.exec(created[0].expression)![1]}Z`);
  const overlap = ctx().policy.overlapHours * 3_600_000;
  expect(at).toBeGreaterThanOrEqual(before + overlap - 1000);
  expect(at).toBeLessThanOrEqual(Date.now() + overlap + 1000);
});
