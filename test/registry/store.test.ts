/**
 * The registry's store over a real DynamoDB-compatible server (dynalite): the writer function as CloudFormation
 * invokes it (Create, Update, Delete, answered on the response URL), the reader's cache, and entries refused when
 * they are not what a deployment writes.
 */
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoKeyRegistry, DynamoRegistryWriter } from '../../lambdas/aws/key-registry';
import { REGISTRY_SCHEMA } from '../../lambdas/core/constants';
import { InvalidRegistryEntryError } from '../../lambdas/core/registry';
import { InvalidRegistrationRequestError } from '../../lambdas/core/registry-request';
import { deps as writerDeps, handler } from '../../lambdas/registry/handler';
import {
  BILLING_KMS_KEY_ARN as KMS,
  BILLING_POLICY,
  BILLING_SECRET_ARN as ARN,
} from '../helpers/billing-key';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';

const TABLE = 'registry';
const POLICY = { ...BILLING_POLICY, owner: 'payments-team@example.com' };
const RESPONSE_URL =
  'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=abc';

let dynamo: LocalDynamo;
let responses: Array<{ url: string; body: Record<string, unknown> }>;
let output: ReturnType<typeof captureOutput>;
const saved = { ...writerDeps };

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: REGISTRY_SCHEMA.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: REGISTRY_SCHEMA.partitionKey, KeyType: 'HASH' }],
    }),
  );
  writerDeps.writer = new DynamoRegistryWriter(dynamo.doc, TABLE);
  writerDeps.respond = async (url, body) => {
    responses.push({ url, body: JSON.parse(body) });
  };
});
afterAll(async () => {
  Object.assign(writerDeps, saved);
  await dynamo.close();
});
beforeEach(() => {
  responses = [];
  output = captureOutput();
});
afterEach(() => output.restore());

const request = (
  RequestType: string,
  props: Record<string, string> = {},
  extra: Record<string, string> = {},
) => ({
  RequestType,
  ResponseURL: RESPONSE_URL,
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Keyturn/1',
  RequestId: 'req-1',
  LogicalResourceId: 'KeyprodbillingapiRegistration',
  ResourceType: 'Custom::KeyturnRegistration',
  ResourceProperties: {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:writer',
    SecretName: 'keyturn/prod/billing-api',
    SecretArn: ARN,
    KmsKeyArn: KMS,
    Policy: JSON.stringify(POLICY),
    ...props,
  },
  ...extra,
});

const registry = (now = () => 0) => new DynamoKeyRegistry(dynamo.doc, TABLE, { now, cacheMs: 1000 });

test('rule: Create writes the entry and answers SUCCESS with the secret name as physical id; lookup reads it back', async () => {
  await expect(handler(request('Create'), lambdaContext())).resolves.toBe('SUCCESS');
  expect(responses).toEqual([
    {
      url: RESPONSE_URL,
      body: expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'keyturn/prod/billing-api' }),
    },
  ]);
  await expect(registry().lookup('keyturn/prod/billing-api')).resolves.toEqual({
    secretName: 'keyturn/prod/billing-api',
    secretArn: ARN,
    kmsKeyArn: KMS,
    policy: POLICY,
  });
  await expect(registry().lookup('keyturn/prod/other')).resolves.toBeUndefined();
});

test('rule: Update rewrites the entry; Delete removes it only while it names the same secret', async () => {
  await handler(request('Create'), lambdaContext());
  await handler(
    request('Update', { Policy: JSON.stringify({ ...POLICY, overlapHours: 48 }) }),
    lambdaContext(),
  );
  expect((await registry().lookup('keyturn/prod/billing-api'))?.policy.overlapHours).toBe(48);
  // A Delete for an older secret of the name (the key was re-created elsewhere) keeps the newer entry.
  await handler(request('Delete', { SecretArn: ARN.replace('AbCdEf', 'ZyXwVu') }), lambdaContext());
  expect(await registry().lookup('keyturn/prod/billing-api')).toBeDefined();
  await handler(request('Delete'), lambdaContext());
  expect(await registry().lookup('keyturn/prod/billing-api')).toBeUndefined();
  expect(responses.every((r) => r.body.Status === 'SUCCESS')).toBe(true);
});

test.each([
  ['a policy that is not JSON', { Policy: '{not json' }],
  ['a policy with an unknown tier', { Policy: JSON.stringify({ ...POLICY, tier: 'gold' }) }],
  ['an ARN without the random suffix', { SecretArn: ARN.slice(0, -7) }],
  ['a KMS alias in place of the key ARN', { KmsKeyArn: 'alias/keyturn' }],
])(
  'guard: a Create with %s writes nothing and answers FAILED (the deployment stops)',
  async (_what, props) => {
    await expect(handler(request('Create', props), lambdaContext())).resolves.toBe('FAILED');
    expect(responses[0].body.Status).toBe('FAILED');
    expect(await registry().lookup('keyturn/prod/billing-api')).toBeUndefined();
  },
);

test('guard: a Delete of an entry that never parsed answers SUCCESS (a deployment never hangs on it)', async () => {
  await expect(handler(request('Delete', { Policy: '{not json' }), lambdaContext())).resolves.toBe('SUCCESS');
});

test.each([
  ['an http response URL', { ResponseURL: RESPONSE_URL.replace('https', 'http') }],
  [
    'a response URL on another host',
    {
      ResponseURL: 'https://attacker.example.com/cloudformation-custom-resource-response-x.s3.amazonaws.com/',
    },
  ],
  ['an unknown request type', { RequestType: 'Purge' }],
])('attack: a direct invocation with %s is rejected: nothing written, nothing sent', async (_what, extra) => {
  await expect(handler(request('Create', {}, extra), lambdaContext())).rejects.toBeInstanceOf(
    InvalidRegistrationRequestError,
  );
  expect(responses).toEqual([]);
  expect(await registry().lookup('keyturn/prod/billing-api')).toBeUndefined();
});

test('rule: a warm reader keeps an entry for its cache time, then reads it again', async () => {
  await handler(request('Create'), lambdaContext());
  let t = 0;
  const reader = registry(() => t);
  await reader.lookup('keyturn/prod/billing-api');
  await handler(
    request('Update', { Policy: JSON.stringify({ ...POLICY, overlapHours: 12 }) }),
    lambdaContext(),
  );
  expect((await reader.lookup('keyturn/prod/billing-api'))?.policy.overlapHours).toBe(24);
  t = 1001;
  expect((await reader.lookup('keyturn/prod/billing-api'))?.policy.overlapHours).toBe(12);
  await handler(request('Delete'), lambdaContext());
});

// A well-formed item put by hand is stopped by the table's resource policy (test/infra/registry.test.ts), not here.
test('guard: a malformed item (no deployment writes one) is an error, never a key', async () => {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        [REGISTRY_SCHEMA.partitionKey]: { S: 'keyturn/prod/hand-made' },
        [REGISTRY_SCHEMA.secretArn]: { S: ARN },
        [REGISTRY_SCHEMA.kmsKeyArn]: { S: KMS },
        [REGISTRY_SCHEMA.policy]: { S: JSON.stringify({ ...POLICY, overlapHours: -1 }) },
      },
    }),
  );
  await expect(registry().lookup('keyturn/prod/hand-made')).rejects.toBeInstanceOf(InvalidRegistryEntryError);
  await expect(registry().list()).rejects.toBeInstanceOf(InvalidRegistryEntryError);
});
