/**
 * The rotation ledger over DynamoDB (SDK v3 document client). append is idempotent: a conditional put on the
 * entry's idempotency key, so a retried step writes one entry. history reads one key's entries newest first.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  ledgerPartition,
  validateLedgerEntry,
} from '../core/ledger';
import { LEDGER_SCHEMA } from '../core/constants';
import type { Ledger, LedgerEntry } from '../core/ports';

type AppendOutcome = 'appended' | 'duplicate';

const { partitionKey, sortKey, timeIndex } = LEDGER_SCHEMA;

export class DynamoLedger implements Ledger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(entry: LedgerEntry): Promise<void> {
    await this.appendOnce(entry);
  }

  /** append, saying whether this call wrote the entry or found it already written. */
  async appendOnce(entry: LedgerEntry): Promise<AppendOutcome> {
    validateLedgerEntry(entry);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...stripUndefined(entry),
            [partitionKey]: ledgerPartition(entry.keyName, entry.environment),
            [sortKey]: entry.idempotencyKey,
          },
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': sortKey },
        }),
      );
      return 'appended';
    } catch (error) {
      // The same idempotency key was written before: a retry of a step that already recorded its outcome.
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error)?.name === 'ConditionalCheckFailedException'
      ) {
        return 'duplicate';
      }
      throw error;
    }
  }

  async history(
    keyName: string,
    environment: string,
    limit: number = DEFAULT_HISTORY_LIMIT,
  ): Promise<LedgerEntry[]> {
    const wanted = Math.max(1, Math.min(Math.floor(limit), MAX_HISTORY_LIMIT));
    const out: LedgerEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: timeIndex,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':pk': ledgerPartition(keyName, environment) },
          ScanIndexForward: false,
          Limit: wanted - out.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(toEntry(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < wanted);
    return out;
  }
}

function stripUndefined(entry: LedgerEntry): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));
}

function toEntry(item: Record<string, unknown>): LedgerEntry {
  const entry: LedgerEntry = {
    keyName: String(item.keyName),
    environment: String(item.environment),
    secretArn: String(item.secretArn),
    kind: item.kind as LedgerEntry['kind'],
    outcome: String(item.outcome),
    at: String(item.at),
    idempotencyKey: String(item.idempotencyKey),
  };
  if (typeof item.versionId === 'string') entry.versionId = item.versionId;
  if (typeof item.detail === 'string') entry.detail = item.detail;
  return entry;
}
