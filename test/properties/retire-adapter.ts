/**
 * How the properties fire a scheduled retirement. This is deliberately the least careful retire possible: it
 * revokes whatever key the scheduled version holds, with no check of its own that the version is no longer
 * AWSCURRENT. If the protocol's hand-off (finishSecret → afterPromotion) ever named the wrong version, or named
 * it before the successor was verified, the property's revocation check fires. A retire function with its own
 * guards (lambdas/retire) can only be safer than this.
 */
import { loadKey } from '../../lambdas/core/rotation';
import type { RetireFn } from './rotation-world';

export const retireThroughProvider: RetireFn = async (world, ctx, versionId) => {
  const key = await loadKey(world.deps.store, ctx.secretId, versionId);
  if (!key) return;
  await world.provider.revoke(ctx, key);
};
