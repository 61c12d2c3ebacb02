/**
 * The leak response's later tasks, each a pure function of (deps, state) → state, run by the state machine in this
 * order: rotate → check-rotation (looped with a wait) → revoke-leaked (rotate-then-revoke only) → audit →
 * rotate-linked → conclude → (wait 1 h) → second-check. `escalate` is the catch-all for a task that kept failing.
 * Tasks whose failure must not stop the response (rotate, audit, rotate-linked) record it and go on.
 */
import { STAGE } from '../constants';
import { KeyConfigurationError, KeyturnError } from '../errors';
import { wasIssued } from '../issuance';
import { admitSecret } from '../registry';
import { acceptedVersions } from '../retirement';
import { retryUntil } from '../retry';
import { parseSecretContent } from '../stored-key';
import { versionWithLabel } from '../version-labels';
import { summarizeTrail, type TrailRecord } from './audit-summary';
import { describeRevocation, revokeVersions, type LiveKey } from './contain';
import { SecretNotFoundError, type LeakDeps } from './ports';
import { leakMessage, toRecord } from './record';
import { act, type LeakState } from './state';

/** Checks of AWSCURRENT before the rotation counts as failed (with the state machine's 15 s wait: 10 minutes). */
export const MAX_ROTATION_CHECKS = 40;
/** CloudTrail events read per lookup; LookupEvents pages hold 50 and the API allows 2 calls a second. */
export const MAX_AUDIT_EVENTS = 500;
/** CloudTrail keeps 90 days of management events: the window cannot start earlier. */
const TRAIL_DAYS = 90;

class NoManagedKeyError extends KeyturnError {}

function requireKey(state: LeakState) {
  if (!state.key) throw new NoManagedKeyError(`incident ${state.incidentId} has no managed key`);
  return state.key;
}

/** ClientRequestToken for RotateSecret: the same per incident, so a retried task starts no second rotation. */
export function rotationTokenFor(incidentId: string): string {
  return `keyturn-leak-${incidentId}`
    .replace(/[^A-Za-z0-9-]/g, '-')
    .padEnd(32, '0')
    .slice(0, 64);
}

export async function rotate(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const key = requireKey(state);
  try {
    const outcome = await deps.secrets.rotateNow(key.secretArn, rotationTokenFor(state.incidentId));
    return {
      ...act(
        state,
        deps.now(),
        'rotate now (RotateSecret)',
        'done',
        outcome === 'in-progress' ? 'a rotation was already running: waiting for it' : undefined,
      ),
      rotation: 'pending',
    };
  } catch (error) {
    return {
      ...act(state, deps.now(), 'rotate now (RotateSecret)', 'failed', errorText(error)),
      rotation: 'failed',
    };
  }
}

export async function checkRotation(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const key = requireKey(state);
  if (state.rotation !== 'pending') return state;
  const description = await deps.secrets.describe(key.secretArn);
  const current = versionWithLabel(description.versions, STAGE.current);
  const checks = state.rotationChecks + 1;
  if (current && current !== state.replacedVersion) {
    return {
      ...act(state, deps.now(), 'replacement is AWSCURRENT', 'done', current),
      rotation: 'current',
      newVersion: current,
      rotationChecks: checks,
    };
  }
  if (checks >= MAX_ROTATION_CHECKS) {
    return {
      ...act(
        state,
        deps.now(),
        'wait for replacement',
        'failed',
        `no new AWSCURRENT after ${checks} checks: read the rotate function's log`,
      ),
      rotation: 'failed',
      rotationChecks: checks,
    };
  }
  return { ...state, rotationChecks: checks };
}

/** Re-read the leaked versions' keys (they never travel in the state). */
async function loadLeaked(deps: LeakDeps, state: LeakState) {
  const key = requireKey(state);
  const [description, issued] = await Promise.all([
    deps.secrets.describe(key.secretArn),
    deps.issuance.issuedFor(key.secretName),
  ]);
  const { policy } = await admitSecret(deps.registry, description, deps.secretPrefix);
  const values = await Promise.all(
    state.leaked.map((v) => deps.secrets.readVersion(key.secretArn, v.versionId)),
  );
  const live: LiveKey[] = [];
  state.leaked.forEach((version, i) => {
    const parsed = parseSecretContent(values[i] ?? '');
    if (parsed.ok && parsed.content.kind === 'key') live.push({ version, key: parsed.content.key });
  });
  return { description, policy, live, issued };
}

/** rotate-then-revoke: revoke only once the replacement is current; never when the rotation failed. */
export async function revokeLeaked(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  if (state.revoked || !state.leaked.length) return state;
  if (state.rotation !== 'current') {
    return act(
      state,
      deps.now(),
      'revoke leaked key (rotate-then-revoke)',
      'skipped',
      'the replacement is not current: the leaked key still works',
    );
  }
  return revokeIssuedLeaked(deps, state, 'revoke leaked key (rotate-then-revoke)');
}

/**
 * Revoke the leaked versions whose keys keyturn issued (the others are reported, not revoked: revokeVersions) and
 * record it as `action`; failed when not one of them could be revoked.
 */
export async function revokeIssuedLeaked(
  deps: LeakDeps,
  state: LeakState,
  action: string,
): Promise<LeakState> {
  const { description, policy, live, issued } = await loadLeaked(deps, state);
  const refused = await revokeVersions(deps, description, policy, live, issued);
  return {
    ...act(
      state,
      deps.now(),
      action,
      refused.length && refused.length === live.length ? 'failed' : 'done',
      refused.length ? describeRevocation(live, refused) : state.leaked.map((v) => v.versionId).join(', '),
    ),
    revoked: true,
  };
}

export async function audit(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const key = requireKey(state);
  const to = deps.now();
  const floor = new Date(to.getTime() - TRAIL_DAYS * 86_400_000);
  const starts = [state.signal.exposedAt, ...state.leaked.map((v) => v.createdAt)].filter((t): t is string =>
    Boolean(t),
  );
  const earliest = starts.length ? new Date(Math.min(...starts.map((t) => Date.parse(t)))) : floor;
  const from = earliest < floor ? floor : earliest;
  // IAM keys are named in CloudTrail by their access key id; other keys are audited through reads of their secret.
  const lookups =
    key.provider === 'iam-access-key' && state.leaked.length
      ? state.leaked.map((v) => ({ key: 'AccessKeyId' as const, value: v.keyId }))
      : [{ key: 'ResourceName' as const, value: key.secretArn }];
  const records: TrailRecord[] = [];
  let partial = false;
  let note: string | undefined;
  for (const lookup of lookups) {
    try {
      const result = await deps.trail.lookup(lookup, from, to, MAX_AUDIT_EVENTS);
      records.push(...result.records);
      partial ||= result.truncated;
    } catch (error) {
      partial = true;
      note = `CloudTrail lookup incomplete (${errorText(error)}): run the lookup by hand for ${lookup.key}=${lookup.value}`;
    }
  }
  const summary = summarizeTrail(records, { from: from.toISOString(), to: to.toISOString() }, partial, note);
  return {
    ...act(
      state,
      deps.now(),
      'audit CloudTrail',
      note ? 'note' : 'done',
      `${summary.events} event(s)${partial ? ', partial' : ''}`,
    ),
    audit: summary,
  };
}

/** Linked systems that are keyturn keys of the same environment are rotated too; the rest are listed for people. */
export async function rotateLinked(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  const key = requireKey(state);
  let next = state;
  for (const system of key.linkedSystems.slice(0, 20)) {
    const secretId = `${deps.secretPrefix}${key.environment}/${system}`;
    try {
      const description = await deps.secrets.describe(secretId);
      if (!(await deps.registry.lookup(description.name))) throw new SecretNotFoundError(secretId);
      await deps.secrets.rotateNow(description.arn, rotationTokenFor(`${state.incidentId}-${system}`));
      next = act(next, deps.now(), `rotate linked key ${system}`, 'done');
    } catch (error) {
      next =
        error instanceof SecretNotFoundError
          ? act(
              next,
              deps.now(),
              `linked system ${system}`,
              'note',
              'not a keyturn key: its owner must check it and move it to the new key',
            )
          : act(next, deps.now(), `rotate linked key ${system}`, 'failed', errorText(error));
    }
  }
  return next;
}

/** Is every leaked key refused now? Self-issued keys: not accepted by consumers; others: the provider says no. */
export async function leakedKeysRefused(deps: LeakDeps, state: LeakState): Promise<boolean> {
  if (!state.leaked.length) return true;
  const { description, policy, live } = await loadLeaked(deps, state);
  const provider = deps.providers.get(policy.provider);
  if (!provider) throw new KeyConfigurationError(description.arn, `unknown provider "${policy.provider}"`);
  const accepted = acceptedVersions(description);
  if (provider.checkedByConsumers) return live.every((k) => !accepted.includes(k.version.versionId));
  const results = await Promise.all(
    live.map((k) => {
      const ctx = {
        secretId: description.arn,
        secretName: description.name,
        token: k.version.versionId,
        policy,
      };
      const verify = () => provider.verify(ctx, k.key);
      // A revocation takes seconds to propagate (IAM): give it the provider's own patience.
      return provider.verifyRetry
        ? retryUntil(provider.verifyRetry, verify, (r) => !r.accepted, deps.sleep)
        : verify();
    }),
  );
  return results.every((r) => !r.accepted);
}

export async function recordLedger(deps: LeakDeps, state: LeakState): Promise<void> {
  const key = state.key;
  if (!deps.ledger || !key) return;
  const base = { keyName: key.keyName, environment: key.environment, secretArn: key.secretArn };
  const at = deps.now().toISOString();
  if (state.revoked) {
    // A leaked version whose key keyturn did not issue was not revoked: the ledger says so (no key id: anyone chose it).
    const consumerChecked = deps.providers.get(key.provider)?.checkedByConsumers ?? false;
    const issued = consumerChecked ? [] : await deps.issuance.issuedFor(key.secretName);
    for (const v of state.leaked) {
      const revoked = consumerChecked || wasIssued(issued, key.secretArn, v.versionId, v.keyId);
      await deps.ledger.append({
        ...base,
        kind: 'revocation',
        outcome: revoked ? 'leak' : 'refused-unissued',
        at,
        versionId: v.versionId,
        detail: revoked
          ? `incident ${state.incidentId}: key ${v.keyId}`
          : `incident ${state.incidentId}: not revoked, keyturn did not issue this version's key`,
        idempotencyKey: revoked ? `revocation#${v.versionId}` : `revocation#${v.versionId}#refused-unissued`,
      });
    }
  }
  await deps.ledger.append({
    ...base,
    kind: 'incident',
    outcome: state.failure ? 'escalated' : 'responded',
    at,
    detail: `incident ${state.incidentId}: ${state.signal.where}`.slice(0, 4096),
    idempotencyKey: `incident#${state.incidentId}`,
  });
}

/** Verify, record and tell on-call. Idempotent: a retry rewrites the same record and ledger entries. */
export async function conclude(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  let next = state;
  if (state.decision === 'respond' && state.revoked) {
    const refused = await leakedKeysRefused(deps, state);
    next = {
      ...act(
        next,
        deps.now(),
        'verify revocation',
        refused ? 'done' : 'failed',
        refused ? 'the leaked key is refused' : 'the leaked key is STILL ACCEPTED',
      ),
      verified: refused,
    };
  }
  await deps.incidents.save(toRecord(next, outcomeOf(next)));
  await recordLedger(deps, next);
  await deps.notify(leakMessage(next));
  return next;
}

/** Resolved only when the key is managed, replaced and (if revoked) verified refused; else a person must act. */
function outcomeOf(state: LeakState): 'resolved' | 'escalated' {
  return state.decision === 'unmanaged' || state.rotation === 'failed' || state.verified === false
    ? 'escalated'
    : 'resolved';
}

/** A task failed after its retries: on-call must take over. Records what is known and pages. */
export async function escalate(
  deps: LeakDeps,
  state: LeakState,
  error: { Error?: string; Cause?: string } | undefined,
): Promise<LeakState> {
  const failure =
    `${error?.Error ?? 'a task failed'}${error?.Cause ? `: ${causeText(error.Cause)}` : ''}`.slice(0, 1024);
  const next = { ...act(state, deps.now(), 'escalate to on-call', 'failed', failure), failure };
  await deps.incidents.save(toRecord(next, 'escalated'));
  await recordLedger(deps, next);
  await deps.notify(leakMessage(next));
  return next;
}

/** An hour later: the leaked key must still be refused (a re-enabled IAM key, a restored version…). */
export async function secondCheck(deps: LeakDeps, state: LeakState): Promise<LeakState> {
  if (!state.revoked) return state;
  const refused = await leakedKeysRefused(deps, state);
  const next = {
    ...act(state, deps.now(), 'second check of the revocation', refused ? 'done' : 'failed'),
    secondCheck: refused ? ('refused' as const) : ('still-accepted' as const),
  };
  // A passing second check never turns an incident that needed a person (no replacement…) into "resolved".
  await deps.incidents.save(toRecord(next, refused ? outcomeOf(next) : 'escalated'));
  if (!refused) {
    const message = leakMessage(next);
    await deps.notify({
      ...message,
      kind: 'leak-still-accepted',
      subject: `keyturn: leaked key of ${next.key?.keyName ?? 'a key'} is ACCEPTED AGAIN`,
      message: `The second check found a leaked key accepted again.\n\n${message.message}`,
    });
  }
  return next;
}

function errorText(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`.slice(0, 500)
    : 'a non-Error value was thrown';
}

/** Step Functions' Cause of a Lambda failure is a JSON string of {errorType, errorMessage, trace}: keep the first two. */
function causeText(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorType?: string; errorMessage?: string };
    return [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ').slice(0, 800);
  } catch {
    return cause.slice(0, 300);
  }
}
