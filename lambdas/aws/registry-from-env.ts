/**
 * The registry a function reads (REGISTRY_ENV.table). Without one every secret is refused: a function deployed
 * without its registry acts on nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REGISTRY_ENV } from '../core/constants';
import type { KeyRegistry } from '../core/registry';
import { DynamoKeyRegistry } from './key-registry';

const EMPTY: KeyRegistry = { lookup: async () => undefined, list: async () => [] };

export function registryFromEnv(env: Record<string, string | undefined>): KeyRegistry {
  const table = env[REGISTRY_ENV.table];
  return table ? new DynamoKeyRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), table) : EMPTY;
}
