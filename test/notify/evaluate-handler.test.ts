/**
 * The fleet evaluator's real handler over mocked Logs Insights, DynamoDB and SNS: a key over its request threshold
 * among 1,000 pages once, naming that key, on the topic of its severity; the queries are the shared ones, over the
 * configured log groups and the window the schedule's time gives.
 */
import 'aws-sdk-client-mock-jest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { EVALUATOR_ENV, NOTIFY_ENV, readsQuery, usageQuery } from '../../lambdas/core/constants';
import { policyKeyFor } from '../../lib/monitoring/policy';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { configWith, exampleConfig } from '../helpers/synth';

const base = exampleConfig();
const config = configWith({
  ...JSON.parse(JSON.stringify(base)),
  keys: Array.from({ length: 1000 }, (_, i) => ({
    ...JSON.parse(JSON.stringify(base.keys[0])),
    name: `key-${i}`,
    provider: { kind: 'self-issued', prefix: 'kt_live_' },
    alarms: { verifierService: 'api' },
  })),
});
const file = path.join(mkdtempSync(path.join(tmpdir(), 'keyturn-eval-')), 'policy.json');
writeFileSync(
  file,
  JSON.stringify({
    version: 1,
    secretPrefix: 'keyturn/',
    keys: config.keys.map((k) => policyKeyFor('keyturn/', k, config.monitoring)),
  }),
);

const logs = mockClient(CloudWatchLogsClient);
const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
let handler: (event: unknown, context: unknown) => Promise<{ findings: number; published: number }>;

beforeAll(() => {
  Object.assign(process.env, {
    KEYTURN_CRITICAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:critical',
    KEYTURN_NOTICE_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:notice',
    [NOTIFY_ENV.dedupeTable]: 'dedupe',
    [NOTIFY_ENV.policyFile]: file,
    [EVALUATOR_ENV.trailLogGroup]: 'trail-logs',
    [EVALUATOR_ENV.verifierLogGroups]: JSON.stringify(['/aws/lambda/api']),
  });
  handler = jest.requireActual('../../lambdas/notify/evaluate').handler;
});
afterAll(() => {
  delete process.env[NOTIFY_ENV.policyFile];
  delete process.env[EVALUATOR_ENV.verifierLogGroups];
});

test('a key over its critical request rate among 1,000 pages once, naming it; nothing else pages', async () => {
  logs.on(StartQueryCommand).callsFake((input: { logGroupNames: string[] }) => ({
    queryId: input.logGroupNames[0] === 'trail-logs' ? 'reads' : 'usage',
  }));
  logs.on(GetQueryResultsCommand, { queryId: 'usage' }).resolves({
    status: 'Complete',
    results: [
      [
        { field: 'service', value: 'api' },
        { field: 'KeyName', value: 'key-777' },
        { field: 'accepted', value: '6000' },
      ],
      [
        { field: 'service', value: 'api' },
        { field: 'KeyName', value: 'key-778' },
        { field: 'accepted', value: '100' },
      ],
    ],
  });
  logs.on(GetQueryResultsCommand, { queryId: 'reads' }).resolves({
    status: 'Complete',
    results: [
      [
        { field: 'secretId', value: 'keyturn/prod/key-1' },
        { field: 'reads', value: '4' },
      ],
    ],
  });
  ddb.on(BatchGetItemCommand).resolves({ Responses: { dedupe: [] } });
  ddb.on(PutItemCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  const out = captureOutput();
  let result;
  try {
    result = await handler({ time: '2026-12-01T10:07:00Z' }, lambdaContext('keyturn-evaluate'));
  } finally {
    out.restore();
  }
  expect(result).toEqual({ findings: 1, published: 1 });
  const pages = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
  expect(pages).toHaveLength(1);
  expect(pages[0]).toMatchObject({
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:critical',
    Subject: '[keyturn critical] Request rate high: prod/key-777',
  });
  expect(pages[0].MessageAttributes?.key?.StringValue).toBe('key-777');
  const starts = logs.commandCalls(StartQueryCommand).map((c) => c.args[0].input);
  expect(starts).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        logGroupNames: ['/aws/lambda/api'],
        queryString: usageQuery(),
        startTime: Date.parse('2026-12-01T10:00:00Z') / 1000,
        endTime: Date.parse('2026-12-01T10:05:00Z') / 1000 - 1,
      }),
      expect.objectContaining({ logGroupNames: ['trail-logs'], queryString: readsQuery('keyturn/') }),
    ]),
  );
  // Baselines: one item per 400 keys, all learned from the same window.
  const baselineWrites = ddb
    .commandCalls(PutItemCommand)
    .filter((c) => c.args[0].input.Item?.pk?.S?.startsWith('baseline#'));
  expect(baselineWrites).toHaveLength(3);
});
