/** What an SDK error says about retrying: one list of the names AWS services use for throttling and transient faults. */

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

const TRANSIENT = new Set([
  ...THROTTLING,
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'TimeoutError',
  'ConcurrentModification',
  'ConcurrentModificationException',
]);

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'NonError';
}

/** Still throttled after the SDK's own retries (adaptive mode, lambdas/core/constants.ts SDK_RETRY_ENV). */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return Boolean(e && (THROTTLING.has(e.name ?? '') || e.$retryable?.throttling));
}

export function isTransientAwsError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return TRANSIENT.has(errorName(error)) || (status !== undefined && status >= 500);
}
