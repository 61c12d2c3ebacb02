/**
 * An in-memory managed secret for the verifier's rule tests: versions that hold well-formed self-issued keys, staged
 * as Secrets Manager stages them, over test/mutation/core-world.ts's MemoryStore (which counts describes and reads).
 */
import { STAGE } from '../../lambdas/core/constants';
import { generateApiKey } from '../../lambdas/core/key-material';
import { serializeStoredKey } from '../../lambdas/core/stored-key';
import { MemoryStore } from '../mutation/core-world';

/** Add a version holding a new key with `prefix`; returns the key. */
export function addKey(store: MemoryStore, versionId: string, labels: string[], prefix = 'kt_live_'): string {
  const key = generateApiKey(prefix);
  store.addVersion(
    versionId,
    labels,
    serializeStoredKey({
      keyturn: 1,
      provider: 'self-issued',
      keyId: `id-${versionId}`,
      key,
      createdAt: '2026-11-01T00:00:00.000Z',
    }),
  );
  return key;
}

/** Rotate in memory: a new AWSCURRENT holding a new key, the old one AWSPREVIOUS, the one before that unlabelled. */
export function rotate(store: MemoryStore, versionId: string, prefix = 'kt_live_'): string {
  for (const [id, labels] of Object.entries(store.versions)) {
    store.versions[id] = labels.includes(STAGE.current)
      ? [STAGE.previous]
      : labels.filter((l) => l !== STAGE.previous);
  }
  return addKey(store, versionId, [STAGE.current], prefix);
}
