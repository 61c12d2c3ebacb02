/**
 * The leak response's state: what one task hands the next (through Step Functions) and what the incident record
 * keeps. It holds names, version ids and public key ids, never key material: Step Functions keeps execution
 * history, and the incident record and on-call's message are built from it.
 */
import type { LeakPolicy } from '../constants';
import type { LeakSignal } from './signal';
import type { AuditSummary } from './audit-summary';

export interface LeakedVersion {
  versionId: string;
  /** The key's public id (IAM AccessKeyId, `sha256:…` for self-issued keys). */
  keyId: string;
  /** Its label when the leak was signalled. */
  stage: 'AWSCURRENT' | 'AWSPREVIOUS';
  /** When the key was issued (the audit window's start when the exposure time is unknown). */
  createdAt?: string;
}

export interface ManagedKeyRef {
  secretArn: string;
  secretName: string;
  keyName: string;
  environment: string;
  provider: string;
  leakPolicy: LeakPolicy;
  owner?: string;
  runbook?: string;
  linkedSystems: string[];
}

export interface IncidentAction {
  at: string;
  action: string;
  outcome: 'done' | 'failed' | 'skipped' | 'note';
  detail?: string;
}

/** `held`: the blast-radius cap was reached; nothing is revoked or rotated until a human approves (gate.ts). */
export type Decision = 'respond' | 'joined' | 'unmanaged' | 'held';
/** A held response's approval (lambdas/core/leak/gate.ts). The task token is never part of the state. */
export interface ApprovalState {
  status: 'waiting' | 'approved' | 'denied' | 'timed-out';
  /** Why the response was held (the cap and the window). */
  reason: string;
  requestedAt: string;
  /** Who answered: what the CLI or console sent (claimed; CloudTrail's SendTaskSuccess/Failure event says who). */
  by?: string;
  at?: string;
  /** The denier's reason, or what happened on timeout. */
  note?: string;
}

export type RotationState = 'not-started' | 'pending' | 'current' | 'failed';

export interface LeakState {
  incidentId: string;
  decision: Decision;
  detectedAt: string;
  signal: LeakSignal;
  key?: ManagedKeyRef;
  leaked: LeakedVersion[];
  /** The AWSCURRENT version when the leak was signalled: the rotation is done when another version is current. */
  replacedVersion?: string;
  revoked: boolean;
  rotation: RotationState;
  rotationChecks: number;
  newVersion?: string;
  /** Refused by the provider after the revocation (the first check and the later second check). */
  verified?: boolean;
  secondCheck?: 'refused' | 'still-accepted';
  audit?: AuditSummary;
  actions: IncidentAction[];
  /** Why the response escalated (a task failed after its retries). */
  failure?: string;
  /** Set when the blast-radius cap held the response for a human. */
  approval?: ApprovalState;
}

/** Deterministic per signal and key, so a retried task lands on the same incident. */
export function incidentIdFor(signal: LeakSignal): string {
  const day = signal.receivedAt.slice(0, 19).replace(/[-:]/g, '');
  const id = signal.signalId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return `inc-${day}-${id}`;
}

/** The open-incident marker of a key: a second signal within the window joins the incident holding it. */
export function openMarkerOf(key: Pick<ManagedKeyRef, 'environment' | 'keyName'>): string {
  return `open#${key.environment}/${key.keyName}`;
}

export function act(
  state: LeakState,
  now: Date,
  action: string,
  outcome: IncidentAction['outcome'],
  detail?: string,
): LeakState {
  const entry: IncidentAction = {
    at: now.toISOString(),
    action,
    outcome,
    ...(detail ? { detail: detail.slice(0, 1024) } : {}),
  };
  return { ...state, actions: [...state.actions, entry].slice(-100) };
}

export function keyLabel(state: LeakState): string {
  if (state.key) return `${state.key.environment}/${state.key.keyName}`;
  return state.signal.key ?? state.signal.keyId ?? 'an unknown key';
}
