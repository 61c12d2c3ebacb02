/** Capped exponential backoff with full jitter, for eventual consistency at providers. */
export interface RetryPolicy {
  /** Total attempts, first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Call `attempt` until `done(result)` or the attempts run out; returns the last result.
 * Errors are not caught here: a thrown error ends the loop.
 */
export async function retryUntil<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  done: (result: T) => boolean,
  sleep: Sleep = realSleep,
): Promise<T> {
  let result = await attempt();
  for (let i = 1; i < policy.attempts && !done(result); i++) {
    await sleep(backoffDelay(policy, i - 1));
    result = await attempt();
  }
  return result;
}
