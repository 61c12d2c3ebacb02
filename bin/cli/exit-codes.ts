/** Exit codes of `keyturn`, stable for scripts (documented in docs/operations.md). */
export const EXIT = {
  /** Done; for `status`: no critical finding. */
  ok: 0,
  /** `status` found critical findings; `rotate` ended in a failed or abandoned rotation. */
  failed: 1,
  /** Wrong usage: unknown option, missing argument, missing ledger table name. */
  usage: 2,
  /** No AWS credentials, or expired / invalid ones. */
  noCredentials: 3,
  /** The credentials lack a permission keyturn needs. */
  accessDenied: 4,
  /** No managed key (or ledger table) by that name. */
  notFound: 5,
  /** AWS kept failing (throttling, 5xx) after retries, or another AWS error. */
  awsError: 6,
  /** `rotate --timeout` passed before the rotation ended. */
  timeout: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI prints as is (one line saying what to do) and exits with `code`. */
export class CliError extends Error {
  readonly name = 'CliError';
  constructor(
    readonly code: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
