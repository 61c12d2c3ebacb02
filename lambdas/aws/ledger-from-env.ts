/** The ledger a function writes to, when its stack gave it one (ENV.ledgerTable); none otherwise. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../core/constants';
import { DynamoLedger } from './ledger';

export function ledgerFromEnv(env: Record<string, string | undefined>): DynamoLedger | undefined {
  const table = env[ENV.ledgerTable];
  return table ? new DynamoLedger(DynamoDBDocumentClient.from(new DynamoDBClient({})), table) : undefined;
}
