/** `keyturn incident <id>`: one recorded leak incident: what happened, what keyturn did and when, what is left. */
import type { Command } from 'commander';
import { DynamoIncidentStore } from '../../../lambdas/aws/incident-store';
import { LEAK_ENV } from '../../../lambdas/core/constants';
import { describeAudit } from '../../../lambdas/core/leak/audit-summary';
import type { IncidentRecord } from '../../../lambdas/core/leak/ports';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { renderTable } from '../output';
import { globalOptions } from '../program-options';
import { incidentJson } from '../schemas';

export const INCIDENT_ID = /^inc-[0-9TZ]{15}-[A-Za-z0-9]{1,12}$/;

export async function incident(
  deps: CliDeps,
  id: string,
  options: { json: boolean; table?: string },
): Promise<number> {
  if (!INCIDENT_ID.test(id))
    throw new CliError(
      EXIT.usage,
      'An incident id looks like inc-20261123T095900-3f2a9c1b7d4e (it is in the page on-call received).',
    );
  const table = options.table ?? deps.env[LEAK_ENV.incidentTable];
  if (!table) {
    throw new CliError(
      EXIT.usage,
      `No incident table given: pass --table <name> or set ${LEAK_ENV.incidentTable} (the stack's output IncidentTableName holds it).`,
    );
  }
  let record: IncidentRecord | undefined;
  try {
    record = await new DynamoIncidentStore(deps.dynamo(), table).get(id);
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') {
      throw new CliError(
        EXIT.notFound,
        `No incident table "${table.slice(0, 255)}" in this account and region: check --table and AWS_REGION.`,
        { cause: error },
      );
    }
    throw error;
  }
  if (!record) throw new CliError(EXIT.notFound, `No incident ${id} in ${table.slice(0, 255)}.`);
  // The waiting task's token is a capability (it answers the approval): never printed.
  const shown: Partial<IncidentRecord> = { ...record };
  delete shown.approvalToken;
  const output = incidentJson.parse(shown);
  if (options.json) {
    deps.out(JSON.stringify(output, null, 2));
    return EXIT.ok;
  }
  deps.out(
    [
      `Incident ${record.id}: ${record.status.toUpperCase()} (${record.severity})`,
      `Key: ${record.key}${record.unmanaged ? ' (not managed by keyturn)' : ''}${record.owner ? `, owner ${record.owner}` : ''}`,
      `Found: ${record.where}; reported by ${record.reportedBy}; detected ${record.detectedAt}; exposed ${record.exposedAt ?? 'unknown'}; signals ${record.signals}`,
      `Revoked: ${record.revoked ? 'yes' : 'no'}; replacement: ${record.rotation}${record.newVersion ? ` (${record.newVersion})` : ''}; verified refused: ${record.verified ?? 'not yet'}; second check: ${record.secondCheck ?? 'pending'}`,
      `Impact: ${record.impact}`,
      ...(record.approval
        ? [
            `Approval (blast-radius cap): ${record.approval.status}${record.approval.by ? ` by ${record.approval.by} (claimed)` : ''}${record.approval.status === 'waiting' ? `: keyturn leak approve|deny ${record.id}` : ''}`,
          ]
        : []),
      '',
      renderTable(
        ['AT', 'ACTION', 'OUTCOME', 'DETAIL'],
        record.actions.map((a) => [a.at, a.action, a.outcome, (a.detail ?? '').slice(0, 100)]),
      ),
      '',
      describeAudit(record.audit),
    ].join('\n'),
  );
  return EXIT.ok;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('incident')
    .description('Show a recorded leak incident: timeline, audit of the exposure window, impact')
    .argument('<id>', 'incident id, e.g. inc-20261123T095900-3f2a9c1b7d4e')
    .option('--table <name>', `incident table name (default: $${LEAK_ENV.incidentTable})`)
    .action(async (id: string, opts: { table?: string }, command: Command) => {
      deps.setExitCode(
        await incident(deps, id, { json: globalOptions(command, deps).json, table: opts.table }),
      );
    });
}
