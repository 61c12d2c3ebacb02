/**
 * Retire one old key version when its schedule fires: re-read the secret, act only on a version that is no longer
 * current, revoke the key, prove the revocation, then record it. Any failure pages on-call and is thrown, so the
 * invocation is retried and finally lands in the dead-letter queue. Every step is idempotent: a second run of a
 * finished retirement is a no-op, a second run of a failed one redoes only what is missing.
 */
import { RETIREMENT_TAGS } from './constants';
import { KeyConfigurationError } from './errors';
import type { KeyPolicy } from './key-policy';
import { UnissuedKeyError, wasIssued, type IssuanceLog } from './issuance';
import { admitSecret, type KeyRegistry } from './registry';
import type { Ledger, SecretDescription, SecretStore } from './ports';
import type { KeyContext, KeyProvider, ProviderRegistry, Verification } from './provider';
import { acceptedVersions, decideRetirement, type RetirementRequest } from './retirement';
import { RevocationFailedError, RevocationNotProvenError } from './retirement-errors';
import { realSleep, retryUntil, type RetryPolicy, type Sleep } from './retry';
import { loadKey } from './rotation';
import type { StoredKey } from './stored-key';

/** Writes on the secret that record a retirement (Secrets Manager: UpdateSecretVersionStage, TagResource). */
export interface RetirementMarks {
  /** Take AWSPREVIOUS off `versionId`, so consumers reading AWSCURRENT/AWSPREVIOUS no longer see the old key. */
  removePreviousLabel(secretId: string, versionId: string): Promise<void>;
  /** Tag the secret with the retired version and time. */
  markRetired(secretId: string, versionId: string, at: Date): Promise<void>;
}

/**
 * What one failed attempt tells on-call (notice topic; never key material). Lambda retries the attempt twice; the
 * page comes once, from the dead-letter alarm, when every attempt failed, so a failing retirement pages one time.
 */
export interface RetirementAlert {
  severity: 'notice';
  kind: 'retirement-failed';
  subject: string;
  message: string;
  keyName?: string;
  environment?: string;
}

export interface RetireDeps {
  store: SecretStore;
  marks: RetirementMarks;
  providers: ProviderRegistry;
  /** The deployed registry: which secrets are keys, and their provider settings (never the tags). */
  registry: KeyRegistry;
  /** What keyturn issued: a key is revoked only if its id is recorded for this secret and version. */
  issuance: IssuanceLog;
  /** Name prefix of managed secrets. */
  secretPrefix?: string;
  alert?: (alert: RetirementAlert) => Promise<unknown>;
  ledger?: Ledger;
  now?: () => Date;
  sleep?: Sleep;
  /** How long to wait for a revocation to propagate before calling it failed. */
  proofRetry?: RetryPolicy;
}

/** Up to ~1 minute of backoff: IAM and API Gateway take seconds to stop honouring a deleted key. */
export const REVOCATION_PROOF_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, maxDelayMs: 20_000 };

export type RetireOutcome =
  'retired' | 'skipped-current' | 'skipped-pending' | 'already-retired' | 'no-key' | 'refused-unissued';

export interface RetireResult {
  outcome: RetireOutcome;
  keyName?: string;
  environment?: string;
}

const SKIP_OUTCOME = {
  'is-current': 'skipped-current',
  'is-pending': 'skipped-pending',
  'already-retired': 'already-retired',
} as const;

export async function retireVersion(deps: RetireDeps, request: RetirementRequest): Promise<RetireResult> {
  const { secretId, versionId } = request;
  const description = await deps.store.describe(secretId);
  // Refused before anything else: an unregistered secret gets no provider call, no mark and no ledger line.
  const { policy } = await admitSecret(deps.registry, description, deps.secretPrefix);
  const labels = { keyName: policy.keyName, environment: policy.environment };
  const decision = decideRetirement(description, versionId);
  if (decision.action === 'skip') {
    await record(deps, description, policy, versionId, 'skipped', decision.reason);
    return { outcome: SKIP_OUTCOME[decision.reason], ...labels };
  }
  try {
    const provider = deps.providers.get(policy.provider);
    if (!provider) throw new KeyConfigurationError(description.arn, `unknown provider "${policy.provider}"`);
    const key = await loadKey(deps.store, description.arn, versionId);
    if (!key) {
      // The bootstrap placeholder or a value-less version: nothing was ever issued, so nothing to revoke.
      if (decision.holdsPreviousLabel) await deps.marks.removePreviousLabel(description.arn, versionId);
      await record(deps, description, policy, versionId, 'skipped', 'no key in this version');
      return { outcome: 'no-key', ...labels };
    }
    const ctx: KeyContext = {
      secretId: description.arn,
      secretName: description.name,
      token: versionId,
      policy,
    };
    await requireIssued(deps, provider, ctx, key);
    await revoke(deps, provider, ctx, key, decision.holdsPreviousLabel);
    await prove(deps, provider, ctx, key);
    const at = deps.now?.() ?? new Date();
    await record(
      deps,
      description,
      policy,
      versionId,
      'verified-refused',
      `key ${key.keyId} refused after revocation`,
    );
    await deps.marks.markRetired(description.arn, versionId, at);
    return { outcome: 'retired', ...labels };
  } catch (error) {
    if (error instanceof UnissuedKeyError) {
      // Not a failure to retry: the handler pages on-call once (critical); the ledger keeps the refusal.
      await record(deps, description, policy, versionId, 'refused-unissued', error.message).catch(() => {});
    } else await raiseAlarm(deps, description, policy, versionId, error);
    throw error;
  }
}

/**
 * Before any revoke: the stored key id must be one keyturn recorded issuing for this secret and version. Keys that
 * consumers check against the secret (self-issued) are revoked per version by the marks, never by id at a
 * provider: nothing to check.
 */
async function requireIssued(deps: RetireDeps, provider: KeyProvider, ctx: KeyContext, key: StoredKey) {
  if (provider.checkedByConsumers) return;
  const records = await deps.issuance.issuedFor(ctx.secretName, ctx.token);
  if (!wasIssued(records, ctx.secretId, ctx.token, key.keyId))
    throw new UnissuedKeyError(ctx.secretId, ctx.token, {
      keyName: ctx.policy.keyName,
      environment: ctx.policy.environment,
    });
}

async function revoke(
  deps: RetireDeps,
  provider: KeyProvider,
  ctx: KeyContext,
  key: StoredKey,
  holdsPrevious: boolean,
) {
  const { secretId, token: versionId } = ctx;
  try {
    // Consumers first: the verifier stops accepting the key as soon as the label is gone.
    if (holdsPrevious) await deps.marks.removePreviousLabel(secretId, versionId);
    // A key consumers check against the secret has nothing to revoke elsewhere: no provider call for it.
    if (!provider.checkedByConsumers) await provider.revoke(ctx, key);
  } catch (error) {
    const detail =
      error instanceof Error ? `${error.name}: ${error.message}` : 'a non-Error value was thrown';
    throw new RevocationFailedError(secretId, versionId, detail, { cause: error });
  }
}

/** The old key must be refused where it is checked: by the provider, and/or by consumers reading the secret. */
async function prove(deps: RetireDeps, provider: KeyProvider, ctx: KeyContext, key: StoredKey) {
  const { secretId, token: versionId } = ctx;
  const fresh = await deps.store.describe(secretId);
  if (acceptedVersions(fresh).includes(versionId)) {
    throw new RevocationNotProvenError(secretId, versionId, 'the version is still AWSCURRENT or AWSPREVIOUS');
  }
  if (provider.checkedByConsumers) return;
  // A vendor whose revocation propagates slowly asks for a wait first (HTTP presets: proofWaitMs).
  const wait = provider.proofDelayMs?.(ctx) ?? 0;
  if (wait > 0) await (deps.sleep ?? realSleep)(wait);
  const result = await retryUntil<Verification>(
    deps.proofRetry ?? REVOCATION_PROOF_RETRY,
    () => provider.verify(ctx, key),
    (r) => !r.accepted,
    deps.sleep,
  );
  if (result.accepted) {
    throw new RevocationNotProvenError(
      secretId,
      versionId,
      `${provider.kind} still accepts key ${key.keyId}`,
    );
  }
}

async function record(
  deps: RetireDeps,
  description: SecretDescription,
  policy: KeyPolicy,
  versionId: string,
  outcome: string,
  detail: string,
) {
  if (!deps.ledger) return;
  const at = (deps.now?.() ?? new Date()).toISOString();
  await deps.ledger.append({
    keyName: policy.keyName,
    environment: policy.environment,
    secretArn: description.arn,
    kind: 'retirement',
    outcome,
    at,
    versionId,
    detail,
    // The proven retirement is one fact per version (a retry writes it once); skips and failures are events.
    idempotencyKey:
      outcome === 'verified-refused' ? `retirement#${versionId}` : `retirement#${versionId}#${outcome}#${at}`,
  });
}

async function raiseAlarm(
  deps: RetireDeps,
  description: SecretDescription,
  policy: KeyPolicy | undefined,
  versionId: string,
  error: unknown,
) {
  const what = error instanceof Error ? `${error.name}: ${error.message}` : 'a non-Error value was thrown';
  const runbook = policy?.runbook ? `\nRunbook: ${policy.runbook}` : '';
  const keyName = policy?.keyName ?? description.name;
  try {
    await deps.alert?.({
      severity: 'notice',
      kind: 'retirement-failed',
      subject: `keyturn: old key of ${keyName}${policy ? ` (${policy.environment})` : ''} not retired (retrying)`,
      message:
        `The old key version ${versionId} of ${description.name} could not be retired and may still work.\n` +
        `${what}\nThe retirement is retried; if every retry fails it lands in the retirement dead-letter queue ` +
        `and its alarm pages on-call (critical topic) once. ` +
        `Tag ${RETIREMENT_TAGS.retiredVersion} is written only once the revocation is proven.${runbook}`,
      keyName: policy?.keyName,
      environment: policy?.environment,
    });
    if (policy) await record(deps, description, policy, versionId, 'failed', what);
  } catch {
    // The original failure matters more: it is thrown to the caller, which retries and dead-letters it.
  }
}
