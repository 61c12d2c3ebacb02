/**
 * Sharding of managed keys across nested stacks. CloudFormation stops at 500 resources per stack and each key
 * brings KEY_RESOURCES of them, so beyond a few dozen keys they move into nested "key shard" stacks that the one
 * `cdk deploy` of the main stack deploys too. A key's shard is a hash of its environment and name: adding or
 * removing other keys never moves it (a move would re-create its secret), only a change of `keyShards` does.
 */
import { createHash } from 'node:crypto';
import type { KeyConfig } from './config/schema';

/** A key's own resources: its secret, its rotation schedule and its registry entry (monitoring adds none per key). */
export const KEY_RESOURCES = 3;
/** CloudFormation's limit of resources per stack. */
export const MAX_STACK_RESOURCES = 500;
/** Keys the main stack holds beside the pipeline (about 80 resources) before keys are sharded by default. */
export const MAX_KEYS_IN_MAIN_STACK = 40;
/** Keys per shard the default shard count aims at: hashing is uneven, so room is left under the limit. */
const TARGET_KEYS_PER_SHARD = 30;

export interface ShardPlan {
  /** 0: every key in the main stack. */
  shardCount: number;
  /** Whether the count came from the configuration (`pipeline.keyShards`) or the default. */
  pinned: boolean;
  /** The keys of each shard, in configuration order. */
  shards: KeyConfig[][];
}

export function shardOf(key: Pick<KeyConfig, 'environment' | 'name'>, shardCount: number): number {
  const digest = createHash('sha256').update(`${key.environment}/${key.name}`).digest();
  return digest.readUInt32BE(0) % shardCount;
}

function defaultShardCount(keyCount: number): number {
  return keyCount <= MAX_KEYS_IN_MAIN_STACK ? 0 : Math.ceil(keyCount / TARGET_KEYS_PER_SHARD);
}

/** Plan the shards; throws, naming the fix, when a shard would pass CloudFormation's limit. */
export function planShards(keys: readonly KeyConfig[], configured?: number): ShardPlan {
  const shardCount = configured ?? defaultShardCount(keys.length);
  const shards: KeyConfig[][] = Array.from({ length: shardCount }, () => []);
  if (shardCount > 0) for (const key of keys) shards[shardOf(key, shardCount)].push(key);
  const maxKeys = Math.floor((MAX_STACK_RESOURCES - 20) / KEY_RESOURCES);
  shards.forEach((shard, i) => {
    if (shard.length > maxKeys) {
      throw new Error(
        `key shard ${i} would hold ${shard.length} keys (${shard.length * KEY_RESOURCES} resources, CloudFormation allows ` +
          `${MAX_STACK_RESOURCES} per stack): raise pipeline.keyShards (now ${shardCount}) to at least ` +
          `${Math.ceil(keys.length / TARGET_KEYS_PER_SHARD)}`,
      );
    }
  });
  return { shardCount, pinned: configured !== undefined, shards };
}
