/** Run the `keyturn` CLI in-process against the Secrets Manager fake, with captured output and a fake clock. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CliDeps } from '../../bin/cli/deps';
import { run } from '../../bin/cli/program';
import { NOW } from '../audit/fixtures';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  /** Called on every sleep with the ms asked for, after the clock advanced: lets a test move the world on. */
  onSleep?: (ms: number) => void;
  dynamo?: () => DynamoDBDocumentClient;
  env?: Record<string, string | undefined>;
  /** Extra or replaced dependencies (colour, configureAws). */
  deps?: Partial<CliDeps>;
  /** A terminal's answer to a confirmation (absent: no terminal). */
  confirm?: (question: string, expected: string) => Promise<boolean>;
}

export async function keyturn(argv: string[], harness: Harness = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  let clock = NOW.getTime();
  const deps: CliDeps = {
    secretsManager: () =>
      new SecretsManagerClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    dynamo:
      harness.dynamo ??
      (() => {
        throw new Error('this test has no ledger');
      }),
    eventBridge: () =>
      new EventBridgeClient({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    stepFunctions: () =>
      new SFNClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
      harness.onSleep?.(ms);
    },
    env: harness.env ?? {},
    setExitCode: () => undefined,
    ...harness.deps,
    ...(harness.confirm ? { confirm: harness.confirm } : {}),
  };
  const code = await run(argv, deps);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
