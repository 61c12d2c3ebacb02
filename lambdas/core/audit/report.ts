/** The audit's one notification: findings grouped by severity, each with its fix; bounded in size for SNS. */
import { countBySeverity, type Finding } from './findings';

/** SNS allows 256 KB; keep well under it and point to `keyturn status` for the rest. */
export const MAX_MESSAGE_CHARS = 200_000;

export interface AuditNotice {
  severity: 'critical' | 'notice';
  subject: string;
  message: string;
}

export function formatAuditNotice(findings: Finding[], checked: number, runId: string): AuditNotice {
  const counts = countBySeverity(findings);
  const keys = new Set(findings.map((f) => f.secretArn)).size;
  const severity = counts.critical > 0 ? 'critical' : 'notice';
  const subject = `keyturn audit: ${findings.length} finding(s) on ${keys} key(s), ${counts.critical} critical`;
  const header =
    `keyturn daily audit ${runId}: checked ${checked} managed key(s); ${counts.critical} critical and ` +
    `${counts.notice} notice finding(s) on ${keys} key(s).\nSee every key with \`keyturn status\`.\n`;
  const ordered = [...findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1,
  );
  let message = header;
  let shown = 0;
  for (const f of ordered) {
    const block = `\n[${f.severity}] ${f.environment}/${f.keyName} ${f.rule}: ${f.message}\n  secret: ${f.secretName}\n  fix: ${f.fix}\n`;
    if (message.length + block.length > MAX_MESSAGE_CHARS - 200) break;
    message += block;
    shown++;
  }
  if (shown < ordered.length)
    message += `\n... and ${ordered.length - shown} more finding(s): run \`keyturn status\`.\n`;
  return { severity, subject, message };
}
