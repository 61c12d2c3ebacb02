/**
 * The read baselines of every key, in the notify dedupe table: a few items (`baseline#<chunk>`), each a compact JSON
 * map of up to BASELINES_PER_ITEM keys, so 10,000 keys cost 25 reads and 25 writes per run rather than 20,000.
 * An item also records the window it learned from, which makes a retried run a no-op for the baselines.
 */
import { BatchGetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BaselineSnapshot } from '../core/notify/evaluate';
import type { Baseline } from '../core/notify/usage';

/** ~70 bytes per key: 400 keys stay near 28 KB, far under DynamoDB's 400 KB item limit. */
export const BASELINES_PER_ITEM = 400;

type Packed = Record<string, [number, number, number, number]>;

function chunkOf(name: string, chunks: number): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % chunks;
}

export class DynamoBaselineStore {
  private readonly chunks: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    keyCount: number,
  ) {
    this.chunks = Math.max(1, Math.ceil(keyCount / BASELINES_PER_ITEM));
  }

  private pk(chunk: number): string {
    return `baseline#${this.chunks}#${chunk}`;
  }

  async load(): Promise<BaselineSnapshot> {
    const baselines = new Map<string, Baseline>();
    const ends: string[] = [];
    const all = Array.from({ length: this.chunks }, (_, i) => this.pk(i));
    for (let i = 0; i < all.length; i += 100) {
      let keys = all.slice(i, i + 100).map((pk) => ({ pk: { S: pk } }));
      while (keys.length) {
        const out = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          ends.push(item.windowEnd?.S ?? '');
          const packed = JSON.parse(item.b?.S ?? '{}') as Packed;
          for (const [name, [mean, variance, n, streak]] of Object.entries(packed))
            baselines.set(name, { mean, variance, n, streak });
        }
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      }
    }
    // Every chunk must have learned the same window, else the window counts as not learned yet.
    const windowEnd =
      ends.length === this.chunks && new Set(ends).size === 1 && ends[0] ? ends[0] : undefined;
    return { windowEnd, baselines };
  }

  async save(snapshot: BaselineSnapshot): Promise<void> {
    const packed: Packed[] = Array.from({ length: this.chunks }, () => ({}));
    for (const [name, b] of snapshot.baselines) {
      packed[chunkOf(name, this.chunks)][name] = [
        Number(b.mean.toPrecision(6)),
        Number(b.variance.toPrecision(6)),
        b.n,
        b.streak,
      ];
    }
    for (let i = 0; i < this.chunks; i++) {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: this.pk(i) },
            b: { S: JSON.stringify(packed[i]) },
            ...(snapshot.windowEnd ? { windowEnd: { S: snapshot.windowEnd } } : {}),
          },
        }),
      );
    }
  }
}
