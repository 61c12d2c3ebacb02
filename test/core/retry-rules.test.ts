/**
 * Rules of the provider backoff (lambdas/core/retry.ts) that test/mutation/schedule-and-retry-rules.test.ts does not
 * pin: the n-th wait uses the n-th ceiling (the first wait is below the base delay, not twice it), and the real sleep
 * waits the full delay before it resolves.
 */
import { realSleep, retryUntil } from '../../lambdas/core/retry';

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

test('rule: the waits between attempts climb from the base delay: the first below it, each ceiling doubled, capped', async () => {
  jest.spyOn(Math, 'random').mockReturnValue(0.999999);
  const sleeps: number[] = [];
  await retryUntil(
    { attempts: 5, baseDelayMs: 100, maxDelayMs: 350 },
    async () => 'pending',
    () => false,
    async (ms) => void sleeps.push(ms),
  );
  expect(sleeps).toEqual([99, 199, 349, 349]);
});

test('rule: the real sleep resolves only once its delay has passed', async () => {
  jest.useFakeTimers();
  let done = false;
  const sleeping = realSleep(1000).then(() => (done = true));
  await jest.advanceTimersByTimeAsync(999);
  expect(done).toBe(false);
  await jest.advanceTimersByTimeAsync(1);
  await sleeping;
  expect(done).toBe(true);
});
