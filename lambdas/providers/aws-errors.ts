/** Turn an SDK error from a provider call into a ProviderError that says whether a retry may help. */
import { ProviderError } from '../core/errors';

const TRANSIENT = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
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

export function isTransientAwsError(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return TRANSIENT.has(errorName(error)) || (status !== undefined && status >= 500);
}

/** The message names the action and the SDK error's name only: SDK messages are kept as `cause`. */
export function providerFailure(provider: string, action: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const retryable = isTransientAwsError(error);
  return new ProviderError(
    provider,
    `${action} failed (${errorName(error)})${retryable ? ', retry later' : ''}`,
    retryable,
    {
      cause: error,
    },
  );
}
