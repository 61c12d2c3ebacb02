/**
 * `keyturn leak <key> --where <text>`: report a leaked key. Puts keyturn's "API Key Leaked" event; the leak
 * response (Step Functions) then revokes, replaces, audits, records and pages. Never takes the key itself.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Command } from 'commander';
import { EVENTS } from '../../../lambdas/core/constants';
import { leakEventDetailSchema, type LeakEventDetail } from '../../../lambdas/core/leak/signal';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { globalOptions } from '../program-options';
import { resolveKey } from '../resolve-key';
import { leakJson } from '../schemas';

export interface LeakOptions {
  json: boolean;
  prefix: string;
  where: string;
  exposedAt?: string;
  reportedBy?: string;
  keyId?: string;
  eventBus?: string;
  unmanaged: boolean;
}

export async function leak(deps: CliDeps, ref: string, options: LeakOptions): Promise<number> {
  let key = ref;
  let environment: string | undefined;
  if (!options.unmanaged) {
    // An unknown key is a clear error here; with --unmanaged it is reported as is ("unmanaged key leaked").
    const resolved = await resolveKey(deps.secretsManager(), options.prefix, ref);
    key = resolved.keyName;
    environment = resolved.environment;
  }
  const parsed = leakEventDetailSchema.safeParse({
    key,
    ...(environment ? { environment } : {}),
    where: options.where,
    reportedBy: options.reportedBy ?? deps.env.USER ?? deps.env.USERNAME ?? 'keyturn CLI',
    ...(options.exposedAt ? { exposedAt: options.exposedAt } : {}),
    ...(options.keyId ? { keyId: options.keyId } : {}),
  });
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))].join(
      '; ',
    );
    throw new CliError(
      EXIT.usage,
      `Cannot report this leak: ${fields}. --exposed-at takes ISO-8601, e.g. 2026-11-23T08:00:00Z.`,
    );
  }
  const detail: LeakEventDetail = parsed.data;
  const out = await deps.eventBridge().send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENTS.source,
          DetailType: EVENTS.apiKeyLeaked,
          Detail: JSON.stringify(detail),
          ...(options.eventBus ? { EventBusName: options.eventBus } : {}),
        },
      ],
    }),
  );
  const entry = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new CliError(
      EXIT.awsError,
      `EventBridge did not accept the leak event (${entry?.ErrorCode ?? 'no event id'}): ${(entry?.ErrorMessage ?? '').slice(0, 200)}. Retry, or follow the manual runbook.`,
    );
  }
  const label = environment ? `${environment}/${key}` : key;
  const followUp = [
    `keyturn history ${label}    # the revocation and incident entries, within a minute`,
    'keyturn incident <id>    # the incident id is in the page on-call receives',
  ];
  const result = leakJson.parse({
    eventId: entry.EventId,
    key,
    environment: environment ?? null,
    managed: !options.unmanaged,
    followUp,
  });
  if (options.json) {
    deps.out(JSON.stringify(result, null, 2));
    return EXIT.ok;
  }
  deps.out(
    [
      `Leak of ${label} reported (event ${entry.EventId}).`,
      options.unmanaged
        ? 'keyturn does not manage this key: on-call is paged as "unmanaged key leaked"; revoke it by hand.'
        : 'keyturn now revokes the key (or rotates first, per its leak policy), issues a replacement, audits the exposure window, records an incident and pages on-call.',
      'Follow up:',
      ...followUp.map((line) => `  ${line}`),
    ].join('\n'),
  );
  return EXIT.ok;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('leak')
    .description('Report a leaked key: keyturn revokes, replaces, audits and pages on-call')
    .argument('<key>', 'key name, or <environment>/<name> (never the key itself)')
    .requiredOption('--where <text>', 'where the key was found (URL, repository path, ticket)')
    .option('--exposed-at <time>', 'when it was exposed, ISO-8601 (the audit starts there)')
    .option('--reported-by <who>', 'who found it (default: $USER)')
    .option(
      '--key-id <id>',
      "the leaked key's public id (IAM AccessKeyId, sha256:…), when only one version leaked",
    )
    .option('--event-bus <name>', 'EventBridge bus of the keyturn stack (default: the default bus)')
    .option('--unmanaged', 'report a key keyturn does not manage (it is not looked up)', false)
    .action(async (ref: string, opts: Omit<LeakOptions, 'json' | 'prefix'>, command: Command) => {
      deps.setExitCode(await leak(deps, ref, { ...globalOptions(command, deps), ...opts }));
    });
}
