/**
 * The blast-radius cap: when the leak response has revoked (or is about to revoke) `maxRevocations` keys within the
 * window, the next response revokes and rotates nothing until a human approves. The count goes out beside contain's
 * first reads (no extra round trip under the cap); a held response waits on a task token (`AwaitApproval`, a
 * `.waitForTaskToken` task) while on-call is paged with the incident id and the commands that answer; approval
 * revokes and the response goes on; denial ends it with nothing revoked; a timeout pages and ends it unrevoked.
 * A flood of leak events (even from an allowed sender) thus revokes at most the cap without a person.
 */
import { KeyturnError } from '../errors';
import type { LeakDeps, LeakNotification } from './ports';
import { leakMessage, reporterOf, toRecord } from './record';
import { act, keyLabel, openMarkerOf, type ApprovalState, type LeakState } from './state';
import { recordLedger, revokeIssuedLeaked } from './steps';

/** The held response's state lacks what the approval task needs. */
export class ApprovalStateError extends KeyturnError {}

/** What `keyturn leak approve|deny` (or the console) sends back; all of it claimed by the sender. */
export interface ApprovalAnswer {
  by: string;
  note?: string;
}

export interface PendingClaim {
  /**
   * May this response act now? `acts`: it will revoke a key (now or after rotating). A response that acts on
   * nothing gives its place back; one over the cap is held (false).
   */
  settle(acts: boolean): Promise<boolean>;
  /** The response joined an open incident (the key is already counted): its place goes back. */
  release(): Promise<void>;
}

/** Start counting this incident against the cap; contain awaits it only once it knows what it would revoke. */
export function startClaim(deps: LeakDeps, incidentId: string): PendingClaim {
  const budget = deps.budget;
  if (!budget) return { settle: async () => true, release: async () => undefined };
  const claim = budget.claim(incidentId, deps.now());
  // Awaited below; a read failing first must not leave this rejection unhandled.
  claim.catch(() => undefined);
  return {
    settle: async (acts) => {
      const c = await claim;
      if (!acts) {
        if (c.admitted) await c.release();
        return true;
      }
      return c.admitted;
    },
    release: async () => {
      const c = await claim;
      if (c.admitted) await c.release();
    },
  };
}

function capText(deps: LeakDeps): string {
  const b = deps.budget;
  return b
    ? `${b.maxRevocations} key(s) already revoked by the leak response within ${Math.round(b.windowSeconds / 60)} min (the blast-radius cap)`
    : 'the blast-radius cap';
}

/**
 * Over the cap: revoke nothing, open the incident (a duplicate signal still joins the open one) and let the state
 * machine wait for a human (AwaitApproval pages).
 */
export async function holdForApproval(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const key = state.key;
  if (!key) throw new ApprovalStateError(`incident ${state.incidentId} has no managed key`);
  const reason = `${capText(deps)}: nothing is revoked or rotated until on-call approves`;
  const approval: ApprovalState = { status: 'waiting', reason, requestedAt: deps.now().toISOString() };
  const held: LeakState = {
    ...act(state, deps.now(), 'blast-radius cap reached: held for approval', 'note', reason),
    decision: 'held',
    approval,
  };
  const opened = await deps.incidents.openOrJoin({
    marker: openMarkerOf(key),
    record: toRecord(held, 'open'),
    now: deps.now(),
    windowSeconds: deps.dedupeWindowSeconds,
  });
  if (opened.outcome === 'opened') return held;
  return {
    ...act(state, deps.now(), 'join open incident', 'note', opened.incidentId),
    decision: 'joined',
    incidentId: opened.incidentId,
  };
}

/** The page that asks for approval: the incident and the commands, never the token (it stays in the record). */
export function approvalNeededMessage(state: LeakState, timeoutSeconds: number): LeakNotification {
  const { signal, key } = state;
  const label = keyLabel(state);
  const lines = [
    `CRITICAL: ${label} leaked: HELD FOR APPROVAL (blast-radius cap); nothing revoked yet`,
    `Incident: ${state.incidentId}`,
    ...(key
      ? [
          `Key: ${label} (provider ${key.provider}, policy ${key.leakPolicy}), owner ${key.owner ?? 'unknown'}`,
          `Would revoke: ${state.leaked.map((v) => `${v.versionId} (${v.stage}, key ${v.keyId})`).join(', ') || 'no live version'}`,
        ]
      : []),
    `Found: ${signal.where}; reported by ${reporterOf(signal)} at ${signal.receivedAt}`,
    `Why held: ${state.approval?.reason ?? 'the blast-radius cap'}. Many leak reports at once may be a real mass leak, or someone flooding leak events.`,
    'To revoke and replace now:',
    `  keyturn leak approve ${state.incidentId}`,
    'To refuse (nothing is revoked; the incident is recorded):',
    `  keyturn leak deny ${state.incidentId} --reason "<why>"`,
    `Nobody answering within ${Math.round(timeoutSeconds / 60)} min ends the response WITHOUT revoking (and pages again).`,
    ...(key?.runbook ? [`Runbook: ${key.runbook}`] : []),
    `  keyturn incident ${state.incidentId}`,
  ];
  return {
    severity: 'critical',
    kind: 'leak-approval-needed',
    subject: `keyturn: ${label} leaked: held for approval (blast-radius cap)`,
    message: lines.join('\n'),
    ...(key ? { keyName: key.keyName, environment: key.environment } : {}),
  };
}

/** AwaitApproval's function: keep the token on the incident for the CLI, then page. The answer resumes the machine. */
export async function awaitApproval(
  deps: LeakDeps,
  state: LeakState,
  taskToken: string,
  timeoutSeconds: number,
): Promise<LeakState> {
  if (state.decision !== 'held' || !state.approval)
    throw new ApprovalStateError(`incident ${state.incidentId} is not held for approval`);
  await deps.incidents.attachApprovalToken(state.incidentId, taskToken);
  await deps.notify(approvalNeededMessage(state, timeoutSeconds));
  return act(state, deps.now(), 'page on-call for approval', 'done');
}

function answered(
  deps: LeakDeps,
  state: LeakState,
  status: ApprovalState['status'],
  answer?: ApprovalAnswer,
): ApprovalState {
  if (!state.approval) throw new ApprovalStateError(`incident ${state.incidentId} was not held for approval`);
  return {
    ...state.approval,
    status,
    at: deps.now().toISOString(),
    ...(answer ? { by: answer.by } : {}),
    ...(answer?.note ? { note: answer.note } : {}),
  };
}

/** Approved: the response goes on as if under the cap (revoke-first revokes now; rotate-then-revoke rotates first). */
export async function approvalGranted(
  deps: LeakDeps,
  state: LeakState,
  answer: ApprovalAnswer,
): Promise<LeakState> {
  let next: LeakState = {
    ...act(state, deps.now(), 'approved by a human', 'done', `by ${answer.by} (claimed)`),
    decision: 'respond',
    approval: answered(deps, state, 'approved', answer),
  };
  if (next.key?.leakPolicy === 'revoke-first' && next.leaked.length && !next.revoked) {
    next = await revokeIssuedLeaked(deps, next, 'revoke leaked key (revoke-first, approved)');
  }
  // The record shows the approval; the spent token leaves it.
  await deps.incidents.save(toRecord(next, 'open'));
  return next;
}

async function endUnrevoked(deps: LeakDeps, state: LeakState, status: 'resolved' | 'escalated') {
  await deps.incidents.save(toRecord(state, status));
  // The next report of this key starts a new response instead of joining one that revoked nothing.
  if (state.key) await deps.incidents.releaseMarker(openMarkerOf(state.key), state.incidentId);
  await recordLedger(deps, state);
}

/** Denied: nothing revoked or rotated; recorded, and on-call told (a notice: a person decided). */
export async function approvalDenied(
  deps: LeakDeps,
  state: LeakState,
  answer: ApprovalAnswer,
): Promise<LeakState> {
  const next: LeakState = {
    ...act(
      state,
      deps.now(),
      'denied by a human: nothing revoked',
      'done',
      `by ${answer.by} (claimed)${answer.note ? `: ${answer.note}` : ''}`,
    ),
    approval: answered(deps, state, 'denied', answer),
  };
  await endUnrevoked(deps, next, 'resolved');
  await deps.notify({ ...leakMessage(next), severity: 'notice', kind: 'leak-approval-ended' });
  return next;
}

/** Nobody answered: the response ends without revoking, and pages (the leaked key still works). */
export async function approvalTimedOut(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const note = 'nobody approved in time: nothing was revoked or rotated, the leaked key STILL WORKS';
  const next: LeakState = {
    ...act(state, deps.now(), 'approval timed out', 'failed', note),
    approval: { ...answered(deps, state, 'timed-out'), note },
    failure: `approval timed out: ${note}`,
  };
  await endUnrevoked(deps, next, 'escalated');
  await deps.notify({ ...leakMessage(next), severity: 'critical', kind: 'leak-approval-ended' });
  return next;
}
