/**
 * `keyturn rotate <key>`: start a rotation now (RotateSecret) and follow it (DescribeSecret) until the new version
 * is AWSCURRENT, the service drops it (abandoned), or --timeout passes; progress goes to stderr.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { SecretInventory } from '../../../lambdas/aws/secret-inventory';
import { STAGE } from '../../../lambdas/core/constants';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { globalOptions } from '../program-options';
import { resolveKey } from '../resolve-key';
import { rotateJson } from '../schemas';

export interface RotateOptions {
  json: boolean;
  prefix: string;
  timeoutSeconds: number;
  intervalSeconds: number;
}

export async function rotate(deps: CliDeps, ref: string, options: RotateOptions): Promise<number> {
  const client = deps.secretsManager();
  const { keyName, environment, secret } = await resolveKey(client, options.prefix, ref);
  const key = `${environment}/${keyName}`;
  const inventory = new SecretInventory(client, { secretPrefix: options.prefix });
  const started = deps.now().getTime();
  const elapsed = () => Math.round((deps.now().getTime() - started) / 1000);

  let versionId: string;
  try {
    versionId = await inventory.startRotation(secret.arn, randomUUID());
  } catch (error) {
    if (
      (error as Error)?.name === 'InvalidRequestException' &&
      /previous rotation/i.test((error as Error).message)
    ) {
      throw new CliError(
        EXIT.failed,
        `${key}: a previous rotation is not complete and blocks this one. \`keyturn status\` shows the stuck version and how to clear it.`,
        { cause: error },
      );
    }
    throw error;
  }
  deps.err(`${key}: rotation started, new version ${versionId}`);

  let outcome: 'rotated' | 'abandoned' | 'timeout' = 'timeout';
  for (;;) {
    const description = await inventory.describe(secret.arn);
    const labels = Object.hasOwn(description.versions, versionId)
      ? description.versions[versionId]
      : undefined;
    if (labels?.includes(STAGE.current)) {
      outcome = 'rotated';
      break;
    }
    if (!labels || labels.length === 0) {
      outcome = 'abandoned';
      break;
    }
    if (elapsed() >= options.timeoutSeconds) break;
    deps.err(`${key}: waiting (${elapsed()} s): version ${versionId} is ${labels.join(', ')}`);
    await deps.sleep(options.intervalSeconds * 1000);
  }

  const result = rotateJson.parse({
    key,
    secretArn: secret.arn,
    versionId,
    outcome,
    elapsedSeconds: elapsed(),
  });
  if (options.json) deps.out(JSON.stringify(result, null, 2));
  if (outcome === 'rotated') {
    if (!options.json)
      deps.out(
        `${key}: rotated; version ${versionId} is AWSCURRENT (${result.elapsedSeconds} s). The old key retires after the overlap.`,
      );
    return EXIT.ok;
  }
  const advice =
    outcome === 'abandoned'
      ? `${key}: the rotation was abandoned (version ${versionId} lost its label). Read the rotate function's log for ${versionId}.`
      : `${key}: still not finished after ${options.timeoutSeconds} s. Secrets Manager keeps retrying inside the rotation window; ` +
        `read the rotate function's log for ${versionId} and check \`keyturn status\`.`;
  deps.err(advice);
  return outcome === 'abandoned' ? EXIT.failed : EXIT.timeout;
}

const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 86_400)
    throw new CliError(EXIT.usage, `${what} must be a whole number of seconds (1-86400)`);
  return n;
};

export function register(program: Command, deps: CliDeps): void {
  program
    .command('rotate')
    .description(
      'Rotate a key now and follow the rotation to the end (exit 0 rotated, 1 abandoned/blocked, 7 timeout)',
    )
    .argument('<key>', 'key name, or <environment>/<name>')
    .option('--timeout <seconds>', 'stop following after this long', positive('--timeout'), 600)
    .option('--interval <seconds>', 'seconds between progress checks', positive('--interval'), 5)
    .action(async (ref: string, opts: { timeout: number; interval: number }, command: Command) => {
      const global = globalOptions(command, deps);
      deps.setExitCode(
        await rotate(deps, ref, { ...global, timeoutSeconds: opts.timeout, intervalSeconds: opts.interval }),
      );
    });
}
