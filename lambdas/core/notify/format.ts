/**
 * One clear message per incident, for a tired person: what happened, which key and owner, since when, what keyturn
 * already did, the runbook, the next commands. Built only from identifiers and tag metadata: never key material.
 */
import type { Incident, IncidentKind } from './classify';

export type Severity = 'critical' | 'notice';

/** What the secret's tags say about the key (absent when the secret could not be described). */
export interface KeyInfo {
  secretArn: string;
  secretName: string;
  keyName?: string;
  environment?: string;
  owner?: string;
  backupOwner?: string;
  runbook?: string;
}

export interface FormattedNotification {
  severity: Severity;
  kind: IncidentKind;
  subject: string;
  message: string;
  keyName?: string;
  environment?: string;
}

const HEADLINES: Record<IncidentKind, string> = {
  'rotation-failed': 'Rotation FAILED',
  'rotation-abandoned': 'Rotation ABANDONED',
  'destructive-change': 'Destructive change',
  'unexpected-read': 'Secret read by an unexpected principal',
  'tamper-write': 'Managed secret written outside a deployment',
};

const WHAT_KEYTURN_DID: Record<IncidentKind, string> = {
  'rotation-failed':
    'Nothing was promoted: AWSCURRENT still holds the previous, working key. Secrets Manager retries the rotation ' +
    'inside its window; the rotate function logged the failed step.',
  'rotation-abandoned':
    'Secrets Manager abandoned the rotation (a value was written by hand during it, or the pending version was ' +
    'replaced). AWSCURRENT was not changed by keyturn.',
  'destructive-change':
    'Nothing automatic: keyturn does not undo changes. This message and the CloudTrail record are the evidence.',
  'unexpected-read':
    'Nothing automatic: the key was not revoked. If you do not recognise the principal, treat the key as leaked.',
  'tamper-write':
    'Nothing automatic. keyturn refuses secrets its deployment did not write, but a planted secret, a changed tag ' +
    'or a hand-written value is someone acting on managed keys outside keyturn and the deploy role.',
};

function what(incident: Incident, key: KeyInfo | undefined): string {
  const target = key
    ? `secret ${key.secretName}`
    : incident.secretId
      ? `secret ${incident.secretId}`
      : (incident.resource ?? 'a keyturn resource');
  switch (incident.kind) {
    case 'rotation-failed':
      return `Secrets Manager reported RotationFailed for ${target}.`;
    case 'rotation-abandoned':
      return `Secrets Manager reported RotationAbandoned for ${target}.`;
    case 'destructive-change':
      return `${incident.principal} called ${incident.eventName} on ${incident.resource && !incident.secretId ? incident.resource : target}.`;
    case 'unexpected-read':
      return key
        ? `${incident.principal} read ${target} (GetSecretValue) and is not in the key's allowed readers.`
        : `${incident.principal} read ${target} (GetSecretValue), a secret under the prefix that no deployment manages.`;
    case 'tamper-write':
      return `${incident.principal} called ${incident.eventName} on ${target}, and is neither a keyturn role nor the deploy role.`;
  }
}

function nextCommands(incident: Incident, key: KeyInfo | undefined): string[] {
  const id = key?.secretArn ?? incident.secretId;
  const region = `--region ${incident.region}`;
  const commands: string[] = [];
  if (id) {
    commands.push(`aws secretsmanager describe-secret --secret-id '${id}' ${region}`);
    commands.push(
      `aws secretsmanager list-secret-version-ids --secret-id '${id}' --include-deprecated ${region}`,
    );
  }
  if (incident.kind === 'rotation-failed' || incident.kind === 'rotation-abandoned') {
    if (id)
      commands.push(
        `aws secretsmanager rotate-secret --secret-id '${id}' ${region}   # retry once the cause is fixed`,
      );
  }
  if ((incident.kind === 'unexpected-read' || incident.kind === 'tamper-write') && id) {
    commands.push(
      `aws cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue='${id}' ${region}   # every access`,
    );
  }
  commands.push(
    `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventId,AttributeValue=${incident.eventId} ${region}`,
  );
  return commands;
}

export function severityOf(kind: IncidentKind): Severity {
  // Every incident this function receives needs a human now; notices come from alarms' warning thresholds.
  return kind === 'rotation-abandoned' ? 'notice' : 'critical';
}

export function formatNotification(incident: Incident, key: KeyInfo | undefined): FormattedNotification {
  const severity = severityOf(incident.kind);
  const keyLabel = key?.keyName
    ? `${key.environment ?? '?'}/${key.keyName}`
    : (incident.secretId ?? incident.resource ?? 'keyturn');
  const lines = [
    `${severity.toUpperCase()}: ${HEADLINES[incident.kind]} - ${keyLabel}`,
    '',
    `What happened: ${what(incident, key)}`,
    `Key:           ${keyLabel}`,
    `Owner:         ${key?.owner ?? 'unknown (secret not described or not tagged)'}${key?.backupOwner ? ` (backup: ${key.backupOwner})` : ''}`,
    `Since:         ${incident.at}`,
    `Who:           ${incident.principal}${incident.sourceIp ? ` from ${incident.sourceIp}` : ''}`,
    `Where:         account ${incident.account}, ${incident.region}`,
    '',
    `What keyturn did: ${WHAT_KEYTURN_DID[incident.kind]}`,
    '',
    `Runbook: ${key?.runbook ?? 'see docs/alarms.md'}`,
    '',
    'Next commands:',
    ...nextCommands(incident, key).map((c) => `  ${c}`),
    '',
    `CloudTrail event id: ${incident.eventId}`,
  ];
  return {
    severity,
    kind: incident.kind,
    subject: `[keyturn ${severity}] ${HEADLINES[incident.kind]}: ${keyLabel}`,
    message: lines.join('\n'),
    keyName: key?.keyName,
    environment: key?.environment,
  };
}

/**
 * Two deliveries of the same happening share this key: EventBridge retries, or the same event matched by two
 * rules. Different principals or different event names stay different notifications.
 */
export function dedupeKeyOf(incident: Incident): string {
  return [
    incident.kind,
    incident.eventName,
    incident.secretId ?? incident.resource ?? '-',
    incident.principal,
  ].join('|');
}
