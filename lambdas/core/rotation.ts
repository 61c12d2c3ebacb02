/**
 * The Secrets Manager rotation protocol (createSecret → setSecret → testSecret → finishSecret) over the
 * SecretStore and KeyProvider ports. Every step is idempotent: a retry, a repeat or a half-finished earlier
 * run reaches the same end state, and AWSCURRENT only ever moves to a version whose key was verified.
 */
import { STAGE, type RotationStep } from './constants';
import {
  KeyConfigurationError,
  KeyVerificationError,
  MalformedSecretValueError,
  NoCurrentVersionError,
  PendingValueMissingError,
  ProviderError,
  RotationNotEnabledError,
  UnknownVersionError,
  VersionNotPendingError,
} from './errors';
import { wasIssued, type IssuanceLog } from './issuance';
import { admitSecret, type KeyRegistry } from './registry';
import type { Ledger, SecretDescription, SecretStore } from './ports';
import type { KeyContext, KeyProvider, ProviderRegistry } from './provider';
import { retryUntil, type Sleep } from './retry';
import type { RotationMemo } from './rotation-memo';
import type { RotationEvent } from './rotation-event';
import { parseSecretContent, serializeStoredKey, type StoredKey } from './stored-key';
import { versionWithLabel } from './version-labels';

export interface RotationDeps {
  store: SecretStore;
  providers: ProviderRegistry;
  /** The deployed registry: the only source of which secrets are keys and of their provider settings. */
  registry: KeyRegistry;
  now?: () => Date;
  sleep?: Sleep;
  /**
   * Called by finishSecret once the token is AWSCURRENT, with the version it replaced (if any).
   * Must be idempotent: a retried finishSecret calls it again. The retirement schedule plugs in here.
   */
  afterPromotion?: (ctx: KeyContext, previousVersionId: string | undefined) => Promise<void>;
  /** Name prefix of managed secrets; a secret outside it is refused even if tagged (defence beyond IAM). */
  secretPrefix?: string;
  /** Per-container memo of each rotation's provider: spares setSecret its call when there is nothing to activate. */
  memo?: RotationMemo;
  /** The rotation ledger: finishSecret records each promotion once (a retried finish writes the same entry). */
  ledger?: Ledger;
  /**
   * Where createSecret records each key it issues (before the value is stored). Retirement and the leak response
   * revoke only recorded keys. @default - none: nothing is recorded, so nothing this rotation issues can be revoked
   */
  issuance?: IssuanceLog;
}

export type StepOutcome =
  | 'created'
  | 'already-created'
  | 'activated'
  | 'nothing-to-activate'
  | 'verified'
  | 'promoted'
  | 'already-current';

/** Which staging labels a version carries, per the service's rules. */
function stagesOf(description: SecretDescription, versionId: string): string[] | undefined {
  return Object.hasOwn(description.versions, versionId) ? description.versions[versionId] : undefined;
}

function currentVersionOf(description: SecretDescription): string | undefined {
  return versionWithLabel(description.versions, STAGE.current);
}

function previousVersionOf(description: SecretDescription): string | undefined {
  return versionWithLabel(description.versions, STAGE.previous);
}

type PreCheck = { state: 'current' } | { state: 'pending' };

/** The checks AWS's own rotation templates make before every step. */
export function checkVersion(description: SecretDescription, token: string): PreCheck {
  if (!description.rotationEnabled) throw new RotationNotEnabledError(description.arn);
  const stages = stagesOf(description, token);
  if (!stages) throw new UnknownVersionError(description.arn, token);
  if (stages.includes(STAGE.current)) return { state: 'current' };
  if (!stages.includes(STAGE.pending)) throw new VersionNotPendingError(description.arn, token);
  return { state: 'pending' };
}

/** Admit the secret through the registry (never its tags) and find its provider; before any provider call. */
async function resolve(deps: RotationDeps, description: SecretDescription, token: string) {
  const { policy } = await admitSecret(deps.registry, description, deps.secretPrefix);
  const provider = deps.providers.get(policy.provider);
  if (!provider) {
    throw new KeyConfigurationError(description.arn, `unknown provider "${policy.provider}"`);
  }
  const ctx: KeyContext = { secretId: description.arn, secretName: description.name, token, policy };
  return { ctx, provider };
}

/** Read and parse one version's key; `undefined` when the version has no value or holds the bootstrap value. */
export async function loadKey(
  store: SecretStore,
  secretId: string,
  versionId: string,
): Promise<StoredKey | undefined> {
  const raw = await store.getValue(secretId, versionId);
  if (raw === undefined) return undefined;
  const parsed = parseSecretContent(raw);
  if (!parsed.ok) throw new MalformedSecretValueError(secretId, versionId, parsed.reason);
  return parsed.content.kind === 'key' ? parsed.content.key : undefined;
}

async function createSecret(
  deps: RotationDeps,
  description: SecretDescription,
  event: RotationEvent,
): Promise<StepOutcome> {
  const currentVersion = currentVersionOf(description);
  if (!currentVersion) throw new NoCurrentVersionError(description.arn);
  const { ctx, provider } = await resolve(deps, description, event.ClientRequestToken);
  deps.memo?.remember(event.SecretId, ctx.token, provider.kind);
  const { store } = deps;
  // A provider with side effects must not issue a second key on retry: look for a stored value first.
  if (provider.createHasSideEffects && (await store.getValue(ctx.secretId, ctx.token)) !== undefined) {
    return 'already-created';
  }
  const issued = await provider.create(ctx, () => loadIssuedCurrent(deps, ctx, currentVersion));
  // Recorded before the value is stored: every key id a version holds through keyturn has its record.
  await deps.issuance?.recordIssued({
    secretName: description.name,
    secretArn: ctx.secretId,
    versionId: ctx.token,
    keyId: issued.keyId,
    keyName: ctx.policy.keyName,
    environment: ctx.policy.environment,
    at: (deps.now?.() ?? new Date()).toISOString(),
  });
  const value = serializeIssuedKey(provider.kind, {
    keyturn: 1,
    provider: provider.kind,
    keyId: issued.keyId,
    key: issued.key,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    ...(issued.expiresAt ? { expiresAt: issued.expiresAt } : {}),
    ...(issued.attributes ? { attributes: issued.attributes } : {}),
  });
  const result = await store.putPendingValue({
    secretId: ctx.secretId,
    token: ctx.token,
    value,
    rotationToken: event.RotationToken,
  });
  return result === 'stored' ? 'created' : 'already-created';
}

/**
 * The AWSCURRENT key a provider may act on while creating (IAM makes room by deleting the user's other key): only
 * one keyturn recorded issuing for that version, so a key id written into AWSCURRENT by hand decides nothing. A
 * secret with no record at all was managed before issuance was recorded: its first rotation trusts the value, as
 * keyturn did then (docs/trust.md).
 */
async function loadIssuedCurrent(
  deps: RotationDeps,
  ctx: KeyContext,
  currentVersion: string,
): Promise<StoredKey | undefined> {
  const [key, records] = await Promise.all([
    loadKey(deps.store, ctx.secretId, currentVersion),
    deps.issuance ? deps.issuance.issuedFor(ctx.secretName) : Promise.resolve([]),
  ]);
  if (!key || records.length === 0) return key;
  return wasIssued(records, ctx.secretId, currentVersion, key.keyId) ? key : undefined;
}

/** A provider's answer is outside input: a malformed one is a typed error naming fields, never their values. */
function serializeIssuedKey(kind: string, key: StoredKey): string {
  try {
    return serializeStoredKey(key);
  } catch (error) {
    const issues = (error as { issues?: Array<{ path: PropertyKey[] }> }).issues ?? [];
    const fields = [...new Set(issues.map((issue) => issue.path.map(String).join('.') || '(root)'))].join(
      ', ',
    );
    throw new ProviderError(kind, `returned a malformed key (fields: ${fields || 'unknown'})`, false, {
      cause: error,
    });
  }
}

async function requirePendingKey(store: SecretStore, ctx: KeyContext): Promise<StoredKey> {
  const key = await loadKey(store, ctx.secretId, ctx.token);
  if (!key) throw new PendingValueMissingError(ctx.secretId, ctx.token);
  return key;
}

async function verifyPending(deps: RotationDeps, provider: KeyProvider, ctx: KeyContext, key: StoredKey) {
  const verify = () => provider.verify(ctx, key);
  const result = provider.verifyRetry
    ? await retryUntil(provider.verifyRetry, verify, (r) => r.accepted, deps.sleep)
    : await verify();
  if (!result.accepted) throw new KeyVerificationError(ctx.secretId, ctx.token, result.reason);
}

/**
 * Run one rotation step. Calls to Secrets Manager for a self-issued key: createSecret 2, setSecret 0 when the
 * container ran this rotation's createSecret (else 1), testSecret 2, finishSecret 3 (it re-reads and re-verifies
 * the pending key, so an out-of-order finish can never promote an empty or unverified version).
 */
export async function runRotationStep(deps: RotationDeps, event: RotationEvent): Promise<StepOutcome> {
  const { store } = deps;
  const step: RotationStep = event.Step;
  const token = event.ClientRequestToken;

  if (step === 'setSecret') return setSecret(deps, event);

  const description = await store.describe(event.SecretId);
  const check = checkVersion(description, token);
  if (check.state === 'current') {
    if (step !== 'finishSecret') return 'already-current';
    // A finishSecret retried after the promotion: make sure the old key's retirement is still arranged.
    const { ctx } = await resolve(deps, description, token);
    deps.memo?.forget(event.SecretId, token);
    await deps.afterPromotion?.(ctx, previousVersionOf(description));
    await recordPromotion(deps, description, ctx);
    return 'already-current';
  }

  switch (step) {
    case 'createSecret':
      return createSecret(deps, description, event);
    case 'testSecret': {
      const { ctx, provider } = await resolve(deps, description, token);
      await verifyPending(deps, provider, ctx, await requirePendingKey(store, ctx));
      return 'verified';
    }
    case 'finishSecret': {
      const { ctx, provider } = await resolve(deps, description, token);
      await verifyPending(deps, provider, ctx, await requirePendingKey(store, ctx));
      const currentVersion = currentVersionOf(description);
      if (!currentVersion) throw new NoCurrentVersionError(description.arn);
      await store.promoteToCurrent(ctx.secretId, token, currentVersion);
      deps.memo?.forget(event.SecretId, token);
      await deps.afterPromotion?.(ctx, currentVersion);
      await recordPromotion(deps, description, ctx);
      return 'promoted';
    }
  }
}

/** setSecret only matters for providers that must activate a created key; for the others it checks and stops. */
async function setSecret(deps: RotationDeps, event: RotationEvent): Promise<StepOutcome> {
  const known = deps.memo?.recall(event.SecretId, event.ClientRequestToken);
  if (known !== undefined && deps.providers.get(known) && !deps.providers.get(known)?.activate) {
    return 'nothing-to-activate';
  }
  const description = await deps.store.describe(event.SecretId);
  const check = checkVersion(description, event.ClientRequestToken);
  if (check.state === 'current') return 'already-current';
  const { ctx, provider } = await resolve(deps, description, event.ClientRequestToken);
  if (!provider.activate) return 'nothing-to-activate';
  await provider.activate(ctx, await requirePendingKey(deps.store, ctx));
  return 'activated';
}

/** One ledger line per promoted version; its idempotency key makes a retried finishSecret write it once. */
async function recordPromotion(
  deps: RotationDeps,
  description: SecretDescription,
  ctx: KeyContext,
): Promise<void> {
  if (!deps.ledger) return;
  await deps.ledger.append({
    keyName: ctx.policy.keyName,
    environment: ctx.policy.environment,
    secretArn: description.arn,
    kind: 'rotation',
    outcome: 'succeeded',
    at: (deps.now?.() ?? new Date()).toISOString(),
    versionId: ctx.token,
    detail: `version ${ctx.token} is AWSCURRENT (provider ${ctx.policy.provider})`,
    idempotencyKey: `rotation#${ctx.token}`,
  });
}
