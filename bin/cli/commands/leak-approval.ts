/**
 * `keyturn leak approve <incident-id>` and `keyturn leak deny <incident-id> --reason <text>`: answer a leak response
 * that the blast-radius cap holds for a human. The task token is read from the incident record (never typed, never
 * printed) and sent back with SendTaskSuccess (the response revokes, replaces and goes on) or SendTaskFailure with
 * the error KeyturnLeakDenied (nothing is revoked; the incident is recorded as denied). Shows what will happen and
 * asks for the incident id on a terminal (`--yes` for automation). The caller needs dynamodb:GetItem on the incident
 * table and states:SendTaskSuccess / states:SendTaskFailure on the leak state machine
 * (KeyturnLeakResponse.grantApprove).
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { DynamoIncidentStore } from '../../../lambdas/aws/incident-store';
import { LEAK_DENIED_ERROR, LEAK_ENV } from '../../../lambdas/core/constants';
import type { IncidentRecord } from '../../../lambdas/core/leak/ports';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { globalOptions } from '../program-options';
import { INCIDENT_ID } from './incident';

export interface ApprovalOptions {
  json: boolean;
  table?: string;
  by?: string;
  reason?: string;
  yes: boolean;
}

type Answer = 'approve' | 'deny';

async function heldIncident(deps: CliDeps, id: string, table: string | undefined) {
  if (!INCIDENT_ID.test(id))
    throw new CliError(
      EXIT.usage,
      'An incident id looks like inc-20261123T095900-3f2a9c1b7d4e (it is in the "held for approval" page).',
    );
  const name = table ?? deps.env[LEAK_ENV.incidentTable];
  if (!name)
    throw new CliError(
      EXIT.usage,
      `No incident table given: pass --table <name> or set ${LEAK_ENV.incidentTable} (the stack's output IncidentTableName holds it).`,
    );
  const record = await new DynamoIncidentStore(deps.dynamo(), name).get(id);
  if (!record) throw new CliError(EXIT.notFound, `No incident ${id} in ${name.slice(0, 255)}.`);
  if (record.approval?.status !== 'waiting' || !record.approvalToken)
    throw new CliError(
      EXIT.usage,
      `Incident ${id} is not waiting for approval (${record.approval ? `approval ${record.approval.status}` : 'it was never held'}): nothing was sent. See keyturn incident ${id}.`,
    );
  return record as IncidentRecord & { approvalToken: string };
}

function planOf(record: IncidentRecord, answer: Answer): string[] {
  return [
    `Incident: ${record.id} (held by the blast-radius cap)`,
    `Key: ${record.key}${record.policy ? ` (policy ${record.policy})` : ''}`,
    `Found: ${record.where}; reported by ${record.reportedBy}`,
    answer === 'approve'
      ? record.policy === 'rotate-then-revoke'
        ? 'Approve: keyturn rotates the key now, then revokes the leaked version(s) once the replacement is current.'
        : 'Approve: keyturn REVOKES the leaked version(s) now, then issues a replacement; consumers on it fail until they pick it up.'
      : 'Deny: nothing is revoked or rotated; the incident is recorded as denied. The leaked key keeps working.',
  ];
}

export async function answerApproval(
  deps: CliDeps,
  answer: Answer,
  id: string,
  options: ApprovalOptions,
): Promise<number> {
  if (answer === 'deny' && !options.reason?.trim())
    throw new CliError(
      EXIT.usage,
      'keyturn leak deny needs --reason "<why>" (it is recorded on the incident).',
    );
  const record = await heldIncident(deps, id, options.table);
  const plan = planOf(record, answer);
  if (!options.yes) {
    if (!deps.confirm)
      throw new CliError(
        EXIT.usage,
        `Not sent: keyturn leak ${answer} asks for confirmation on a terminal. Check the plan, then re-run with --yes:\n${plan.join('\n')}`,
      );
    deps.err(plan.join('\n'));
    if (!(await deps.confirm(`Type the incident id (${id}) to ${answer}: `, id))) {
      deps.err('Not confirmed: nothing was sent.');
      return EXIT.usage;
    }
  }
  const by = options.by ?? deps.env.USER ?? deps.env.USERNAME ?? 'keyturn CLI';
  const body = JSON.stringify({ by, ...(options.reason?.trim() ? { note: options.reason.trim() } : {}) });
  try {
    const client = deps.stepFunctions();
    const taskToken = record.approvalToken;
    if (answer === 'approve') await client.send(new SendTaskSuccessCommand({ taskToken, output: body }));
    else await client.send(new SendTaskFailureCommand({ taskToken, error: LEAK_DENIED_ERROR, cause: body }));
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'InvalidToken')
      throw new CliError(
        EXIT.notFound,
        `The held response of ${id} is no longer waiting (${name}: it timed out or was already answered). See keyturn incident ${id}.`,
        { cause: error },
      );
    throw error;
  }
  const result = { incidentId: id, answer, by };
  if (options.json) {
    deps.out(JSON.stringify(result, null, 2));
    return EXIT.ok;
  }
  deps.out(
    [
      answer === 'approve'
        ? `Approved ${id}: the leak response now revokes and replaces ${record.key}.`
        : `Denied ${id}: nothing is revoked; the incident is recorded as denied.`,
      'Follow up:',
      `  keyturn incident ${id}`,
    ].join('\n'),
  );
  return EXIT.ok;
}

export function register(leak: Command, deps: CliDeps): void {
  for (const answer of ['approve', 'deny'] as const) {
    const command = leak
      .command(answer)
      .description(
        answer === 'approve'
          ? 'Approve a leak response held by the blast-radius cap: it revokes and replaces the key'
          : 'Deny a leak response held by the blast-radius cap: nothing is revoked',
      )
      .argument('<incident-id>', 'the incident id from the "held for approval" page')
      .option('--table <name>', `incident table name (default: $${LEAK_ENV.incidentTable})`)
      .option('--by <who>', 'who answers, recorded as claimed (default: $USER)')
      .option('--yes', 'send without asking (automation; required where there is no terminal)', false);
    if (answer === 'deny') command.requiredOption('--reason <text>', 'why: recorded on the incident');
    command.action(async (id: string, opts: Omit<ApprovalOptions, 'json'>, cmd: Command) => {
      // `leak` has its own --yes, which commander parses before it dispatches: either place counts.
      const yes = opts.yes || Boolean((cmd.optsWithGlobals() as { yes?: boolean }).yes);
      deps.setExitCode(
        await answerApproval(deps, answer, id, { ...opts, yes, json: globalOptions(cmd, deps).json }),
      );
    });
  }
}
