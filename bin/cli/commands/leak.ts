/**
 * `keyturn leak <key> --where <text>`: report a leaked key. Shows what the response will do to which key and asks
 * for confirmation on a terminal (`--yes` for automation, `--dry-run` to only show), then puts keyturn's
 * "API Key Leaked" event on the leak bus; the leak response (Step Functions) then revokes, replaces, audits,
 * records and pages. Never takes the key itself.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Command } from 'commander';
import { EVENTS, STAGE, TAGS, leakBusNameFor } from '../../../lambdas/core/constants';
import { leakEventDetailSchema, type LeakEventDetail } from '../../../lambdas/core/leak/signal';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../exit-codes';
import { globalOptions } from '../program-options';
import { resolveKey } from '../resolve-key';
import { leakJson } from '../schemas';
import * as approval from './leak-approval';

export interface LeakOptions {
  json: boolean;
  prefix: string;
  where?: string;
  exposedAt?: string;
  reportedBy?: string;
  keyId?: string;
  eventBus?: string;
  unmanaged: boolean;
  /** Send without asking (automation; also needed where there is no terminal to ask on). */
  yes: boolean;
  /** Only show what would be revoked; send nothing. */
  dryRun: boolean;
}

/** What the response will do, from the secret's metadata (no value is read). */
function planOf(
  label: string,
  secret: { arn: string; tags: Record<string, string>; versions: Record<string, string[]> } | undefined,
  keyId: string | undefined,
): string[] {
  if (!secret)
    return [
      `${label} is not a keyturn key: on-call is paged as "unmanaged key leaked"; nothing is revoked automatically.`,
    ];
  const policy = secret.tags[TAGS.leakPolicy] ?? 'revoke-first';
  const live = Object.entries(secret.versions).filter(
    ([, labels]) => labels.includes(STAGE.current) || labels.includes(STAGE.previous),
  );
  const revoke = keyId
    ? `the version whose key id is ${keyId} (if it is live)`
    : `${live.length} live version(s): ${live.map(([v, labels]) => `${v} (${labels.filter((l) => l !== 'AWSPENDING').join(', ')})`).join('; ')}`;
  return [
    `Key: ${label}`,
    `Secret: ${secret.arn}`,
    `Policy: ${policy}`,
    policy === 'rotate-then-revoke'
      ? `Will rotate now, then revoke ${revoke} once the replacement is current.`
      : `Will REVOKE at once ${revoke}; consumers still on it fail until they pick up the replacement it then issues.`,
  ];
}

export async function leak(deps: CliDeps, ref: string, options: LeakOptions): Promise<number> {
  if (!options.where)
    throw new CliError(
      EXIT.usage,
      'keyturn leak needs --where <text>: where the key was found (URL, repository path, ticket).',
    );
  let key = ref;
  let environment: string | undefined;
  let secret: Parameters<typeof planOf>[1];
  if (!options.unmanaged) {
    // An unknown key is a clear error here; with --unmanaged it is reported as is ("unmanaged key leaked").
    const resolved = await resolveKey(deps.secretsManager(), options.prefix, ref);
    key = resolved.keyName;
    environment = resolved.environment;
    secret = resolved.secret;
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
  const label = environment ? `${environment}/${key}` : key;
  const eventBus = options.eventBus ?? leakBusNameFor(options.prefix);
  const plan = [...planOf(label, secret, options.keyId), `Event bus: ${eventBus}`];
  if (options.dryRun) {
    deps.out([...plan, 'Dry run: nothing was sent.'].join('\n'));
    return EXIT.ok;
  }
  if (!options.yes) {
    if (!deps.confirm)
      throw new CliError(
        EXIT.usage,
        `Not sent: keyturn leak asks for confirmation on a terminal. Check the plan, then re-run with --yes:\n${plan.join('\n')}`,
      );
    deps.err(plan.join('\n'));
    if (!(await deps.confirm(`Type the key (${label}) to report the leak: `, label))) {
      deps.err('Not confirmed: nothing was sent.');
      return EXIT.usage;
    }
  }
  const out = await deps.eventBridge().send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENTS.source,
          DetailType: EVENTS.apiKeyLeaked,
          Detail: JSON.stringify(detail),
          EventBusName: eventBus,
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
  const command = program
    .command('leak')
    .description('Report a leaked key: keyturn revokes, replaces, audits and pages on-call')
    .argument('<key>', 'key name, or <environment>/<name> (never the key itself)')
    // Checked in leak(): commander checks a parent's required options for its subcommands too (approve, deny).
    .option('--where <text>', 'where the key was found (URL, repository path, ticket); required')
    .option('--exposed-at <time>', 'when it was exposed, ISO-8601 (the audit starts there)')
    .option('--reported-by <who>', 'who found it (default: $USER)')
    .option(
      '--key-id <id>',
      "the leaked key's public id (IAM AccessKeyId, sha256:…), when only one version leaked",
    )
    .option(
      '--event-bus <name>',
      "the stack's leak bus (default: <prefix>-leak-signals, e.g. keyturn-leak-signals)",
    )
    .option('--unmanaged', 'report a key keyturn does not manage (it is not looked up)', false)
    .option('--yes', 'send without asking (automation; required where there is no terminal)', false)
    .option('--dry-run', 'only show what would be revoked; send nothing', false)
    .action(async (ref: string, opts: Omit<LeakOptions, 'json' | 'prefix'>, cmd: Command) => {
      deps.setExitCode(await leak(deps, ref, { ...globalOptions(cmd, deps), ...opts }));
    });
  // `keyturn leak approve|deny <incident-id>`: a key named "approve" or "deny" is reported as <env>/<name>.
  approval.register(command, deps);
}
