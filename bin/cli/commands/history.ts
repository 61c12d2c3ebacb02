/** `keyturn history <key>`: the ledger for one key, newest first (rotations, retirements, revocations, incidents, audits). */
import type { Command } from 'commander';
import { DynamoLedger } from '../../../lambdas/aws/ledger';
import { ENV } from '../../../lambdas/core/constants';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../../../lambdas/core/ledger';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { renderTable } from '../output';
import { globalOptions } from '../program-options';
import { resolveKey } from '../resolve-key';
import { historyJson } from '../schemas';

export async function history(
  deps: CliDeps,
  ref: string,
  options: { json: boolean; prefix: string; table?: string; limit: number },
): Promise<number> {
  const table = options.table ?? deps.env[ENV.ledgerTable];
  if (!table) {
    throw new CliError(
      EXIT.usage,
      `No ledger table given: pass --table <name> or set ${ENV.ledgerTable}. The stack's output LedgerTableName holds it: ` +
        'aws cloudformation describe-stacks --stack-name Keyturn --query "Stacks[0].Outputs"',
    );
  }
  const { keyName, environment } = await resolveKey(deps.secretsManager(), options.prefix, ref);
  let entries;
  try {
    entries = await new DynamoLedger(deps.dynamo(), table).history(keyName, environment, options.limit);
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') {
      throw new CliError(
        EXIT.notFound,
        `No ledger table "${table.slice(0, 255)}" in this account and region: check --table and AWS_REGION.`,
        { cause: error },
      );
    }
    throw error;
  }
  const output = historyJson.parse({
    key: keyName,
    environment,
    entries: entries.map((e) => ({
      at: e.at,
      kind: e.kind,
      outcome: e.outcome,
      versionId: e.versionId ?? null,
      detail: e.detail ?? null,
    })),
  });
  if (options.json) {
    deps.out(JSON.stringify(output, null, 2));
    return EXIT.ok;
  }
  if (!entries.length) {
    deps.out(`${environment}/${keyName}: no ledger entries yet.`);
    return EXIT.ok;
  }
  deps.out(
    renderTable(
      ['AT', 'KIND', 'OUTCOME', 'VERSION', 'DETAIL'],
      output.entries.map((e) => [
        e.at,
        e.kind,
        e.outcome,
        e.versionId ?? '-',
        (e.detail ?? '').slice(0, 120),
      ]),
    ),
  );
  return EXIT.ok;
}

const limitOf = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HISTORY_LIMIT)
    throw new CliError(EXIT.usage, `--limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}`);
  return n;
};

export function register(program: Command, deps: CliDeps): void {
  program
    .command('history')
    .description('The rotation ledger of one key, newest first')
    .argument('<key>', 'key name, or <environment>/<name>')
    .option('--table <name>', `ledger table name (default: $${ENV.ledgerTable})`)
    .option('--limit <n>', 'at most this many entries', limitOf, DEFAULT_HISTORY_LIMIT)
    .action(async (ref: string, opts: { table?: string; limit: number }, command: Command) => {
      const global = globalOptions(command, deps);
      deps.setExitCode(await history(deps, ref, { ...global, table: opts.table, limit: opts.limit }));
    });
}
