/**
 * Rules of the durable dedupe claims in DynamoDB (lambdas/aws/dedupe-table.ts) when a page could not be sent: the
 * claim is given back by expiring it now, with the one action the roles hold (PutItem), and only while it is still
 * the claim this container made; a newer claim is left alone; other errors propagate.
 */
import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDedupeClaims } from '../../lambdas/aws/dedupe-table';

const ddb = mockClient(DynamoDBClient);
beforeEach(() => ddb.reset());

test('rule: a release expires our own claim now, conditioned on the expiry our claim wrote', async () => {
  ddb.on(PutItemCommand).resolves({});
  const claims = new DynamoDedupeClaims(new DynamoDBClient({}), 'dedupe');
  await claims.claim('k', 1_000_500, 600_000);
  await claims.release('k', 1_000_500, 600_000);
  const [claim, release] = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
  expect(release).toEqual({
    TableName: 'dedupe',
    Item: { pk: { S: 'k' }, expiresAt: { N: '1000' } },
    ConditionExpression: 'expiresAt = :ours',
    ExpressionAttributeValues: { ':ours': claim.Item!.expiresAt },
  });
  // Expired at the claim's own second: the next claim's condition (expiresAt <= now) admits it.
  expect(Number(release.Item!.expiresAt.N)).toBeLessThanOrEqual(
    Number(claim.ExpressionAttributeValues![':now'].N),
  );
});

test('rule: a claim that is no longer ours is left alone; other errors propagate', async () => {
  const claims = new DynamoDedupeClaims(new DynamoDBClient({}), 'dedupe');
  ddb
    .on(PutItemCommand)
    .rejectsOnce(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));
  await expect(claims.release('k', 0, 1000)).resolves.toBeUndefined();
  ddb.reset();
  ddb.on(PutItemCommand).rejectsOnce(new Error('throttled'));
  await expect(claims.release('k', 0, 1000)).rejects.toThrow('throttled');
});
