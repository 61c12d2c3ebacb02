/**
 * One audit run: list every managed secret, apply the rules and the drift report against the deployed registry,
 * send one notice when something is found, emit metrics, and record the run in the ledger (a clean run too). A run id (the schedule's time) keys the ledger
 * entries, so a retried invocation writes no second line.
 */
import { AUDIT_METRICS } from '../constants';
import { PIPELINE_WIDE } from '../ledger';
import type { Ledger } from '../ports';
import type { KeyRegistry } from '../registry';
import { driftFindings } from './drift';
import { AUDIT_RULES, countBySeverity, type AuditRuleId, type AuditSettings, type Finding } from './findings';
import type { Inventory } from './inventory';
import { formatAuditNotice, type AuditNotice } from './report';
import { auditSecret } from './rules';

export interface AuditDeps {
  inventory: Inventory;
  /** The deployed registry: the drift report compares it with the listed secrets. @default - no drift report */
  registry?: KeyRegistry;
  /** Publish the notice (critical topic when any finding is critical, else notice topic). */
  notify(notice: AuditNotice): Promise<unknown>;
  /** Count a metric (names below); the handler maps these to EMF. */
  metric(name: string, value: number, rule?: AuditRuleId): void;
  ledger?: Ledger;
  now(): Date;
  settings: AuditSettings;
}

export interface AuditResult {
  runId: string;
  checked: number;
  findings: Finding[];
  notified?: 'critical' | 'notice';
}

export async function runAudit(deps: AuditDeps, runId: string): Promise<AuditResult> {
  const now = deps.now();
  const [secrets, entries] = await Promise.all([
    deps.inventory.listManaged(),
    deps.registry ? deps.registry.list() : Promise.resolve(undefined),
  ]);
  const findings = [
    ...secrets.flatMap((secret) => auditSecret(secret, { now, settings: deps.settings })),
    ...(entries ? driftFindings(secrets, entries) : []),
  ];
  const counts = countBySeverity(findings);

  deps.metric(AUDIT_METRICS.keysChecked, secrets.length);
  deps.metric(AUDIT_METRICS.findings, findings.length);
  deps.metric(AUDIT_METRICS.criticalFindings, counts.critical);
  for (const rule of AUDIT_RULES)
    deps.metric(AUDIT_METRICS.ruleFindings, findings.filter((f) => f.rule === rule).length, rule);

  let notified: AuditResult['notified'];
  if (findings.length) {
    const notice = formatAuditNotice(findings, secrets.length, runId);
    await deps.notify(notice);
    notified = notice.severity;
  }
  if (deps.ledger) await record(deps.ledger, runId, now, secrets.length, findings);
  return { runId, checked: secrets.length, findings, notified };
}

async function record(
  ledger: Ledger,
  runId: string,
  now: Date,
  checked: number,
  findings: Finding[],
): Promise<void> {
  const at = now.toISOString();
  const idempotencyKey = `audit#${runId}`;
  const counts = countBySeverity(findings);
  await ledger.append({
    keyName: PIPELINE_WIDE,
    environment: PIPELINE_WIDE,
    secretArn: PIPELINE_WIDE,
    kind: 'audit',
    outcome: findings.length ? 'findings' : 'clean',
    at,
    detail: `checked ${checked} key(s): ${counts.critical} critical, ${counts.notice} notice finding(s)`,
    idempotencyKey,
  });
  // Each key with findings gets a line in its own history, so `keyturn history` shows what the audit said.
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) byKey.set(f.secretArn, [...(byKey.get(f.secretArn) ?? []), f]);
  for (const keyFindings of byKey.values()) {
    const first = keyFindings[0];
    await ledger.append({
      keyName: first.keyName,
      environment: first.environment,
      secretArn: first.secretArn,
      kind: 'audit',
      outcome: keyFindings.some((f) => f.severity === 'critical') ? 'critical-findings' : 'findings',
      at,
      detail: keyFindings.map((f) => f.rule).join(' '),
      idempotencyKey,
    });
  }
}
