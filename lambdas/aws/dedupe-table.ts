/** Durable de-duplication claims in DynamoDB: one conditional PutItem per claim, expired items removed by TTL. */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DedupeClaims } from '../core/notify/dedupe';

export class DynamoDedupeClaims implements DedupeClaims {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(key: string, nowMs: number, windowMs: number): Promise<boolean> {
    const nowSeconds = Math.floor(nowMs / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: key }, expiresAt: { N: String(nowSeconds + Math.ceil(windowMs / 1000)) } },
          // TTL deletion lags by hours: an item past its expiry is free to claim again.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Expire our own claim now (the item then admits the next claim), unless it is no longer ours: one conditional
   * PutItem, the only action the functions' roles hold on the table.
   */
  async release(key: string, claimedAtMs: number, windowMs: number): Promise<void> {
    const claimedAtSeconds = Math.floor(claimedAtMs / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: key }, expiresAt: { N: String(claimedAtSeconds) } },
          ConditionExpression: 'expiresAt = :ours',
          ExpressionAttributeValues: {
            ':ours': { N: String(claimedAtSeconds + Math.ceil(windowMs / 1000)) },
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
