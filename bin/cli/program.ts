/**
 * The `keyturn` program: global options, one module per command (each exports `register(program, deps)`), and
 * one place that turns errors into a message and an exit code. `run` never calls process.exit (tests call it).
 */
import { Command, CommanderError } from 'commander';
import type { CliDeps } from './deps';
import { toCliError } from './errors';
import { CliError, EXIT } from './exit-codes';
import { errorJson } from './schemas';
import * as history from './commands/history';
import * as incident from './commands/incident';
import * as leak from './commands/leak';
import * as rotate from './commands/rotate';
import * as status from './commands/status';

/** Every command module. Add a command: create bin/cli/commands/<name>.ts exporting `register`, list it here. */
export const COMMANDS: ReadonlyArray<{ register(program: Command, deps: CliDeps): void }> = [
  status,
  rotate,
  history,
  leak,
  incident,
];

export function createProgram(deps: CliDeps): Command {
  const program = new Command('keyturn')
    .description(
      'keyturn on-call CLI: key inventory, rotation, history, leaks and incidents (uses your AWS credentials and region)',
    )
    .option('--json', 'machine-readable output on stdout (errors too)')
    .option(
      '--prefix <prefix>',
      'prefix of managed secret names (default: $KEYTURN_SECRET_PREFIX or keyturn/)',
    )
    .showHelpAfterError('(run `keyturn --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.out(text), writeErr: (text) => deps.err(text) });
  for (const command of COMMANDS) command.register(program, deps);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: string[], deps: CliDeps): Promise<number> {
  let code: number = EXIT.ok;
  const ctx: CliDeps = { ...deps, setExitCode: (c) => (code = c) };
  const program = createProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const failure = toCliError(error);
    report(ctx, failure, Boolean(program.opts().json));
    return failure.code;
  }
}

function report(deps: CliDeps, failure: CliError, json: boolean): void {
  deps.err(`keyturn: ${failure.message}`);
  if (json)
    deps.out(JSON.stringify(errorJson.parse({ error: { code: failure.code, message: failure.message } })));
}
