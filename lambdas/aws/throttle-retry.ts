/**
 * Our own bounded retry for throttling, on top of the SDK's: a sweep over 1,000 secrets at ListSecrets' 100
 * requests/s quota (or a CLI user sharing it) must slow down and finish, not fail on the first 429.
 */
import { backoffDelay, realSleep, type RetryPolicy, type Sleep } from '../core/retry';

export const THROTTLE_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5_000 };

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'Throttling',
]);

export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return Boolean(e && (THROTTLING.has(e.name ?? '') || e.$retryable?.throttling));
}

/** Call `fn`; on throttling wait (capped exponential backoff, full jitter) and try again, at most `policy.attempts` times. */
export async function withThrottleRetry<T>(
  fn: () => Promise<T>,
  sleep: Sleep = realSleep,
  policy: RetryPolicy = THROTTLE_RETRY,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isThrottling(error) || attempt + 1 >= policy.attempts) throw error;
      await sleep(backoffDelay(policy, attempt));
    }
  }
}
