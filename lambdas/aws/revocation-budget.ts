/**
 * The blast-radius count in DynamoDB: one item (`gate#blast-radius`) in the incident table, changed by one
 * conditional UpdateItem per claim, so concurrent responses cannot both take the last place, and a retried task
 * (same incident id: a string set) never counts twice.
 *
 * A sliding window with one atomic write: time is cut into k buckets per window (B = window / k, k ≤ 10, B ≥ 1 min).
 * A claim in bucket c adds the incident to the sets of buckets c … c+k, each of which must hold fewer than the cap
 * (or hold this incident already). Any window of length W = k·B lies within buckets a … a+k, and every claim made in
 * it is in set a+k: at most `maxRevocations` claims in any window, whatever its start (a fixed counter per window
 * would let an attacker fit twice the cap across a boundary). The price: two claims up to W + B apart share a set,
 * so the cap holds over W + B (11 min for 10) at most. Old buckets are removed by later claims; the item has a TTL.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BudgetClaim, RevocationBudget } from '../core/leak/ports';

export const BUDGET_ITEM_ID = 'gate#blast-radius';

export interface BudgetOptions {
  maxRevocations: number;
  windowSeconds: number;
}

export class DynamoRevocationBudget implements RevocationBudget {
  readonly maxRevocations: number;
  readonly windowSeconds: number;
  /** Buckets per window, and the bucket length in seconds. */
  private readonly k: number;
  private readonly bucketSeconds: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    options: BudgetOptions,
  ) {
    this.maxRevocations = options.maxRevocations;
    this.windowSeconds = options.windowSeconds;
    this.k = Math.max(1, Math.min(10, Math.floor(options.windowSeconds / 60)));
    this.bucketSeconds = options.windowSeconds / this.k;
  }

  /** The buckets a claim at `now` is counted in (c … c+k). */
  bucketsAt(now: Date): number[] {
    const c = Math.floor(now.getTime() / 1000 / this.bucketSeconds);
    return Array.from({ length: this.k + 1 }, (_, i) => c + i);
  }

  async claim(incidentId: string, now: Date): Promise<BudgetClaim> {
    const buckets = this.bucketsAt(now);
    const names: Record<string, string> = {};
    const conditions: string[] = [];
    const adds: string[] = [];
    buckets.forEach((b, i) => {
      names[`#b${i}`] = `b${b}`;
      conditions.push(`(attribute_not_exists(#b${i}) OR size(#b${i}) < :max OR contains(#b${i}, :id))`);
      adds.push(`#b${i} :ids`);
    });
    // Buckets before c are never checked again: remove the k+1 most recent of them.
    const removes = buckets.map((b, i) => {
      names[`#old${i}`] = `b${b - this.k - 1}`;
      return `#old${i}`;
    });
    const expiresAt =
      Math.floor(now.getTime() / 1000) + Math.ceil(2 * (this.windowSeconds + this.bucketSeconds));
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: BUDGET_ITEM_ID },
          UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :exp REMOVE ${removes.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':ids': new Set([incidentId]),
            ':id': incidentId,
            ':max': this.maxRevocations,
            ':exp': expiresAt,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return { admitted: false, release: async () => undefined };
      throw error;
    }
    return { admitted: true, release: () => this.release(incidentId, buckets) };
  }

  private async release(incidentId: string, buckets: number[]): Promise<void> {
    const names = Object.fromEntries(buckets.map((b, i) => [`#b${i}`, `b${b}`]));
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: BUDGET_ITEM_ID },
        UpdateExpression: `DELETE ${buckets.map((_, i) => `#b${i} :ids`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':ids': new Set([incidentId]) },
      }),
    );
  }
}
