/** The stack's outputs keep stable names; synth warns when nobody is paged. */
import { readFileSync } from 'node:fs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { buildKeyturnApp } from '../../lib/app';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../../lambdas/core/constants';
import { EXAMPLE_CONFIG, configWith, exampleConfig, synthExample, testApp } from '../helpers/synth';

const raw = () => JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;

function withoutCritical() {
  const config = exampleConfig();
  return { ...config, notifications: { ...config.notifications, critical: [] } };
}

test('outputs carry the stable names the README and the CLI use, as their logical ids', () => {
  const { template } = synthExample();
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(Object.keys(outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
  const ids = (type: string) => Object.keys(template.findResources(type));
  const refOf = (o: string) => JSON.stringify(outputs[o]!.Value);
  const topics = ids('AWS::SNS::Topic');
  expect(topics.map((t) => JSON.stringify({ Ref: t }))).toEqual(
    expect.arrayContaining([refOf(STACK_OUTPUTS.criticalTopicArn), refOf(STACK_OUTPUTS.noticeTopicArn)]),
  );
  expect(refOf(STACK_OUTPUTS.criticalTopicArn)).not.toEqual(refOf(STACK_OUTPUTS.noticeTopicArn));
  const tables = ids('AWS::DynamoDB::Table').map((t) => JSON.stringify({ Ref: t }));
  expect(tables).toEqual(
    expect.arrayContaining([refOf(STACK_OUTPUTS.ledgerTableName), refOf(STACK_OUTPUTS.incidentTableName)]),
  );
  expect(ids('AWS::StepFunctions::StateMachine').map((t) => JSON.stringify({ Ref: t }))).toContain(
    refOf(STACK_OUTPUTS.leakStateMachineArn),
  );
  expect(ids('AWS::Events::EventBus').map((t) => JSON.stringify({ Ref: t }))).toContain(
    refOf(STACK_OUTPUTS.leakEventBusName),
  );
});

test('the critical topic output is the topic the critical alarms notify', () => {
  const { template, stack } = synthExample();
  const critical = stack.resolve(stack.pipeline.notifications.criticalTopic.topicArn);
  template.hasOutput(STACK_OUTPUTS.criticalTopicArn, { Value: critical });
});

test('the default stack name is the configuration default', () => {
  expect(configWith({ keys: exampleConfig().keys.slice(0, 1) }).pipeline.stackName).toBe(DEFAULT_STACK_NAME);
});

test('synth warns when nobody is subscribed to the critical topic', () => {
  const { stack } = buildKeyturnApp(withoutCritical(), testApp());
  Annotations.fromStack(stack).hasWarning(
    '*',
    Match.stringLikeRegexp('Nobody is subscribed to the critical topic'),
  );
});

test('no warning when the configuration subscribes on-call', () => {
  const config = configWith({
    ...raw(),
    notifications: { critical: [{ protocol: 'email', endpoint: 'oncall@example.com' }] },
  });
  const { stack } = buildKeyturnApp(config, testApp());
  Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Nobody is subscribed'));
});

test('no warning when the consumer subscribes the critical topic in its own code', () => {
  const { stack } = buildKeyturnApp(withoutCritical(), testApp());
  stack.pipeline.notifications.criticalTopic.addSubscription(
    new subs.EmailSubscription('oncall@example.com'),
  );
  Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('Nobody is subscribed'));
});

test('a subscription to the notice topic alone still warns', () => {
  const { stack } = buildKeyturnApp(withoutCritical(), testApp());
  new sns.Subscription(stack, 'NoticeOnly', {
    topic: stack.pipeline.notifications.noticeTopic,
    protocol: sns.SubscriptionProtocol.EMAIL,
    endpoint: 'team@example.com',
  });
  Annotations.fromStack(stack).hasWarning(
    '*',
    Match.stringLikeRegexp('Nobody is subscribed to the critical topic'),
  );
});

describe('ARNs outside the account or region the stack deploys to', () => {
  const foreignReader = () =>
    configWith({
      ...raw(),
      keys: (raw().keys as Record<string, unknown>[]).map((k, i) =>
        i === 0 ? { ...k, allowedReaders: ['arn:aws:iam::999988887777:role/reader'] } : k,
      ),
    });
  const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const deployingTo = (account?: string, region?: string) => {
    for (const [name, value] of [
      ['CDK_DEFAULT_ACCOUNT', account],
      ['CDK_DEFAULT_REGION', region],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  };
  afterEach(() => deployingTo(saved.account, saved.region));

  test('synth warns, naming the field and the account (the CLI deploys with other credentials)', () => {
    deployingTo('111122223333', 'eu-west-1');
    const { stack } = buildKeyturnApp(foreignReader(), testApp());
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('keys\\[0\\]\\.allowedReaders\\[0\\] .* names account 999988887777'),
    );
  });

  test('guard does not fire: the same ARN in the account deployed to', () => {
    deployingTo('999988887777', 'eu-west-1');
    const { stack } = buildKeyturnApp(foreignReader(), testApp());
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('names account'));
  });

  test('guard does not fire: without credentials there is nothing to compare with', () => {
    deployingTo(undefined, undefined);
    const { stack } = buildKeyturnApp(foreignReader(), testApp());
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('names account'));
  });
});
