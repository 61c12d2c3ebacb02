/** Turn an SDK error from a provider call into a ProviderError that says whether a retry may help. */
import { ProviderError } from '../core/errors';
import { errorName, isTransientAwsError } from '../aws/sdk-errors';

export { errorName, isTransientAwsError };

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
