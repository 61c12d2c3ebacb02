/**
 * The `keyturn` program: global options, one module per command (each exports `register(program, deps)`), and
 * one place that turns errors into a message and an exit code. `run` never calls process.exit (tests call it).
 */
import { Command, CommanderError, Option } from 'commander';
import type { CliDeps } from './deps';
import { toCliError } from './errors';
import { CliError, EXIT } from './exit-codes';
import { errorJson } from './schemas';
import { packageVersion } from './version';
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

/** Examples shown at the end of each command's `--help` (every command has some: a test checks it). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  keyturn: [
    'keyturn status --profile oncall --region eu-west-1',
    'keyturn rotate prod/billing-api',
    "keyturn --output json status | jq '.summary'",
  ],
  status: ['keyturn status', 'keyturn status --env prod --output json', 'keyturn status --prefix team-a/'],
  rotate: ['keyturn rotate prod/billing-api', 'keyturn rotate billing-api --timeout 900 --output json'],
  history: [
    'keyturn history prod/billing-api --table <LedgerTableName output>',
    'KEYTURN_LEDGER_TABLE=<table> keyturn history billing-api --limit 10',
  ],
  leak: [
    'keyturn leak prod/billing-api --where https://github.com/acme/app/commit/1a2b3c',
    'keyturn leak ci-deployer --where "pastebin" --exposed-at 2026-11-23T08:00:00Z --key-id AKIA...',
  ],
  incident: [
    'keyturn incident inc-20261123T095900-3f2a9c1b7d4e --table <IncidentTableName output>',
    'keyturn --output json incident <id>',
  ],
};

const examples = (name: string) =>
  `\nExamples:\n${(EXAMPLES[name] ?? []).map((line) => `  $ ${line}`).join('\n')}\n`;

export function createProgram(deps: CliDeps): Command {
  const program = new Command('keyturn')
    .description(
      'keyturn on-call CLI: key inventory, rotation, history, leaks and incidents (uses your AWS credentials and region)',
    )
    .version(packageVersion(), '-v, --version', 'print the keyturn version')
    .option(
      '--profile <name>',
      'AWS profile to use (default: $AWS_PROFILE, else the default credential chain)',
    )
    .option(
      '--region <region>',
      "AWS region of the keyturn stack (default: $AWS_REGION or the profile's region)",
    )
    .addOption(
      new Option(
        '--output <format>',
        'table for people, json for scripts (stdout holds only JSON, errors too)',
      )
        .choices(['table', 'json'])
        .default('table'),
    )
    .option('--json', 'the same as --output json')
    .option(
      '--prefix <prefix>',
      'prefix of managed secret names (default: $KEYTURN_SECRET_PREFIX or keyturn/)',
    )
    .showHelpAfterError('(run `keyturn --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => deps.out(text), writeErr: (text) => deps.err(text) })
    .hook('preAction', () => {
      const { profile, region } = program.opts<{ profile?: string; region?: string }>();
      deps.configureAws?.({ profile, region });
    });
  program.addHelpText('after', examples('keyturn'));
  for (const command of COMMANDS) command.register(program, deps);
  for (const command of program.commands)
    command.exitOverride().addHelpText('after', examples(command.name()));
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
    const opts = program.opts<{ json?: boolean; output?: string }>();
    report(ctx, failure, Boolean(opts.json) || opts.output === 'json');
    return failure.code;
  }
}

function report(deps: CliDeps, failure: CliError, json: boolean): void {
  deps.err(`keyturn: ${failure.message}`);
  if (json)
    deps.out(JSON.stringify(errorJson.parse({ error: { code: failure.code, message: failure.message } })));
}
