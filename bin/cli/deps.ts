/**
 * What every `keyturn` command gets: AWS clients (built on first use, from the caller's credentials), output
 * streams, a clock and a sleep (injected by tests). Commands never touch process.* directly.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
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
  /** Step Functions client, for `keyturn leak approve|deny` (SendTaskSuccess / SendTaskFailure). */
  stepFunctions(): SFNClient;
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
  /** Whether stdout may carry colour (a TTY, no NO_COLOR, TERM not dumb). */
  color?: boolean;
  /** Called with `--profile` / `--region` before any command runs: the clients are then built with them. */
  configureAws?(options: AwsOptions): void;
  /**
   * Ask on the terminal; true when the answer is `expected`. Absent where there is no terminal (a pipe, CI):
   * commands that need a confirmation then require --yes.
   */
  confirm?(question: string, expected: string): Promise<boolean>;
}

/** `--profile` and `--region`, which win over AWS_PROFILE / AWS_REGION and the profile's region. */
export interface AwsOptions {
  profile?: string;
  region?: string;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function colorAllowed(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return Boolean(isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** Client configuration from the options: only what was given, so the SDK's own resolution fills the rest. */
export function clientConfig(options: AwsOptions): { profile?: string; region?: string } {
  return {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
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
  let stepFunctions: SFNClient | undefined;
  let aws: AwsOptions = {};
  return {
    secretsManager: () => (secrets ??= new SecretsManagerClient({ ...retry(), ...clientConfig(aws) })),
    dynamo: () =>
      (dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ ...retry(), ...clientConfig(aws) }))),
    eventBridge: () => (eventBridge ??= new EventBridgeClient({ ...retry(), ...clientConfig(aws) })),
    stepFunctions: () => (stepFunctions ??= new SFNClient({ ...retry(), ...clientConfig(aws) })),
    configureAws: (options) => {
      aws = options;
    },
    color: colorAllowed(process.stdout.isTTY, process.env),
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
