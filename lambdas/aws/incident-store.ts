/**
 * Incidents in DynamoDB (document client): one item per incident (`id`), plus an open-incident marker per key
 * (`open#<environment>/<key>`, TTL `expiresAt`) whose conditional put de-duplicates signals within the window, and
 * the blast-radius count (`gate#blast-radius`, lambdas/aws/revocation-budget.ts).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IncidentRecord, IncidentStore } from '../core/leak/ports';

export const INCIDENT_SCHEMA = { partitionKey: 'id', ttlAttribute: 'expiresAt' } as const;

export class DynamoIncidentStore implements IncidentStore {
  constructor(
    /** The client and table, shared with the blast-radius count (lambdas/aws/revocation-budget.ts). */
    readonly client: DynamoDBDocumentClient,
    readonly table: string,
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
    // The signal count belongs to the store (duplicates raise it): never overwrite it from the caller's copy; the
    // task token only attachApprovalToken writes.
    const fields = Object.fromEntries(
      Object.entries(rest).filter(([k]) => k !== 'signals' && k !== 'approvalToken'),
    );
    // A spent task token leaves the record once the approval is answered or timed out.
    const spent = record.approval && record.approval.status !== 'waiting';
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
        UpdateExpression: `SET ${sets.join(', ')}, signals = if_not_exists(signals, :one)${spent ? ' REMOVE approvalToken' : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    // Markers and the blast-radius count share the table: they are not incidents.
    if (!out.Item || /^(open|gate)#/.test(String(out.Item.id))) return undefined;
    return out.Item as IncidentRecord;
  }

  async attachApprovalToken(id: string, token: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: 'SET approvalToken = :token',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  }

  async releaseMarker(marker: string, incidentId: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: marker },
          // An expired marker is free (openOrJoin's condition); another incident's marker is left alone.
          UpdateExpression: 'SET expiresAt = :zero',
          ConditionExpression: 'incidentId = :mine',
          ExpressionAttributeValues: { ':zero': 0, ':mine': incidentId },
        }),
      )
      .catch((e: unknown) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
  }
}
