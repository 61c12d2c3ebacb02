/**
 * The revocation table over DynamoDB (SDK v3, no document client: the verifier bundles this). Reads are
 * eventually consistent GetItem/BatchGetItem with a projection: half a read request unit per tiny item.
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { REVOCATION_SCHEMA } from '../core/constants';
import {
  parseRevokedVersions,
  RevocationsUnreadableError,
  type RevocationPublisher,
  type RevocationReader,
  type RevokedVersions,
} from '../core/revocations';

const { partitionKey, revokedAttribute, updatedAttribute } = REVOCATION_SCHEMA;
/** BatchGetItem takes at most 100 keys per call. */
const BATCH = 100;

export class DynamoRevocationStore implements RevocationPublisher, RevocationReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async publish(secretName: string, versionIds: string[], at: Date): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [partitionKey]: { S: secretName },
          [revokedAttribute]: { S: versionIds.join(' ') },
          [updatedAttribute]: { S: at.toISOString() },
        },
      }),
    );
  }

  async read(secretNames: readonly string[]): Promise<RevokedVersions> {
    const out = new Map<string, string[]>();
    const names = [...new Set(secretNames)];
    if (names.length === 1) {
      const res = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: { S: names[0] } },
          ProjectionExpression: '#r',
          ExpressionAttributeNames: { '#r': revokedAttribute },
        }),
      );
      out.set(names[0], parseRevokedVersions(res.Item?.[revokedAttribute]?.S));
      return out;
    }
    for (let i = 0; i < names.length; i += BATCH) {
      let keys = names.slice(i, i + BATCH).map((name) => ({ [partitionKey]: { S: name } }));
      for (const name of names.slice(i, i + BATCH)) out.set(name, []);
      // Unprocessed keys (throttling) are asked again; a read that never completes throws (fail closed).
      for (let attempt = 0; keys.length && attempt < 3; attempt++) {
        const res = await this.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression: '#k, #r',
                ExpressionAttributeNames: { '#k': partitionKey, '#r': revokedAttribute },
              },
            },
          }),
        );
        for (const item of res.Responses?.[this.tableName] ?? []) {
          const name = item[partitionKey]?.S;
          if (name !== undefined) out.set(name, parseRevokedVersions(item[revokedAttribute]?.S));
        }
        keys = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      }
      if (keys.length)
        throw new RevocationsUnreadableError(`${keys.length} revocation records unread after 3 attempts`);
    }
    return out;
  }
}
