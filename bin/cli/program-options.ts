/** Options every command shares (`--output`/`--json`, `--prefix`), and how a command hands back its exit code. */
import type { Command } from 'commander';
import { DEFAULT_SECRET_PREFIX, ENV } from '../../lambdas/core/constants';
import type { CliDeps } from './deps';
import type { ExitCode } from './exit-codes';

export type CommandResult = ExitCode;

export function globalOptions(command: Command, deps: CliDeps): { json: boolean; prefix: string } {
  const opts = command.optsWithGlobals() as { json?: boolean; output?: string; prefix?: string };
  return {
    json: Boolean(opts.json) || opts.output === 'json',
    prefix: opts.prefix ?? deps.env[ENV.secretNamePrefix] ?? DEFAULT_SECRET_PREFIX,
  };
}
