/**
 * Retirement infrastructure: the schedule group, the retire function with least-privilege grants (its own provider
 * revoke rights only), the DLQ and its alarm, and a scheduler role that can invoke only the retire function.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RETIREMENT_ENV } from '../../lambdas/core/constants';
import { KeyturnPipeline } from '../../lib/pipeline';
import { KeyturnRetirement } from '../../lib/retirement';
import { configWith, exampleConfig, synthExample } from '../helpers/synth';

const USER_ARN = 'arn:aws:iam::111122223333:user/reports-bot';

function pipelineWithKeys() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const pipeline = new KeyturnPipeline(stack, 'Pipeline');
  const raw = JSON.parse(JSON.stringify(exampleConfig()));
  const config = configWith({
    ...raw,
    keys: [
      raw.keys[0],
      { ...raw.keys[1], name: 'ci-user', provider: { kind: 'iam-access-key', userArn: USER_ARN } },
    ],
  });
  config.keys.forEach((key, i) => pipeline.addKey(`Key${i}`, { key }));
  return { app, stack, pipeline, template: Template.fromStack(stack) };
}

const { pipeline, template, stack } = pipelineWithKeys();
const ref = (construct: { node: { defaultChild?: unknown } } | undefined) =>
  stack.getLogicalId((construct as { node: { defaultChild: never } }).node.defaultChild);
const retireRoleId = ref(pipeline.retirement.retireFunction.role);
const rotateRoleId = ref(pipeline.rotateFunction.role);
const schedulerRoleId = ref(pipeline.retirement.schedulerRole);
const retireFnId = ref(pipeline.retirement.retireFunction.function);
const dlqId = ref(pipeline.retirement.deadLetterQueue);

function statementsOf(roleId: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (roleId: string) => statementsOf(roleId).flatMap((s) => [s.Action].flat() as string[]);

test('a keyturn schedule group for the one-time retirement schedules', () => {
  template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'keyturn-retirement' });
});

test('the retire function dead-letters to an encrypted, TLS-only queue after 2 async retries', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
  });
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    FunctionName: { Ref: retireFnId },
    MaximumRetryAttempts: 2,
    MaximumEventAgeInSeconds: 6 * 3600,
  });
  template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  template.hasResourceProperties('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

test('a DLQ alarm pages on-call through the critical topic on the first dead-lettered retirement', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [
      { Ref: stack.getLogicalId(pipeline.notifications.criticalTopic.node.defaultChild as never) },
    ],
  });
});

test("the scheduler role: assumable only by this account's schedules in the group; may invoke only the retire function", () => {
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': Match.anyValue() },
          },
        }),
      ],
    },
  });
  const statements = statementsOf(schedulerRoleId);
  const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
  expect(invoke).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [retireFnId, 'Arn'] } })]);
  expect(actionsOf(schedulerRoleId).sort()).toEqual([
    'lambda:InvokeFunction',
    'sqs:GetQueueAttributes',
    'sqs:GetQueueUrl',
    'sqs:SendMessage',
  ]);
});

test('the rotate role may create schedules only in the group and pass only the scheduler role, to the scheduler only', () => {
  const statements = statementsOf(rotateRoleId);
  expect(statements).toContainEqual(
    expect.objectContaining({
      Action: 'scheduler:CreateSchedule',
      Resource: { 'Fn::Join': ['', expect.arrayContaining([':schedule/keyturn-retirement/*'])] },
    }),
  );
  expect(statements).toContainEqual(
    expect.objectContaining({
      Action: 'iam:PassRole',
      Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  );
  expect(actionsOf(rotateRoleId)).not.toContain('scheduler:DeleteSchedule');
});

test('the rotate function knows where to schedule (all four retirement variables)', () => {
  const rotateFn = template.findResources('AWS::Lambda::Function', {
    Properties: { Role: { 'Fn::GetAtt': [rotateRoleId, 'Arn'] } },
  });
  const env = Object.values(rotateFn)[0].Properties.Environment.Variables;
  expect(Object.keys(env)).toEqual(expect.arrayContaining(Object.values(RETIREMENT_ENV)));
  expect(env[RETIREMENT_ENV.retireFunctionArn]).toEqual({ 'Fn::GetAtt': [retireFnId, 'Arn'] });
});

test('the retire role: reads managed secrets, removes labels, writes only the retirement tags; no Put/Delete/Create', () => {
  const actions = actionsOf(retireRoleId);
  expect(actions).toEqual(
    expect.arrayContaining([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:TagResource',
    ]),
  );
  for (const forbidden of [
    'secretsmanager:PutSecretValue',
    'secretsmanager:DeleteSecret',
    'secretsmanager:UntagResource',
    'scheduler:CreateSchedule',
    'iam:PassRole',
  ]) {
    expect(actions).not.toContain(forbidden);
  }
  expect(statementsOf(retireRoleId)).toContainEqual(
    expect.objectContaining({
      Action: 'secretsmanager:TagResource',
      Condition: {
        StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['keyturn:retired-version', 'keyturn:retired-at'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    }),
  );
});

test("the retire role gets its keys' provider REVOKE rights only (no CreateAccessKey), on the configured user only", () => {
  const iamStatements = statementsOf(retireRoleId).filter((s) =>
    [s.Action].flat().some((a) => String(a).startsWith('iam:')),
  );
  expect(iamStatements).toEqual([
    expect.objectContaining({
      Action: ['iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'],
      Resource: USER_ARN,
    }),
  ]);
  expect(actionsOf(rotateRoleId)).toContain('iam:CreateAccessKey');
});

test('guard: a bad schedule group name or event age is refused, naming the prop and the fix', () => {
  const stack2 = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
  const host = new KeyturnPipeline(stack2, 'Pipeline');
  expect(
    () => new KeyturnRetirement(stack2, 'R1', { pipeline: host, scheduleGroupName: 'has space' }),
  ).toThrow('scheduleGroupName "has space" must be 1–64 of [0-9A-Za-z_.-]');
  expect(
    () =>
      new KeyturnRetirement(stack2, 'R3', {
        pipeline: host,
        scheduleGroupName: 'g3',
        maxEventAge: Duration.hours(7),
      }),
  ).toThrow('maxEventAge 25200s must be 60 s to 6 h');
  expect(
    () => new KeyturnRetirement(stack2, 'R2', { pipeline: host, scheduleGroupName: 'ok-name' }),
  ).not.toThrow();
});

test('the example app synthesizes with retirement and zero unacknowledged cdk-nag findings', () => {
  const { template: example } = synthExample();
  example.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
});
