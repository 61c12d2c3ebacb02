/** The incident record and on-call's message, both built from the response's state (so neither holds a key). */
import { describeAudit } from './audit-summary';
import type { IncidentRecord, LeakNotification } from './ports';
import type { LeakSignal } from './signal';
import { keyLabel, type LeakState } from './state';

/**
 * Who reported it: the free text marked as claimed, beside what AWS verified (the sender's account on the leak bus,
 * whose policy names who may put; AWS Health's events come from AWS itself).
 */
export function reporterOf(signal: LeakSignal): string {
  if (signal.origin === 'aws-health') return 'AWS Health (verified: aws.health on the default bus)';
  const verified = signal.senderAccount
    ? `sent from account ${signal.senderAccount} (verified by EventBridge) through the leak bus`
    : 'sender account unknown';
  return `${signal.reportedBy} (claimed; ${verified})`;
}

export function impactOf(state: LeakState): string {
  if (state.decision === 'unmanaged')
    return 'The key is not managed by keyturn: nothing was revoked or rotated automatically.';
  const policy = state.key?.leakPolicy;
  const approval = state.approval;
  if (approval?.status === 'timed-out')
    return 'Held by the blast-radius cap and nobody approved in time: NOTHING was revoked or rotated; the leaked key STILL WORKS.';
  if (state.failure) return `The response stopped: ${state.failure}`;
  if (approval?.status === 'waiting')
    return 'Held by the blast-radius cap: nothing is revoked or rotated until on-call approves (keyturn leak approve <incident>).';
  if (approval?.status === 'denied')
    return `Held by the blast-radius cap and DENIED by ${approval.by ?? 'someone'} (claimed): nothing was revoked or rotated; the key still works.`;
  if (state.secondCheck === 'still-accepted')
    return 'The leaked key was revoked, but the second check found it ACCEPTED AGAIN (re-enabled or restored): revoke it again by hand and find who in CloudTrail.';
  if (state.rotation === 'failed' && state.revoked) {
    return 'The leaked key is REVOKED and NO replacement is current: consumers of this key fail until a rotation succeeds.';
  }
  if (state.rotation === 'failed')
    return `Rotation failed; under policy ${policy} the leaked key was NOT revoked and still works.`;
  if (!state.leaked.length)
    return 'No live version matched the report: nothing needed revoking; a replacement was issued.';
  const verified =
    state.verified === undefined
      ? ''
      : state.verified
        ? ', verified refused'
        : ', BUT THE PROVIDER STILL ACCEPTS IT';
  return `Leaked key revoked${verified}; replacement ${state.newVersion ?? '(pending)'} is AWSCURRENT. Consumers reading AWSCURRENT pick it up on their next refresh.`;
}

/** A leaked key is always a critical incident: whatever keyturn managed to do, a person must look. */
const SEVERITY = 'critical' as const;

/**
 * The response needs a person now: the key is unmanaged, a step failed, or the leaked key may still work (also when
 * the second check found it accepted again).
 */
export function needsPerson(state: LeakState): boolean {
  return (
    state.decision === 'unmanaged' ||
    state.approval?.status === 'waiting' ||
    state.approval?.status === 'timed-out' ||
    Boolean(state.failure) ||
    state.rotation === 'failed' ||
    state.verified === false ||
    state.secondCheck === 'still-accepted'
  );
}

export function toRecord(state: LeakState, status: IncidentRecord['status']): IncidentRecord {
  const { signal, key } = state;
  return {
    id: state.incidentId,
    status,
    severity: SEVERITY,
    key: keyLabel(state),
    unmanaged: state.decision === 'unmanaged',
    ...(key
      ? {
          environment: key.environment,
          secretArn: key.secretArn,
          provider: key.provider,
          policy: key.leakPolicy,
        }
      : {}),
    ...(key?.owner ? { owner: key.owner } : {}),
    detectedAt: state.detectedAt,
    ...(signal.exposedAt ? { exposedAt: signal.exposedAt } : {}),
    where: signal.where,
    reportedBy: reporterOf(signal),
    signals: 1,
    revoked: state.revoked,
    rotation: state.rotation,
    ...(state.newVersion ? { newVersion: state.newVersion } : {}),
    ...(state.verified !== undefined ? { verified: state.verified } : {}),
    ...(state.secondCheck ? { secondCheck: state.secondCheck } : {}),
    actions: state.actions,
    ...(state.audit ? { audit: state.audit } : {}),
    impact: impactOf(state),
    updatedAt: state.actions.at(-1)?.at ?? state.detectedAt,
    ...(state.approval ? { approval: state.approval } : {}),
  };
}

function headline(state: LeakState): string {
  const label = keyLabel(state);
  if (state.decision === 'unmanaged') return `unmanaged key leaked: ${label}`;
  if (state.approval?.status === 'timed-out') return `${label} leaked: approval TIMED OUT, key NOT revoked`;
  if (state.failure) return `leak response FAILED for ${label}`;
  if (state.approval?.status === 'waiting') return `${label} leaked: held for approval (blast-radius cap)`;
  if (state.approval?.status === 'denied') return `${label} leaked: approval DENIED, nothing revoked`;
  if (state.secondCheck === 'still-accepted') return `leaked key of ${label} is ACCEPTED AGAIN`;
  if (state.rotation === 'failed' && state.revoked) return `${label} leaked: revoked, NO replacement current`;
  if (state.rotation === 'failed') return `${label} leaked: rotation failed, key NOT revoked`;
  return `${label} leaked: revoked and replaced`;
}

/**
 * The page sent the moment the key is contained (revoked under revoke-first) and its incident opened: on-call
 * learns of the leak within seconds, without waiting for the replacement, the audit and the linked keys.
 */
export function containedMessage(state: LeakState): LeakNotification {
  const { signal, key } = state;
  const label = keyLabel(state);
  const status = state.revoked
    ? 'revoked'
    : state.leaked.length
      ? 'NOT revoked yet (policy rotate-then-revoke: revoked once the replacement is current)'
      : 'no live version matched';
  const lines = [
    `CRITICAL: ${label} leaked: ${status}; replacement rotating`,
    `Incident: ${state.incidentId}`,
    ...(key
      ? [
          `Key: ${label} (provider ${key.provider}, policy ${key.leakPolicy}), owner ${key.owner ?? 'unknown'}`,
        ]
      : []),
    `Found: ${signal.where}; reported by ${reporterOf(signal)} at ${signal.receivedAt}; exposed ${signal.exposedAt ?? 'at an unknown time'}`,
    'Next, automatically: replacement key, CloudTrail audit of the exposure window, linked keys; the full report follows.',
    ...(key?.runbook ? [`Runbook: ${key.runbook}`] : []),
    'Follow up:',
    `  keyturn incident ${state.incidentId}`,
  ];
  return {
    severity: 'critical',
    kind: 'leak-contained',
    subject: `keyturn: ${label} leaked: ${state.revoked ? 'revoked' : 'not revoked yet'}, replacement rotating`,
    message: lines.join('\n'),
    ...(key ? { keyName: key.keyName, environment: key.environment } : {}),
  };
}

/**
 * The full report. On-call was paged when the key was contained: the report pages again only when a person is
 * needed; a response that went to plan is a notice.
 */
export function leakMessage(state: LeakState): LeakNotification {
  const { signal, key } = state;
  const label = keyLabel(state);
  const lines = [
    `${needsPerson(state) ? 'CRITICAL' : 'RESOLVED'}: ${headline(state)}`,
    `Incident: ${state.incidentId}`,
    key
      ? `Key: ${label} (provider ${key.provider}, policy ${key.leakPolicy}), owner ${key.owner ?? 'unknown'}\nSecret: ${key.secretArn}`
      : `Key reported: ${label} (no managed secret matches)`,
    `Found: ${signal.where}; reported by ${reporterOf(signal)} at ${signal.receivedAt}; exposed ${signal.exposedAt ?? 'at an unknown time'}`,
    `Impact: ${impactOf(state)}`,
    'What keyturn did:',
    ...state.actions.map((a) => `  ${a.at}  ${a.action}: ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`),
    describeAudit(state.audit),
  ];
  if (key?.linkedSystems.length) lines.push(`Linked systems: ${key.linkedSystems.join(', ')}`);
  if (key?.runbook) lines.push(`Runbook: ${key.runbook}`);
  lines.push('Follow up:', `  keyturn incident ${state.incidentId}`);
  if (key)
    lines.push(
      `  keyturn history ${key.environment}/${key.keyName}`,
      `  keyturn status --env ${key.environment}`,
    );
  if (state.rotation === 'failed' && key)
    lines.push(`  keyturn rotate ${key.environment}/${key.keyName}   # after fixing the rotation failure`);
  return {
    severity: needsPerson(state) ? 'critical' : 'notice',
    kind: state.decision === 'unmanaged' ? 'leak-unmanaged' : state.failure ? 'leak-escalated' : 'leak',
    subject: `keyturn: ${headline(state)}`,
    message: lines.join('\n'),
    ...(key ? { keyName: key.keyName, environment: key.environment } : {}),
  };
}
