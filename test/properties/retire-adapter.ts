/**
 * How the properties fire a scheduled retirement.
 * - `retireThroughProvider` is the least careful retire possible: it revokes whatever key the scheduled version
 *   holds, with no check of its own. If the protocol's hand-off (finishSecret → afterPromotion) ever named the
 *   wrong version, or named it before the successor was verified, the revocation check fires.
 * - `retireThroughRetireFunction` is the deployed retire logic (lambdas/core/retire.ts, with the Secrets Manager
 *   adapters over the same stateful fake): its own guards, revocation proof and retirement marks.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerRetirementMarks } from '../../lambdas/aws/retirement-marks';
import { retireVersion, type RetireOutcome } from '../../lambdas/core/retire';
import { loadKey } from '../../lambdas/core/rotation';
import type { RetireFn } from './rotation-world';

export const retireThroughProvider: RetireFn = async (world, ctx, versionId) => {
  const key = await loadKey(world.deps.store, ctx.secretId, versionId);
  if (!key) return;
  await world.provider.revoke(ctx, key);
};

/** Outcomes the real retire function reported, to show the property exercised each path. */
export const retireOutcomes = new Map<RetireOutcome, number>();

export const retireThroughRetireFunction: RetireFn = async (world, ctx, versionId) => {
  const result = await retireVersion(
    {
      store: world.deps.store,
      marks: new SecretsManagerRetirementMarks(new SecretsManagerClient({})),
      providers: world.deps.providers,
      registry: world.deps.registry,
      issuance: world.issuance,
      sleep: async () => undefined,
      now: () => new Date('2026-01-02T00:00:00Z'),
    },
    { secretId: ctx.secretId, versionId },
  );
  retireOutcomes.set(result.outcome, (retireOutcomes.get(result.outcome) ?? 0) + 1);
};
