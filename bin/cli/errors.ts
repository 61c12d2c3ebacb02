/** Turn whatever a command threw into one line that says what to do, and a stable exit code (exit-codes.ts). */
import { isThrottling } from '../../lambdas/aws/sdk-errors';
import { CliError, EXIT } from './exit-codes';

const CREDENTIAL_ERRORS = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);

/** AWS messages name principals and actions, never secret values; still keep them short and on one line. */
const brief = (message: string | undefined) => (message ?? '').replace(/\s+/g, ' ').slice(0, 300);

export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const e = (error ?? {}) as { name?: string; message?: string };
  const name = e.name ?? 'Error';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e.message ?? '')) {
    return new CliError(
      EXIT.noCredentials,
      'No AWS credentials found. Sign in (e.g. `aws sso login --profile <profile>`) and pass --profile <profile>, or set AWS_PROFILE / AWS_ACCESS_KEY_ID.',
      { cause: error },
    );
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return new CliError(
      EXIT.noCredentials,
      'No AWS region configured. Pass --region <region>, set AWS_REGION, or set a region in your AWS profile.',
      { cause: error },
    );
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return new CliError(
      EXIT.noCredentials,
      `Your AWS credentials are expired or invalid (${name}). Sign in again, e.g. \`aws sso login\`.`,
      {
        cause: error,
      },
    );
  }
  if (/AccessDenied/.test(name)) {
    return new CliError(
      EXIT.accessDenied,
      `Access denied: ${brief(e.message)}. Use a role allowed to read keyturn's secrets metadata (secretsmanager:ListSecrets, ` +
        'DescribeSecret, ListSecretVersionIds; RotateSecret for `rotate`; dynamodb:Query on the ledger for `history`).',
      { cause: error },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new CliError(
      EXIT.notFound,
      `Not found: ${brief(e.message)}. Check the key name, AWS_REGION and the account.`,
      { cause: error },
    );
  }
  if (isThrottling(error)) {
    return new CliError(
      EXIT.awsError,
      'AWS kept throttling the requests after several retries. Wait a minute and try again.',
      { cause: error },
    );
  }
  return new CliError(EXIT.awsError, `AWS call failed (${name}): ${brief(e.message)}`, { cause: error });
}
