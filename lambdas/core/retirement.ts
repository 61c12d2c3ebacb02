/**
 * Retirement of an old key after the overlap window: the pure rules. No AWS here.
 *
 * What "retired" means for a version (read by the verifier, the audit and the CLI):
 * - the version no longer carries AWSPREVIOUS (the retire function removes the label), so consumers that read
 *   AWSCURRENT/AWSPREVIOUS see only the current key; and
 * - the secret's `keyturn:retired-version` tag names it, written only once the revocation was proven.
 * A version that is AWSCURRENT is never retired, whatever a tag says: a key that became current again is live.
 */
import { createHash } from 'node:crypto';
import { LEAK_TAGS, RETIREMENT_TAGS, STAGE } from './constants';
import type { SecretDescription } from './ports';
import { versionWithLabel } from './version-labels';

/** EventBridge Scheduler names: at most 64 characters of `[0-9A-Za-z_.-]`. */
const SCHEDULE_NAME_PREFIX = 'keyturn-retire-';
const SCHEDULE_NAME_MAX = 64;

/** With no overlap the old key retires after this delay, through the same schedule (see scheduleAt). */
export const MIN_RETIREMENT_DELAY_MS = 60_000;

/** How long after the overlap ends a still-labelled AWSPREVIOUS counts as a retirement that never happened. */
export const DEFAULT_RETIREMENT_GRACE_HOURS = 2;

function labelsOf(description: SecretDescription, versionId: string): string[] {
  return Object.hasOwn(description.versions, versionId) ? description.versions[versionId] : [];
}

/**
 * The one deterministic schedule name per (secret, version): a retried finishSecret asks for the same name and
 * the scheduler answers "already exists" instead of creating a second schedule.
 */
export function retirementScheduleName(secretArn: string, versionId: string): string {
  const digest = createHash('sha256').update(`${secretArn}\n${versionId}`).digest('hex');
  return (SCHEDULE_NAME_PREFIX + digest).slice(0, SCHEDULE_NAME_MAX);
}

/**
 * When the old key retires: promotion time + overlap, at least MIN_RETIREMENT_DELAY_MS ahead. An overlap of 0
 * still goes through a schedule one minute out (rather than an inline revoke): one code path with the scheduler's
 * retries, the DLQ and its alarm, and requests already in flight with the old key can finish.
 */
export function retirementTime(promotedAt: Date, overlapHours: number): Date {
  if (!Number.isFinite(overlapHours) || overlapHours < 0) {
    throw new RangeError(`overlapHours must be a non-negative number, got ${overlapHours}`);
  }
  const delay = Math.max(overlapHours * 3_600_000, MIN_RETIREMENT_DELAY_MS);
  // Whole seconds, rounded up, so the schedule never fires before the overlap has fully passed.
  return new Date(Math.ceil((promotedAt.getTime() + delay) / 1000) * 1000);
}

/** EventBridge Scheduler's one-time expression, `at(yyyy-mm-ddThh:mm:ss)`, in UTC. */
export function atExpression(when: Date): string {
  return `at(${when.toISOString().slice(0, 19)})`;
}

/** The payload the schedule hands to the retire function. */
export interface RetirementRequest {
  secretId: string;
  versionId: string;
}

type RetirementDecision =
  | { action: 'skip'; reason: 'is-current' | 'is-pending' | 'already-retired' }
  | { action: 'retire'; holdsPreviousLabel: boolean };

/**
 * Should the retire function act on this version now? Never on AWSCURRENT (a key that became current again),
 * never on AWSPENDING (it may be about to become current); not twice once the retirement was proven.
 */
export function decideRetirement(description: SecretDescription, versionId: string): RetirementDecision {
  const labels = labelsOf(description, versionId);
  if (labels.includes(STAGE.current)) return { action: 'skip', reason: 'is-current' };
  if (labels.includes(STAGE.pending)) return { action: 'skip', reason: 'is-pending' };
  const holdsPreviousLabel = labels.includes(STAGE.previous);
  if (!holdsPreviousLabel && retiredVersionOf(description) === versionId) {
    return { action: 'skip', reason: 'already-retired' };
  }
  return { action: 'retire', holdsPreviousLabel };
}

/** The version the secret's retirement tag names, if any. */
export function retiredVersionOf(description: SecretDescription): string | undefined {
  const value = description.tags[RETIREMENT_TAGS.retiredVersion];
  return value ? value : undefined;
}

/**
 * Is this version retired, i.e. must consumers refuse it? True when the retirement tag names it, or when it has
 * lost every staging label (consumers only ever read AWSCURRENT and AWSPREVIOUS). Never true for AWSCURRENT.
 */
export function isRetired(description: SecretDescription, versionId: string): boolean {
  const labels = labelsOf(description, versionId);
  if (labels.includes(STAGE.current)) return false;
  if (retiredVersionOf(description) === versionId) return true;
  return !labels.includes(STAGE.previous) && !labels.includes(STAGE.pending);
}

/** Versions the leak response revoked (tag `keyturn:revoked-versions`): refused even while AWSCURRENT. */
export function revokedVersionsOf(description: SecretDescription): string[] {
  return (description.tags[LEAK_TAGS.revokedVersions] ?? '').split(/\s+/).filter(Boolean);
}

/** The versions a consumer accepts now: AWSCURRENT, and AWSPREVIOUS while it is not retired; never a leaked one. */
export function acceptedVersions(description: SecretDescription): string[] {
  const accepted: string[] = [];
  const revoked = revokedVersionsOf(description);
  for (const [versionId, labels] of Object.entries(description.versions)) {
    if (revoked.includes(versionId)) continue;
    if (labels.includes(STAGE.current)) accepted.unshift(versionId);
    else if (labels.includes(STAGE.previous) && !isRetired(description, versionId)) accepted.push(versionId);
  }
  return accepted;
}

/**
 * "A retirement that never happened" (for the audit): the secret still holds an un-retired AWSPREVIOUS although
 * the overlap plus a grace period has passed since the last rotation. Returns that version, else undefined.
 */
export function overdueRetirement(
  description: SecretDescription,
  overlapHours: number,
  now: Date,
  graceHours: number = DEFAULT_RETIREMENT_GRACE_HOURS,
): string | undefined {
  if (!description.lastRotatedDate) return undefined;
  const previous = versionWithLabel(description.versions, STAGE.previous);
  if (!previous || isRetired(description, previous)) return undefined;
  const due = description.lastRotatedDate.getTime() + (overlapHours + graceHours) * 3_600_000;
  return now.getTime() > due ? previous : undefined;
}
