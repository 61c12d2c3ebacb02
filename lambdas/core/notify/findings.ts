/**
 * One clear message per usage finding of the fleet evaluator, naming the key, its owner, the window, what was
 * measured against which threshold, and the runbook step. Built from the policy and counts only: never key material.
 */
import type { Finding, FindingKind } from './usage';

export interface FindingNotification {
  severity: 'critical' | 'notice';
  kind: FindingKind;
  subject: string;
  message: string;
  keyName: string;
  environment: string;
}

const HEADLINES: Record<FindingKind, string> = {
  requests: 'Request rate high',
  'rejected-share': 'Rejected keys share high',
  'retired-key-presented': 'Retired key presented',
  'read-anomaly': 'Secret read far above its usual pattern',
};

const UNITS: Record<FindingKind, string> = {
  requests: 'requests per minute (window average)',
  'rejected-share': '% of requests rejected or retired',
  'retired-key-presented': 'requests presenting a retired key',
  'read-anomaly': 'GetSecretValue calls in the window',
};

const RUNBOOK: Record<FindingKind, string> = {
  requests:
    'Check with the owner whether the traffic is expected (a launch, a batch); if not, find its source in the service logs and treat the key as leaked. Tune: alarms.requestsPerMinute on the key.',
  'rejected-share':
    'A consumer may still use an old key after a rotation (AWSPREVIOUS works during the overlap), or someone is guessing keys: find the sources in the service logs. Tune: alarms.rejectedPercent.',
  'retired-key-presented':
    'Find the caller in the service logs; a known consumer must re-read the secret; an unknown one means the old key leaked: follow the leak runbook.',
  'read-anomaly':
    'Find the readers in CloudTrail (lookup-events by the secret name); if any is not expected, rotate now and follow the leak runbook. Tune: alarms.readAnomalyBandWidth.',
};

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));

export function formatFinding(f: Finding): FindingNotification {
  const label = `${f.key.environment}/${f.key.keyName}`;
  const lines = [
    `${f.severity.toUpperCase()}: ${HEADLINES[f.kind]} - ${label}`,
    '',
    `What happened: ${fmt(f.observed)} ${UNITS[f.kind]}, above ${fmt(f.threshold)}.`,
    `Key:           ${label} (secret ${f.key.secretName}, tier ${f.key.tier})`,
    `Owner:         ${f.key.owner}${f.key.backupOwner ? ` (backup: ${f.key.backupOwner})` : ''}`,
    `Window:        ${f.from} to ${f.to}`,
    '',
    'What keyturn did: Nothing automatic; the key was not revoked.',
    '',
    `Runbook: ${RUNBOOK[f.kind]}${f.key.runbook ? ` Key runbook: ${f.key.runbook}` : ''}`,
  ];
  return {
    severity: f.severity,
    kind: f.kind,
    subject: `[keyturn ${f.severity}] ${HEADLINES[f.kind]}: ${label}`.slice(0, 100),
    message: lines.join('\n'),
    keyName: f.key.keyName,
    environment: f.key.environment,
  };
}

/** Findings of the same key, kind and severity are one page per dedupe window (a sustained breach pages once). */
export function findingDedupeKey(f: Finding): string {
  return ['finding', f.kind, f.severity, f.key.secretName].join('|');
}
