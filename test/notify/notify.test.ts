/** The notify function: classification, one clear message per kind, de-duplication, and no key material ever. */
import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDedupeClaims } from '../../lambdas/aws/dedupe-table';
import { classifyEvent, UnrecognisedEventError } from '../../lambdas/core/notify/classify';
import { Deduplicator } from '../../lambdas/core/notify/dedupe';
import { formatNotification } from '../../lambdas/core/notify/format';
import { keyInfoFrom, notifyIncident, type NotifyDeps } from '../../lambdas/core/notify/notify';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import * as s from '../monitoring/cloudtrail-samples';

const KEY_MATERIAL = 'kt_live_9QzXv7Lk2PqR8sT4uW6yA1bC3dE5fG7hJ0mN2oP4';
const description = {
  arn: s.SECRET_ARN,
  name: s.SECRET_NAME,
  rotationEnabled: true,
  versions: {},
  tags: managedTags({
    'keyturn:backup-owner': 'platform-oncall@example.com',
    'keyturn:runbook': 'https://runbooks.example.com/keyturn/billing-api',
  }),
};

const events = {
  'rotation-failed': s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'aRN'),
  'rotation-abandoned': s.rotationServiceEvent('RotationAbandoned', s.SECRET_ARN, 'arn'),
  'destructive-change': s.asEvent(
    s.secretCall('DeleteSecret', s.SECRET_ARN, { identity: s.roleIdentity('ops-admin') }),
  ),
  'unexpected-read': s.asEvent(
    s.secretCall('GetSecretValue', s.SECRET_NAME, { identity: s.userIdentity('mallory') }),
  ),
} as const;

describe('classification', () => {
  test.each(Object.entries(events))('%s events are recognised', (kind, event) => {
    expect(classifyEvent(event).kind).toBe(kind);
  });

  test('RotationFailed names the secret from aRN (old spelling) and arn (new)', () => {
    expect(classifyEvent(s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'aRN')).secretId).toBe(
      s.SECRET_ARN,
    );
    expect(classifyEvent(s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'arn')).secretId).toBe(
      s.SECRET_ARN,
    );
  });

  test('a role is reported by its role ARN, not the session', () => {
    expect(classifyEvent(events['destructive-change']).principal).toBe(
      `arn:aws:iam::${s.ACCOUNT}:role/ops-admin`,
    );
  });

  test.each([
    ['no detail', { 'detail-type': 'x' }],
    ['RotationSucceeded', s.rotationServiceEvent('RotationSucceeded', s.SECRET_ARN, 'arn')],
    ['an unrelated API call', s.asEvent(s.secretCall('DescribeSecret', s.SECRET_NAME))],
    ['a scheduled event', { 'detail-type': 'Scheduled Event', detail: { eventName: 'x' } }],
  ])('%s is refused with a typed error', (_label, event) => {
    expect(() => classifyEvent(event)).toThrow(UnrecognisedEventError);
  });
});

describe('formatting: one clear message per kind', () => {
  test.each(Object.entries(events))('%s', (kind, event) => {
    const n = formatNotification(classifyEvent(event), keyInfoFrom(description));
    expect(n).toMatchObject({ kind, keyName: 'billing-api', environment: 'prod' });
    expect(n.severity).toBe(kind === 'rotation-abandoned' ? 'notice' : 'critical');
    expect(n.subject.length).toBeLessThanOrEqual(100);
    expect(n.message).toContain(
      'Owner:         payments-team@example.com (backup: platform-oncall@example.com)',
    );
    expect(n.message).toContain('Runbook: https://runbooks.example.com/keyturn/billing-api');
    expect(n.message).toContain('Since:         2026-11-2');
    expect(n.message).toContain('What keyturn did:');
    expect(n.message).toContain('Next commands:');
    expect(n.message).toMatchSnapshot();
  });

  test('without the secret description the message still says what happened, and that the owner is unknown', () => {
    const n = formatNotification(classifyEvent(events['rotation-failed']), undefined);
    expect(n.message).toContain(`RotationFailed for secret ${s.SECRET_ARN}`);
    expect(n.message).toContain('Owner:         unknown');
    expect(n.keyName).toBeUndefined();
  });

  test('a KMS key deletion names the key, not a secret', () => {
    const n = formatNotification(
      classifyEvent(s.asEvent(s.kmsCall('ScheduleKeyDeletion', s.KMS_KEY_ARN))),
      undefined,
    );
    expect(n.message).toContain(`called ScheduleKeyDeletion on ${s.KMS_KEY_ARN}`);
  });
});

describe('de-duplication', () => {
  function clock(start = 1_700_000_000_000) {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  test('the same event twice within the window is one notification; after the window it notifies again', async () => {
    const c = clock();
    const d = new Deduplicator(600_000, undefined, c.now);
    expect(await d.firstSighting('a')).toBe(true);
    c.advance(120_000);
    expect(await d.firstSighting('a')).toBe(false);
    expect(await d.firstSighting('b')).toBe(true);
    c.advance(600_000);
    expect(await d.firstSighting('a')).toBe(true);
  });

  test('a claim already held elsewhere (another container) suppresses the notification', async () => {
    const claims = { claim: jest.fn().mockResolvedValue(false), release: jest.fn() };
    const d = new Deduplicator(600_000, claims, () => 0);
    expect(await d.firstSighting('a')).toBe(false);
    // Remembered locally: no second write for the same key.
    expect(await d.firstSighting('a')).toBe(false);
    expect(claims.claim).toHaveBeenCalledTimes(1);
  });

  test('the memory is bounded', async () => {
    const c = clock();
    const d = new Deduplicator(600_000, undefined, c.now, 3);
    for (const k of ['a', 'b', 'c', 'd']) expect(await d.firstSighting(k)).toBe(true);
    expect(await d.firstSighting('a')).toBe(true);
  });

  test('a window that is not positive is refused', () => {
    expect(() => new Deduplicator(0, undefined)).toThrow(/window must be positive/);
  });

  describe('DynamoDB claims', () => {
    const ddb = mockClient(DynamoDBClient);
    beforeEach(() => ddb.reset());

    test('a claim is a conditional write that admits expired items', async () => {
      ddb.on(PutItemCommand).resolves({});
      const claims = new DynamoDedupeClaims(new DynamoDBClient({}), 'dedupe');
      expect(await claims.claim('k', 1_000_000, 600_000)).toBe(true);
      expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
        TableName: 'dedupe',
        Item: { pk: { S: 'k' }, expiresAt: { N: '1600' } },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': { N: '1000' } },
      });
    });

    test('a held claim answers false; other errors propagate', async () => {
      const claims = new DynamoDedupeClaims(new DynamoDBClient({}), 'dedupe');
      ddb
        .on(PutItemCommand)
        .rejectsOnce(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));
      expect(await claims.claim('k', 0, 1000)).toBe(false);
      ddb.reset();
      ddb.on(PutItemCommand).rejectsOnce(new Error('throttled'));
      await expect(claims.claim('k', 0, 1000)).rejects.toThrow('throttled');
    });
  });
});

describe('notifyIncident', () => {
  function deps(overrides: Partial<NotifyDeps> = {}): NotifyDeps & { published: unknown[] } {
    const published: unknown[] = [];
    return {
      describe: jest.fn().mockResolvedValue(description),
      dedupe: new Deduplicator(600_000, undefined, () => 0),
      publish: async (n) => published.push(n),
      published,
      ...overrides,
    };
  }

  test('a duplicate delivery publishes nothing and does not describe the secret', async () => {
    const d = deps();
    expect((await notifyIncident(d, events['unexpected-read'])).status).toBe('published');
    expect((await notifyIncident(d, events['unexpected-read'])).status).toBe('duplicate');
    expect(d.published).toHaveLength(1);
    expect(d.describe).toHaveBeenCalledTimes(1);
  });

  test('a secret that cannot be described still pages, without owner details', async () => {
    const onError = jest.fn();
    const d = deps({ describe: jest.fn().mockRejectedValue(new Error('gone')) });
    const out = await notifyIncident(d, events['destructive-change'], onError);
    expect(out.status).toBe('published');
    expect(onError).toHaveBeenCalled();
  });

  test('an unrecognised event publishes nothing', async () => {
    const d = deps();
    await expect(notifyIncident(d, { 'detail-type': 'x', detail: { eventName: 'y' } })).rejects.toThrow(
      UnrecognisedEventError,
    );
    expect(d.published).toHaveLength(0);
  });
});

describe('the handler, end to end over mocked SNS / Secrets Manager / DynamoDB', () => {
  const sns = mockClient(SNSClient);
  const sm = mockClient(SecretsManagerClient);
  const ddb = mockClient(DynamoDBClient);
  beforeAll(() => {
    process.env.KEYTURN_CRITICAL_TOPIC_ARN = `arn:aws:sns:${s.REGION}:${s.ACCOUNT}:critical`;
    process.env.KEYTURN_NOTICE_TOPIC_ARN = `arn:aws:sns:${s.REGION}:${s.ACCOUNT}:notice`;
    process.env.KEYTURN_NOTIFY_DEDUPE_TABLE = 'dedupe';
  });
  beforeEach(() => {
    sns.reset();
    sm.reset();
    ddb.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    ddb.on(PutItemCommand).resolves({});
    sm.on(DescribeSecretCommand).resolves({
      ARN: s.SECRET_ARN,
      Name: s.SECRET_NAME,
      Tags: Object.entries(description.tags).map(([Key, Value]) => ({ Key, Value })),
    });
  });

  test('publishes to the right topic with filterable attributes, and never leaks key material anywhere', async () => {
    // Required after the environment is set: the handler reads topic ARNs and the table at module scope.
    const { handler } = jest.requireActual<typeof import('../../lambdas/notify/handler')>(
      '../../lambdas/notify/handler',
    );
    // Events whose payloads carry key material in fields the message must never copy.
    const hostile = [
      s.asEvent(
        s.secretCall(
          'UpdateSecret',
          s.SECRET_NAME,
          { identity: s.roleIdentity('ops') },
          { kmsKeyId: 'alias/other', secretString: KEY_MATERIAL },
        ),
      ),
      {
        ...events['unexpected-read'],
        detail: {
          ...(events['unexpected-read'].detail as object),
          responseElements: { secretString: KEY_MATERIAL },
        },
      },
      {
        ...events['rotation-failed'],
        detail: {
          ...(events['rotation-failed'].detail as object),
          serviceEventDetails: { value: KEY_MATERIAL },
        },
      },
    ];
    const out = captureOutput();
    try {
      for (const event of hostile) await handler(event, lambdaContext('keyturn-notify'));
      await expect(
        handler({ 'detail-type': 'nope', detail: { eventName: 'x' } }, lambdaContext('keyturn-notify')),
      ).rejects.toThrow(UnrecognisedEventError);
    } finally {
      out.restore();
    }
    const publishes = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(publishes).toHaveLength(3);
    expect(publishes[0]).toMatchObject({
      TopicArn: `arn:aws:sns:${s.REGION}:${s.ACCOUNT}:critical`,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        kind: { DataType: 'String', StringValue: 'destructive-change' },
        key: { DataType: 'String', StringValue: 'billing-api' },
        environment: { DataType: 'String', StringValue: 'prod' },
      },
    });
    expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 3);
    for (const text of [JSON.stringify(publishes), out.text()]) {
      expect(text).not.toContain(KEY_MATERIAL);
      expect(text).not.toContain('9QzXv7Lk2PqR8sT4');
    }
    expect(out.text()).toContain('"NotificationPublished"');
  });
});
