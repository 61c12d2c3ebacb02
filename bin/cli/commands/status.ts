/**
 * `keyturn status`: every managed key with its environment, owner, last and next rotation, stages and the audit's
 * findings. Uses ListSecrets only (100 keys per call) plus one ListSecretVersionIds per unfinished rotation:
 * 1,000 keys cost 10 calls. Exit 1 when any finding is critical.
 */
import type { Command } from 'commander';
import { SecretInventory } from '../../../lambdas/aws/secret-inventory';
import { STAGE, TAGS } from '../../../lambdas/core/constants';
import { nextRotationDue } from '../../../lambdas/core/audit/cadence';
import { DEFAULT_AUDIT_SETTINGS } from '../../../lambdas/core/audit/findings';
import type { ManagedSecret } from '../../../lambdas/core/audit/inventory';
import { pendingVersionOf, versionWithLabel } from '../../../lambdas/core/version-labels';
import { auditSecret, safeLabel } from '../../../lambdas/core/audit/rules';
import { revokedVersionsOf } from '../../../lambdas/core/retirement';
import type { CliDeps } from '../deps';
import { EXIT } from '../exit-codes';
import { formatDate, renderTable, severityLabel } from '../output';
import { globalOptions, type CommandResult } from '../program-options';
import { statusJson } from '../schemas';

const versionWith = (secret: ManagedSecret, stage: string) =>
  (stage === STAGE.pending ? pendingVersionOf(secret.versions) : versionWithLabel(secret.versions, stage)) ??
  null;
const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

export async function status(
  deps: CliDeps,
  options: { json?: boolean; prefix: string; env?: string },
): Promise<CommandResult> {
  const now = deps.now();
  const inventory = new SecretInventory(deps.secretsManager(), { secretPrefix: options.prefix });
  const secrets = (await inventory.listManaged())
    .filter((s) => !options.env || s.tags[TAGS.environment] === options.env)
    .sort((a, b) => a.name.localeCompare(b.name));
  const keys = secrets.map((secret) => ({
    name: safeLabel(secret.tags[TAGS.keyName], secret.name),
    environment: safeLabel(secret.tags[TAGS.environment], '-'),
    secretName: secret.name,
    owner: secret.tags[TAGS.owner] ?? null,
    tier: secret.tags[TAGS.tier] ?? null,
    rotationEnabled: secret.rotationEnabled,
    lastRotated: iso(secret.lastRotatedDate),
    nextRotation: iso(nextRotationDue(secret)),
    lastAccessed: iso(secret.lastAccessedDate),
    stages: {
      current: versionWith(secret, STAGE.current),
      previous: versionWith(secret, STAGE.previous),
      pending: versionWith(secret, STAGE.pending),
    },
    findings: auditSecret(secret, { now, settings: DEFAULT_AUDIT_SETTINGS }).map(
      ({ rule, severity, message, fix }) => ({ rule, severity, message, fix }),
    ),
  }));
  const all = keys.flatMap((k) => k.findings);
  const summary = {
    keys: keys.length,
    critical: all.filter((f) => f.severity === 'critical').length,
    notice: all.filter((f) => f.severity === 'notice').length,
  };
  const code = summary.critical > 0 ? EXIT.failed : EXIT.ok;
  if (options.json) {
    deps.out(JSON.stringify(statusJson.parse({ keys, summary }), null, 2));
    return code;
  }
  // A current key the leak response revoked is shown as such: it fails every consumer (audit rule current-revoked).
  const revokedCurrent = new Set(
    secrets
      .filter((s) => {
        const current = versionWith(s, STAGE.current);
        return current !== null && revokedVersionsOf(s).includes(current);
      })
      .map((s) => s.name),
  );
  const rows = keys.map((k) => [
    k.name,
    k.environment,
    safeLabel(k.owner ?? undefined, '-'),
    formatDate(k.lastRotated ? new Date(k.lastRotated) : undefined),
    k.rotationEnabled ? formatDate(k.nextRotation ? new Date(k.nextRotation) : undefined) : 'disabled',
    [
      k.stages.current && (revokedCurrent.has(k.secretName) ? 'current(REVOKED)' : 'current'),
      k.stages.previous && 'previous',
      k.stages.pending && 'PENDING',
    ]
      .filter(Boolean)
      .join('+') || '-',
    k.findings.map((f) => (f.severity === 'critical' ? `${f.rule}!` : f.rule)).join(' ') || 'ok',
  ]);
  deps.out(renderTable(['KEY', 'ENV', 'OWNER', 'LAST ROTATED', 'NEXT ROTATION', 'STAGES', 'FINDINGS'], rows));
  deps.out(
    `\n${summary.keys} key(s); ${summary.critical} critical and ${summary.notice} notice finding(s) (! = critical).`,
  );
  for (const k of keys) {
    for (const f of k.findings)
      deps.out(
        `\n${severityLabel(f.severity, deps.color)} ${k.environment}/${k.name} ${f.rule}: ${f.message}\n  fix: ${f.fix}`,
      );
  }
  return code;
}

export function register(program: Command, deps: CliDeps): void {
  program
    .command('status')
    .description(
      'Every managed key: environment, owner, last/next rotation, stages and audit findings (exit 1 on a critical finding)',
    )
    .option('--env <environment>', 'only keys of this environment')
    .action(async (opts: { env?: string }, command: Command) => {
      const global = globalOptions(command, deps);
      deps.setExitCode(await status(deps, { ...global, env: opts.env }));
    });
}
