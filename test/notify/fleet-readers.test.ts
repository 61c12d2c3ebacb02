/**
 * Unexpected readers and tamper writes across a fleet: one rule for the whole prefix delivers every non-keyturn
 * read and write; the real notify handler decides against the deployed monitoring policy (built by lib/ exactly
 * as the stack builds it) and pages for the right key among 1,000, and for nobody else.
 */
import 'aws-sdk-client-mock-jest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { NOTIFY_ENV } from '../../lambdas/core/constants';
import { managedSecretReadsEventPattern, tamperWritesEventPattern } from '../../lib/monitoring/patterns';
import { policyKeyFor } from '../../lib/monitoring/policy';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { configWith, exampleConfig } from '../helpers/synth';
import * as s from '../monitoring/cloudtrail-samples';
import { eventMatches } from '../monitoring/event-pattern-evaluator';

const KEYS = 1000;
const ARN_PREFIX = `${s.PARTIAL_ARN_PREFIX}${s.PREFIX}`;
const KEYTURN_ROLE = `arn:aws:iam::${s.ACCOUNT}:role/Keyturn-PipelineRotateRole-ABC`;
const consumer = (i: number) => `arn:aws:iam::${s.ACCOUNT}:role/consumer-${i}`;
const secretName = (i: number) => `keyturn/prod/key-${i}`;

const base = exampleConfig();
const template = base.keys[0];
const config = configWith({
  ...JSON.parse(JSON.stringify({ ...base, keys: undefined })),
  keys: Array.from({ length: KEYS }, (_, i) => ({
    ...JSON.parse(JSON.stringify(template)),
    name: `key-${i}`,
    environment: 'prod',
    provider: { kind: 'self-issued', prefix: 'kt_live_' },
    allowedReaders: [consumer(i)],
  })),
});
const policyFile = path.join(mkdtempSync(path.join(tmpdir(), 'keyturn-fleet-')), 'policy.json');
writeFileSync(
  policyFile,
  JSON.stringify({
    version: 1,
    secretPrefix: s.PREFIX,
    keys: config.keys.map((k) => policyKeyFor(s.PREFIX, k, config.monitoring)),
  }),
);

const sns = mockClient(SNSClient);
const sm = mockClient(SecretsManagerClient);
const ddb = mockClient(DynamoDBClient);
let handler: (event: unknown, context: unknown) => Promise<string>;

beforeAll(() => {
  process.env.KEYTURN_CRITICAL_TOPIC_ARN = `arn:aws:sns:${s.REGION}:${s.ACCOUNT}:critical`;
  process.env.KEYTURN_NOTICE_TOPIC_ARN = `arn:aws:sns:${s.REGION}:${s.ACCOUNT}:notice`;
  process.env.KEYTURN_NOTIFY_DEDUPE_TABLE = 'dedupe';
  process.env[NOTIFY_ENV.policyFile] = policyFile;
  // Required after the environment is set: the handler reads the policy file at module scope.
  handler = jest.requireActual('../../lambdas/notify/handler').handler;
});
afterAll(() => {
  delete process.env[NOTIFY_ENV.policyFile];
});
beforeEach(() => {
  sns.reset();
  sm.reset();
  ddb.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ddb.on(PutItemCommand).resolves({});
  sm.on(DescribeSecretCommand).rejects(new Error('not described'));
});

const readerRule = managedSecretReadsEventPattern(s.PREFIX, ARN_PREFIX, [KEYTURN_ROLE]);
const tamperRule = tamperWritesEventPattern(s.PREFIX, ARN_PREFIX, [KEYTURN_ROLE]);
const read = (id: string, identity: s.Record_, eventID: string) =>
  s.asEvent({ ...s.secretCall('GetSecretValue', id, { identity }), eventID });

/** What EventBridge would deliver to notify for `event` (the rule's pattern), then the handler's outcome. */
async function deliver(rule: Record<string, unknown>, event: s.Record_): Promise<string | 'not delivered'> {
  if (!eventMatches(rule, event)) return 'not delivered';
  const out = captureOutput();
  try {
    return await handler(event, lambdaContext('keyturn-notify'));
  } finally {
    out.restore();
  }
}

function published(): Array<{ subject: string; message: string; key?: string }> {
  return sns.commandCalls(PublishCommand).map((c) => ({
    subject: c.args[0].input.Subject ?? '',
    message: c.args[0].input.Message ?? '',
    key: c.args[0].input.MessageAttributes?.key?.StringValue,
  }));
}

describe(`unexpected readers among ${KEYS} keys`, () => {
  test("a key's own allowed reader is not an incident (no page, no dedupe write)", async () => {
    expect(await deliver(readerRule, read(secretName(537), s.roleIdentity('consumer-537'), 'e-1'))).toBe(
      'allowed',
    );
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });

  test("another key's reader reading key 537 pages for key 537 and no other key", async () => {
    const event = read(`${ARN_PREFIX}prod/key-537-AbCdEf`, s.roleIdentity('consumer-12'), 'e-2');
    expect(await deliver(readerRule, event)).toBe('published');
    const pages = published();
    expect(pages).toHaveLength(1);
    expect(pages[0].key).toBe('key-537');
    expect(pages[0].subject).toContain('prod/key-537');
    expect(pages[0].message).toContain(
      `arn:aws:iam::${s.ACCOUNT}:role/consumer-12 read secret keyturn/prod/key-537`,
    );
    expect(pages[0].message).not.toMatch(/key-12\b|key-5370/);
  });

  test('root and IAM users are never allowed readers; keyturn roles are never delivered', async () => {
    expect(await deliver(readerRule, read(secretName(3), s.ROOT_IDENTITY, 'e-3'))).toBe('published');
    expect(await deliver(readerRule, read(secretName(4), s.userIdentity('consumer-4'), 'e-4'))).toBe(
      'published',
    );
    expect(
      await deliver(readerRule, read(secretName(5), s.roleIdentity('Keyturn-PipelineRotateRole-ABC'), 'e-5')),
    ).toBe('not delivered');
    expect(published().map((p) => p.key)).toEqual(['key-3', 'key-4']);
  });

  test('a read of a secret under the prefix that no deployment manages pages, saying so', async () => {
    expect(await deliver(readerRule, read('keyturn/x/planted', s.roleIdentity('dev'), 'e-6'))).toBe(
      'published',
    );
    expect(published()[0].message).toContain('no deployment manages');
  });
});

describe('tamper writes (issue 14)', () => {
  const create = (name: string, identity: s.Record_) =>
    s.asEvent(
      s.apiCall({
        source: 'secretsmanager.amazonaws.com',
        name: 'CreateSecret',
        params: { name, kmsKeyId: 'alias/aws/secretsmanager' },
        identity,
      }),
    );

  test('CreateSecret under the prefix by an outsider pages critical, naming the secret and the caller', async () => {
    expect(await deliver(tamperRule, create('keyturn/x/evil', s.roleIdentity('dev')))).toBe('published');
    const [page] = published();
    expect(page.subject).toContain('[keyturn critical] Managed secret written outside a deployment');
    expect(page.message).toContain(
      `arn:aws:iam::${s.ACCOUNT}:role/dev called CreateSecret on secret keyturn/x/evil`,
    );
  });

  test("CreateSecret by keyturn's role is not delivered", async () => {
    expect(
      await deliver(tamperRule, create('keyturn/x/new', s.roleIdentity('Keyturn-PipelineRotateRole-ABC'))),
    ).toBe('not delivered');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  test('a tag change on a managed key by an outsider pages for that key', async () => {
    const tag = s.asEvent(
      s.secretCall('TagResource', `${ARN_PREFIX}prod/key-42-QwErTy`, { identity: s.roleIdentity('dev') }),
    );
    expect(await deliver(tamperRule, tag)).toBe('published');
    expect(published()[0].key).toBe('key-42');
  });
});
