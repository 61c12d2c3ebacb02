/**
 * The first task: resolve the key and, under the default policy "revoke-first", revoke it, in two round trips
 * (1: DescribeSecret ∥ read AWSCURRENT ∥ read AWSPREVIOUS ∥ the secret's issuance records; 2: provider revoke ∥
 * revoked-versions tag). Only a key id keyturn recorded issuing for that secret and version is revoked at the
 * provider; any other is refused (nothing called, a critical page). Only then open the incident, or join the one
 * already open for this key (a duplicate signal: nothing more is done), and page on-call: four round trips from
 * the event to the page.
 */
import { STAGE } from '../constants';
import { KeyConfigurationError } from '../errors';
import { UnissuedKeyError, wasIssued, type IssuedKeyRecord } from '../issuance';
import type { KeyPolicy } from '../key-policy';
import { admitSecret, UnregisteredSecretError } from '../registry';
import type { SecretDescription } from '../ports';
import type { KeyContext } from '../provider';
import { revokedVersionsOf } from '../retirement';
import { parseSecretContent, type StoredKey } from '../stored-key';
import { SecretNotFoundError, type LeakDeps, type StageRead } from './ports';
import { parseLeakEvent, type LeakSignal } from './signal';
import {
  act,
  incidentIdFor,
  openMarkerOf,
  type LeakedVersion,
  type LeakState,
  type ManagedKeyRef,
} from './state';
import { containedMessage, reporterOf, toRecord } from './record';
import { holdForApproval, startClaim } from './gate';

/** Keep the revoked-versions tag under Secrets Manager's 256-character tag value limit. */
const MAX_REVOKED_IDS = 6;

export interface LiveKey {
  version: LeakedVersion;
  key: StoredKey;
}

export async function contain(deps: LeakDeps, event: unknown): Promise<LeakState> {
  const signal = parseLeakEvent(event);
  const now = deps.now();
  let state: LeakState = {
    incidentId: incidentIdFor(signal),
    decision: 'respond',
    detectedAt: now.toISOString(),
    signal,
    leaked: [],
    revoked: false,
    rotation: 'not-started',
    rotationChecks: 0,
    actions: [],
  };
  state = act(
    state,
    now,
    'signal received',
    'note',
    `${signal.origin}: ${signal.where} (reported by ${reporterOf(signal)})`,
  );

  // The blast-radius count goes out with the first reads (gate.ts): no extra round trip under the cap.
  const claim = startClaim(deps, state.incidentId);
  const secretId = await resolveSecretId(deps, signal);
  const found = secretId ? await readKey(deps, secretId) : undefined;
  if (!found) {
    await claim.settle(false);
    return {
      ...act(state, deps.now(), 'resolve key', 'failed', 'not a keyturn-managed key'),
      decision: 'unmanaged',
    };
  }

  const { description, policy, current, previous, issued } = found;
  const key = keyRef(description, policy);
  const live = liveKeys(description, [current, previous]);
  const leaked = signal.keyId ? live.filter((k) => k.version.keyId === signal.keyId) : live;
  state = { ...state, key, leaked: leaked.map((k) => k.version), replacedVersion: current?.versionId };
  state = act(
    state,
    deps.now(),
    'resolve key',
    'done',
    `${key.secretName}: ${leaked.length} live version(s) treated as leaked`,
  );
  if (signal.keyId && leaked.length === 0) {
    state = act(
      state,
      deps.now(),
      'match key id',
      'note',
      `key id ${signal.keyId} is not a live version: already retired or revoked`,
    );
  }

  if (!(await claim.settle(leaked.length > 0))) return holdForApproval(deps, state);
  if (policy.leakPolicy === 'revoke-first' && leaked.length) {
    const refused = await revokeVersions(deps, description, policy, leaked, issued);
    state = {
      ...act(
        state,
        deps.now(),
        'revoke leaked key (revoke-first)',
        refused.length === leaked.length ? 'failed' : 'done',
        describeRevocation(leaked, refused),
      ),
      revoked: true,
    };
  }

  const opened = await deps.incidents.openOrJoin({
    marker: openMarkerOf(key),
    record: toRecord(state, 'open'),
    now: deps.now(),
    windowSeconds: deps.dedupeWindowSeconds,
  });
  if (opened.outcome === 'joined') {
    await claim.release();
    return {
      ...act(state, deps.now(), 'join open incident', 'note', opened.incidentId),
      decision: 'joined',
      incidentId: opened.incidentId,
    };
  }
  await deps.notify(containedMessage(state));
  return act(state, deps.now(), 'page on-call', 'done');
}

export function describeVersion(v: LeakedVersion): string {
  return `${v.versionId} (${v.stage}, key ${v.keyId})`;
}

/**
 * What the revoke did, for the incident: the revoked versions, and the refused ones by version only (a refused key
 * id is whatever someone wrote into the value).
 */
export function describeRevocation(keys: LiveKey[], refused: LiveKey[]): string {
  const revoked = keys.filter((k) => !refused.includes(k)).map((k) => describeVersion(k.version));
  const parts = revoked.length ? [revoked.join(', ')] : [];
  if (refused.length)
    parts.push(
      `NOT revoked, keyturn did not issue the key of version(s) ${refused.map((k) => k.version.versionId).join(', ')}: a human revokes it`,
    );
  return parts.join('; ');
}

/** The secret's name, from an ARN (`…:secret:<name>-<6 characters>`) or the name itself. */
export function secretNameOf(secretId: string): string {
  const at = secretId.startsWith('arn:') ? secretId.indexOf(':secret:') : -1;
  if (at < 0) return secretId;
  return secretId.slice(at + ':secret:'.length).replace(/-[A-Za-z0-9]{6}$/, '');
}

async function resolveSecretId(deps: LeakDeps, signal: LeakSignal): Promise<string | undefined> {
  if (signal.key) {
    if (signal.key.startsWith('arn:') || signal.key.startsWith(deps.secretPrefix)) return signal.key;
    if (signal.environment) return `${deps.secretPrefix}${signal.environment}/${signal.key}`;
    const matches = await deps.secrets.findByKeyName(signal.key);
    return matches.length === 1 ? matches[0] : undefined;
  }
  return signal.keyId ? deps.secrets.findByKeyId(signal.keyId) : undefined;
}

async function readKey(deps: LeakDeps, secretId: string) {
  const settle = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => (error instanceof SecretNotFoundError ? undefined : Promise.reject(error)));
  // One round trip: the four reads go out together (the issuance records by the name the id gives).
  const [description, current, previous, records] = await Promise.all([
    settle(deps.secrets.describe(secretId)),
    settle(deps.secrets.readStage(secretId, STAGE.current)),
    settle(deps.secrets.readStage(secretId, STAGE.previous)),
    deps.issuance.issuedFor(secretNameOf(secretId)),
  ]);
  if (!description) return undefined;
  // An id that did not give the name (a partial ARN): one more read, by the name DescribeSecret gave.
  const issued =
    description.name === secretNameOf(secretId) ? records : await deps.issuance.issuedFor(description.name);
  // The registry, not the tags, says whether this is a key and what its policy is: a planted secret is unmanaged.
  const entry = await admitSecret(deps.registry, description, deps.secretPrefix).catch((error: unknown) =>
    error instanceof UnregisteredSecretError ? undefined : Promise.reject(error),
  );
  if (!entry) return undefined;
  return { description, policy: entry.policy, current, previous, issued };
}

function keyRef(description: SecretDescription, policy: KeyPolicy): ManagedKeyRef {
  return {
    secretArn: description.arn,
    secretName: description.name,
    keyName: policy.keyName,
    environment: policy.environment,
    provider: policy.provider,
    leakPolicy: policy.leakPolicy,
    ...(policy.owner ? { owner: policy.owner } : {}),
    ...(policy.runbook ? { runbook: policy.runbook } : {}),
    linkedSystems: policy.linkedSystems,
  };
}

/**
 * The keys that may still work: AWSCURRENT and AWSPREVIOUS that hold a key. A version already in the revoked-versions
 * tag is included: the tag and the provider revoke are written together, so a contain retried after the provider
 * failed finds the tag written and the key still live at the provider (revoking again is idempotent).
 */
function liveKeys(description: SecretDescription, reads: Array<StageRead | undefined>): LiveKey[] {
  const live: LiveKey[] = [];
  for (const read of reads) {
    if (!read) continue;
    const labels = description.versions[read.versionId] ?? [];
    const stage = labels.includes(STAGE.current)
      ? STAGE.current
      : labels.includes(STAGE.previous)
        ? STAGE.previous
        : undefined;
    const parsed = parseSecretContent(read.value);
    if (!stage || !parsed.ok || parsed.content.kind !== 'key') continue;
    const key = parsed.content.key;
    live.push({
      version: {
        versionId: read.versionId,
        keyId: key.keyId,
        stage,
        ...(key.createdAt ? { createdAt: key.createdAt } : {}),
      },
      key,
    });
  }
  return live;
}

/**
 * Revoke at the provider and mark the versions refused for consumers (the revoked-versions tag and the revocation
 * record verifiers poll), together: one round trip. A key whose id keyturn did not record issuing for this secret
 * and version (`issued`) is not revoked: it is reported (deps.reportUnissued, in the same round trip) and returned.
 * Keys consumers check against the secret (self-issued) are revoked per version by the marks: no provider call.
 */
export async function revokeVersions(
  deps: LeakDeps,
  description: SecretDescription,
  policy: KeyPolicy,
  all: LiveKey[],
  issued: readonly IssuedKeyRecord[],
): Promise<LiveKey[]> {
  const provider = deps.providers.get(policy.provider);
  if (!provider) throw new KeyConfigurationError(description.arn, `unknown provider "${policy.provider}"`);
  const consumerChecked = provider.checkedByConsumers;
  const refused = consumerChecked
    ? []
    : all.filter((k) => !wasIssued(issued, description.arn, k.version.versionId, k.key.keyId));
  const keys = all.filter((k) => !refused.includes(k));
  const labels = { keyName: policy.keyName, environment: policy.environment };
  const reports = refused.map((k) =>
    deps.reportUnissued?.(new UnissuedKeyError(description.arn, k.version.versionId, labels)),
  );
  if (!keys.length) {
    await Promise.all(reports);
    return refused;
  }
  const ids = [
    ...new Set([...keys.map((k) => k.version.versionId), ...revokedVersionsOf(description)]),
  ].slice(0, MAX_REVOKED_IDS);
  const ctxOf = (versionId: string): KeyContext => ({
    secretId: description.arn,
    secretName: description.name,
    token: versionId,
    policy,
  });
  await Promise.all([
    deps.secrets.markRevoked(description.arn, ids),
    // Verifiers read this record every few seconds: the revocation reaches them without a Secrets Manager read.
    deps.revocations?.publish(description.name, ids, deps.now()),
    // One provider call where the provider can (IAM deactivates the stored key id): `contain`, else `revoke`.
    // Keys consumers check against the secret are refused by the marks above: nothing to call.
    ...(consumerChecked ? [] : keys).map((k) =>
      provider.contain
        ? provider.contain(ctxOf(k.version.versionId), k.key)
        : provider.revoke(ctxOf(k.version.versionId), k.key),
    ),
    ...reports,
  ]);
  return refused;
}
