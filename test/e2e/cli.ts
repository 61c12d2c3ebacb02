/** The `keyturn` CLI run in-process against the emulator world, with real clients, clock and (short) sleeps. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { CliDeps } from '../../bin/cli/deps';
import { run } from '../../bin/cli/program';
import { MOTO_REGION } from '../helpers/moto-server';
import type { World } from './world';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function keyturnAgainst(world: World, argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const config = { endpoint: world.proxy.url, region: MOTO_REGION };
  const secrets = new SecretsManagerClient(config);
  const events = new EventBridgeClient(config);
  const stepFunctions = new SFNClient(config);
  const deps: CliDeps = {
    secretsManager: () => secrets,
    dynamo: () => world.dynamo,
    eventBridge: () => events,
    stepFunctions: () => stepFunctions,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => new Date(),
    // `keyturn rotate` polls every few seconds; the emulated service finishes in milliseconds.
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
    env: world.env.cli,
    // run() installs its own and returns the code.
    setExitCode: () => undefined,
  };
  try {
    const code = await run(argv, deps);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    secrets.destroy();
    events.destroy();
    stepFunctions.destroy();
  }
}
