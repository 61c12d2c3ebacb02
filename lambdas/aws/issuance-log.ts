/**
 * The issuance records over DynamoDB (SDK v3 document client), in the ledger table under partitions of their own
 * (`issued#<secretName>`), so a role can be granted read of exactly these items (dynamodb:LeadingKeys). A record is
 * written once (conditional put; the same key recorded again is a no-op) and read with one Query per secret.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LEDGER_SCHEMA } from '../core/constants';
import {
  issuancePartition,
  issuanceSortKey,
  type IssuanceEntry,
  type IssuanceLog,
  type IssuedKeyRecord,
} from '../core/issuance';

const { partitionKey, sortKey } = LEDGER_SCHEMA;

export class DynamoIssuanceLog implements IssuanceLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordIssued(entry: IssuanceEntry): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [partitionKey]: issuancePartition(entry.secretName),
            [sortKey]: issuanceSortKey(entry.versionId, entry.keyId),
            kind: 'issuance',
            secretName: entry.secretName,
            secretArn: entry.secretArn,
            versionId: entry.versionId,
            keyId: entry.keyId,
            keyName: entry.keyName,
            environment: entry.environment,
            at: entry.at,
          },
          ConditionExpression: 'attribute_not_exists(#sk)',
          ExpressionAttributeNames: { '#sk': sortKey },
        }),
      );
    } catch (error) {
      // Recorded by an earlier attempt of the same createSecret: the record stands as first written.
      if (error instanceof ConditionalCheckFailedException) return;
      if ((error as Error)?.name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  async issuedFor(secretName: string, versionId?: string): Promise<IssuedKeyRecord[]> {
    const byVersion = versionId !== undefined;
    const records: IssuedKeyRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: byVersion ? '#pk = :pk AND begins_with(#sk, :version)' : '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionKey, ...(byVersion ? { '#sk': sortKey } : {}) },
          ExpressionAttributeValues: {
            ':pk': issuancePartition(secretName),
            ...(byVersion ? { ':version': `${versionId}#` } : {}),
          },
          // Records are written once and never changed; a strongly consistent read sees one written a moment ago.
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const { secretArn, versionId: v, keyId, at } = item;
        if (typeof secretArn === 'string' && typeof v === 'string' && typeof keyId === 'string')
          records.push({ secretArn, versionId: v, keyId, at: typeof at === 'string' ? at : '' });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
