/**
 * The incident notifier through its exported handler against moto: dedupe claims in a DynamoDB table, pages on an
 * SNS topic read through SQS. When the publish fails (the topic is not there yet), the invocation fails and the
 * claim is given back, so EventBridge's retry of the same event pages once; a third delivery is a duplicate.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ENV, METRICS_NAMESPACE, NOTIFY_ENV } from '../../lambdas/core/constants';
import { captureOutput } from '../helpers/lambda';
import { describeWithMoto, MOTO_ACCOUNT, MOTO_REGION } from '../helpers/moto-server';
import * as samples from '../monitoring/cloudtrail-samples';
import { invoke, startWorld, type Handler, type World } from './world';

const TOPIC = 'keyturn-critical-late';
const TOPIC_ARN = `arn:aws:sns:${MOTO_REGION}:${MOTO_ACCOUNT}:${TOPIC}`;

describeWithMoto('incident notifier against moto', () => {
  let world: World;
  let notify: Handler;
  let config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };

  beforeAll(async () => {
    world = await startWorld();
    config = {
      endpoint: world.proxy.url,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const ddb = new DynamoDBClient(config);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'keyturn-notify-dedupe',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    ddb.destroy();
    // The handler reads its environment at import (module scope), as in a Lambda container.
    notify = (
      await world.load<{ handler: Handler }>('../../lambdas/notify/handler', {
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.criticalTopicArn]: TOPIC_ARN,
        [ENV.noticeTopicArn]: TOPIC_ARN,
        [NOTIFY_ENV.dedupeTable]: 'keyturn-notify-dedupe',
        [NOTIFY_ENV.dedupeWindowSeconds]: '600',
      })
    ).handler;
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  });

  test('rule: a page that fails to publish fails the invocation and gives its claim back: the retry pages once', async () => {
    const event = samples.asEvent(
      samples.secretCall('DeleteSecret', samples.SECRET_ARN, { identity: samples.roleIdentity('ops-admin') }),
    );
    const output = captureOutput();
    try {
      // First delivery: the topic does not exist, SNS refuses the publish.
      await expect(invoke(notify, event, 'keyturn-notify')).rejects.toThrow();

      const sns = new SNSClient(config);
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: TOPIC }));
      expect(TopicArn).toBe(TOPIC_ARN);
      const { QueueUrl } = await world.sqs.send(new CreateQueueCommand({ QueueName: 'keyturn-late-inbox' }));
      const { Attributes } = await world.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
      sns.destroy();

      // EventBridge retries the same event: it pages; a third delivery is within the window, a duplicate.
      await expect(invoke(notify, event, 'keyturn-notify')).resolves.toBe('published');
      await expect(invoke(notify, event, 'keyturn-notify')).resolves.toBe('duplicate');
      const { Messages = [] } = await world.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages).toHaveLength(1);
      expect(JSON.parse(Messages[0].Body!).Message).toContain('DeleteSecret');
    } finally {
      output.restore();
    }
  });
});
