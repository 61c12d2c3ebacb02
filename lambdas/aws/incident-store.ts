/**
 * Incidents in DynamoDB (document client): one item per incident (`id`), plus an open-incident marker per key
 * (`open#<environment>/<key>`, TTL `expiresAt`) whose conditional put de-duplicates signals within the window.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IncidentRecord, IncidentStore } from '../core/leak/ports';

export const INCIDENT_SCHEMA = { partitionKey: 'id', ttlAttribute: 'expiresAt' } as const;

export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async openOrJoin(input: { marker: string; record: IncidentRecord; now: Date; windowSeconds: number }) {
    const now = Math.floor(input.now.getTime() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { id: input.marker, incidentId: input.record.id, expiresAt: now + input.windowSeconds },
          // Free, expired (TTL deletes lazily), or held by this very incident (a retried task).
          ConditionExpression: 'attribute_not_exists(id) OR expiresAt < :now OR incidentId = :mine',
          ExpressionAttributeValues: { ':now': now, ':mine': input.record.id },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { id: input.marker }, ConsistentRead: true }),
      );
      const incidentId = String(held.Item?.incidentId ?? '');
      await this.client
        .send(
          new UpdateCommand({
            TableName: this.table,
            Key: { id: incidentId },
            UpdateExpression: 'ADD signals :one',
            ConditionExpression: 'attribute_exists(id)',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        )
        .catch((e: unknown) => {
          // The open incident's record is not written yet (its response is seconds ahead): the marker is what counts.
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        });
      return { outcome: 'joined' as const, incidentId };
    }
    await this.client
      .send(
        new PutCommand({
          TableName: this.table,
          Item: { ...input.record },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      )
      .catch((e: unknown) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
    return { outcome: 'opened' as const, incidentId: input.record.id };
  }

  /** Write the record, keeping the signal count that duplicate signals raised meanwhile. */
  async save(record: IncidentRecord): Promise<void> {
    const { id, ...rest } = record;
    // The signal count belongs to the store (duplicates raise it): never overwrite it from the caller's copy.
    const fields = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'signals'));
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':one': 1 };
    const sets = Object.entries(fields).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: `SET ${sets.join(', ')}, signals = if_not_exists(signals, :one)`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    if (!out.Item || String(out.Item.id).startsWith('open#')) return undefined;
    return out.Item as IncidentRecord;
  }
}
