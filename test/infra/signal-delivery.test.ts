/**
 * No lost signal (lib/signal-delivery.ts): every rule target retries, then dead-letters into an encrypted, TLS-only
 * queue that only its rules may write, and a queued event raises an alarm; for leak signals the alarm pages.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ALARMS } from '../../lib/monitoring/alarm-catalog';
import { KeyturnPipeline } from '../../lib/pipeline';
import { SignalDelivery } from '../../lib/signal-delivery';
import { evaluate, TemplateResolver, type CfnTemplate, type PolicyDocument } from '../helpers/template-iam';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Test');
const pipeline = new KeyturnPipeline(stack, 'Pipeline', {});
const template = Template.fromStack(stack);
const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const delivery = pipeline.leakResponse.signalDelivery;
const queueId = idOf(delivery.deadLetterQueue);
const ruleIds = [pipeline.leakResponse.leakRule, pipeline.leakResponse.healthRule].map(idOf);

describe('leak and Health signals', () => {
  test.each(['leak', 'Health'])('the %s rule target retries, then dead-letters into the queue', (which) => {
    const rule = template.toJSON().Resources[ruleIds[which === 'leak' ? 0 : 1]].Properties;
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      }),
    ]);
  });

  test('the dead-letter queue is encrypted and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      (p.Properties.Queues as unknown[]).some((q) => JSON.stringify(q).includes(queueId)),
    )!;
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  });

  test('an undelivered leak signal pages on-call: one queued event raises the catalogued alarm on the critical topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'keyturn-leak-signals-undelivered',
      AlarmDescription: Match.stringLikeRegexp('^keyturn critical: leak signals .*could not be delivered'),
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: idOf(pipeline.notifications.criticalTopic) }],
    });
  });

  describe('who may write the queue (policy evaluation)', () => {
    const resolver = new TemplateResolver(template.toJSON() as CfnTemplate);
    const queueArn = resolver.arnOf(queueId);
    const queuePolicy = () => {
      const [, policy] = resolver
        .ofType('AWS::SQS::QueuePolicy')
        .find(([, p]) => JSON.stringify(p.Properties?.Queues).includes(queueId))!;
      return resolver.resolve(policy.Properties!.PolicyDocument) as PolicyDocument;
    };
    const send = (sourceArn: string) =>
      evaluate('events.amazonaws.com', [], {
        action: 'sqs:SendMessage',
        resource: queueArn,
        resourcePolicy: queuePolicy(),
        context: { 'aws:SourceArn': sourceArn, 'aws:SecureTransport': 'true' },
      });

    test.each(ruleIds.map((id, i) => [i ? 'Health' : 'leak', id]))(
      'EventBridge may dead-letter events of the %s rule',
      async (_, id) => expect(await send(resolver.arnOf(id))).toBe('Allowed'),
    );

    test('an attacker: a rule of anyone else cannot fill the queue (nor raise false pages)', async () => {
      expect(await send('arn:aws:events:eu-west-1:111122223333:rule/someone-elses-rule')).not.toBe('Allowed');
    });
  });
});

describe('SignalDelivery for L1 rules and its guards', () => {
  const catalogued = (topic: sns.ITopic) => ({
    alarm: ALARMS.monitoringSignalsUndelivered,
    notifications: { topicFor: () => topic as sns.Topic },
    alarmNamePrefix: 'keyturn-',
  });
  const fresh = () => {
    const s = new Stack(new App(), 'S');
    return { s, topic: new sns.Topic(s, 'T') };
  };

  test('cfnTarget adds the retry policy and dead-letter config, and lets that rule (only) use the queue', () => {
    const { s, topic } = fresh();
    const d = new SignalDelivery(s, 'D', {
      ...catalogued(topic),
      signals: 'destructive changes',
      retryAttempts: 3,
      maxEventAge: Duration.minutes(30),
    });
    const rule = new events.CfnRule(s, 'R', { eventPattern: { source: ['aws.cloudtrail'] } });
    rule.targets = [d.cfnTarget(rule, { id: 'Notify', arn: 'arn:aws:lambda:eu-west-1:1:function:f' })];
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: 'Notify',
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DDeadLetterQueue'), 'Arn'] } },
        },
      ],
    });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['R', 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  test('defaults pass the guards', () => {
    const { s, topic } = fresh();
    const d = new SignalDelivery(s, 'D', { ...catalogued(topic), signals: 'x' });
    expect([d.retryAttempts, d.maxEventAge.toSeconds()]).toEqual([8, 7200]);
  });

  test('out-of-range retry, age and retention are refused at once, each named', () => {
    const { s, topic } = fresh();
    expect(
      () =>
        new SignalDelivery(s, 'D', {
          ...catalogued(topic),
          signals: 'x',
          retryAttempts: 200,
          maxEventAge: Duration.days(2),
          retention: Duration.days(15),
        }),
    ).toThrow(
      /retryAttempts 200 must be an integer from 0 to 185; maxEventAge 172800s must be 60 s to 24 hours; retention 1296000s must be 1 minute to 14 days/,
    );
  });
});
