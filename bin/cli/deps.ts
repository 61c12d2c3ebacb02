/**
 * What every `keyturn` command gets: AWS clients (built on first use, from the caller's credentials), output
 * streams, a clock and a sleep (injected by tests). Commands never touch process.* directly.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { realSleep, type Sleep } from '../../lambdas/core/retry';
import { SDK_RETRY_ENV } from '../../lambdas/core/constants';

/** The Lambdas' retry settings, unless the caller's AWS configuration sets its own (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS). */
const retry = () => ({
  retryMode: process.env.AWS_RETRY_MODE ?? SDK_RETRY_ENV.AWS_RETRY_MODE,
  maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? SDK_RETRY_ENV.AWS_MAX_ATTEMPTS),
});

export interface CliDeps {
  /** Secrets Manager client (region and credentials from the caller's AWS configuration). */
  secretsManager(): SecretsManagerClient;
  /** DynamoDB document client, for the ledger and the incident table. */
  dynamo(): DynamoDBDocumentClient;
  /** EventBridge client, for `keyturn leak`. */
  eventBridge(): EventBridgeClient;
  /** Standard output: results only (a table, or JSON with --json). */
  out(text: string): void;
  /** Standard error: progress and error messages. */
  err(text: string): void;
  now(): Date;
  sleep: Sleep;
  /** Environment variables (e.g. KEYTURN_LEDGER_TABLE, KEYTURN_SECRET_PREFIX). */
  env: Record<string, string | undefined>;
  /** The process's exit code when the command succeeded but has something to say (bin/cli/exit-codes.ts). */
  setExitCode(code: number): void;
  /**
   * Ask on the terminal; true when the answer is `expected`. Absent where there is no terminal (a pipe, CI):
   * commands that need a confirmation then require --yes.
   */
  confirm?(question: string, expected: string): Promise<boolean>;
}

/** Ask on the controlling terminal (stdin and stderr both TTYs), else undefined. */
function terminalConfirm(): CliDeps['confirm'] {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question, expected) => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return (await rl.question(question)).trim() === expected;
    } finally {
      rl.close();
    }
  };
}

/** The real dependencies: one client per service, created lazily so `--help` needs no AWS configuration. */
export function defaultDeps(): CliDeps {
  let secrets: SecretsManagerClient | undefined;
  let dynamo: DynamoDBDocumentClient | undefined;
  let eventBridge: EventBridgeClient | undefined;
  return {
    secretsManager: () => (secrets ??= new SecretsManagerClient(retry())),
    dynamo: () => (dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient(retry()))),
    eventBridge: () => (eventBridge ??= new EventBridgeClient(retry())),
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    now: () => new Date(),
    sleep: realSleep,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    ...(terminalConfirm() ? { confirm: terminalConfirm() } : {}),
  };
}
