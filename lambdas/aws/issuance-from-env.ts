/**
 * The issuance records a function reads and writes (the ledger table, ENV.ledgerTable). Without a table nothing is
 * recorded and nothing is found: a function deployed without it revokes no key at any provider (fail closed).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../core/constants';
import type { IssuanceLog } from '../core/issuance';
import { DynamoIssuanceLog } from './issuance-log';

const NONE: IssuanceLog = { recordIssued: async () => undefined, issuedFor: async () => [] };

export function issuanceFromEnv(env: Record<string, string | undefined>): IssuanceLog {
  const table = env[ENV.ledgerTable];
  return table ? new DynamoIssuanceLog(DynamoDBDocumentClient.from(new DynamoDBClient({})), table) : NONE;
}
