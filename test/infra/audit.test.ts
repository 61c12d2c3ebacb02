/**
 * Audit and ledger infrastructure: the ledger table (PITR, the keyturn KMS key, retained, time index), the daily
 * schedule with its configurable cadence and a scheduler role that can only invoke the audit function, and the
 * audit role's grants (list + version dates, publish, ledger append; never a secret value).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENV } from '../../lambdas/core/constants';
import { KeyturnPipeline } from '../../lib/pipeline';
import { configWith, exampleConfig, synthExample } from '../helpers/synth';

function build(props: ConstructorParameters<typeof KeyturnPipeline>[2] = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const pipeline = new KeyturnPipeline(stack, 'Pipeline', props);
  return { stack, pipeline, template: Template.fromStack(stack) };
}

const { stack, pipeline, template } = build();
const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const auditRoleId = idOf(pipeline.audit.auditFunction.role);
const keyId = idOf(pipeline.encryptionKey as never);

function statementsOf(roleId: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (roleId: string) => statementsOf(roleId).flatMap((s) => [s.Action].flat() as string[]);

test('ledger: one table with point-in-time recovery, encrypted with the keyturn KMS key, retained, time index', () => {
  template.hasResource('AWS::DynamoDB::Table', {
    DeletionPolicy: 'Retain',
    Properties: Match.objectLike({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
      DeletionProtectionEnabled: true,
      LocalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byTime',
          KeySchema: Match.arrayWith([{ AttributeName: 'at', KeyType: 'RANGE' }]),
        }),
      ],
    }),
  });
});

test('schedule: daily at 06:00 UTC by default, passing the scheduled time as the run id', () => {
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    Name: 'keyturn-daily-audit',
    ScheduleExpression: 'cron(0 6 * * ? *)',
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: Match.objectLike({
      Arn: { 'Fn::GetAtt': [idOf(pipeline.audit.auditFunction.function), 'Arn'] },
      Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    }),
  });
});

test('schedule: the cadence is configurable', () => {
  const config = configWith({
    ...JSON.parse(JSON.stringify(exampleConfig())),
    audit: { schedule: 'rate(12 hours)', unusedDays: 60 },
  });
  const custom = build({ audit: config.audit });
  custom.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(12 hours)' });
  custom.template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({ KEYTURN_AUDIT_UNUSED_DAYS: '60', KEYTURN_AUDIT_GRACE_HOURS: '24' }),
    },
  });
});

test('guard: a schedule that is neither rate(...) nor cron(...) stops synth naming the prop', () => {
  expect(() =>
    build({
      audit: {
        schedule: 'every day',
        timezone: 'UTC',
        graceHours: 24,
        stuckPendingHours: 6,
        unusedDays: 30,
        expiryWarningDays: 14,
      },
    }),
  ).toThrow(/config\.schedule "every day" must be rate\(N days\) or cron/);
  expect(() =>
    build({
      audit: {
        schedule: 'rate(1 day)',
        timezone: 'UTC',
        graceHours: 24,
        stuckPendingHours: 6,
        unusedDays: 30,
        expiryWarningDays: 14,
      },
    }),
  ).not.toThrow();
});

test("scheduler role: assumable only by this account's audit schedule; may only invoke the audit function", () => {
  const roleId = idOf(pipeline.audit.schedulerRole);
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': Match.anyValue(),
            },
          },
        }),
      ],
    },
  });
  expect(actionsOf(roleId)).toEqual(['lambda:InvokeFunction']);
});

/** The DynamoDB actions a role has on the ledger table (other tables, e.g. the registry, aside). */
function ledgerActionsOf(roleId: string): string[] {
  const ledgerId = idOf(pipeline.ledgerTable.table);
  return statementsOf(roleId)
    .filter((s) => JSON.stringify(s.Resource).includes(ledgerId))
    .flatMap((s) => [s.Action].flat() as string[])
    .filter((a) => a.startsWith('dynamodb:'));
}

test('audit role: lists secrets, dates versions of managed secrets, publishes, appends to the ledger; never reads a value', () => {
  const actions = actionsOf(auditRoleId);
  expect(actions).toEqual(
    expect.arrayContaining([
      'secretsmanager:ListSecrets',
      'secretsmanager:ListSecretVersionIds',
      'sns:Publish',
      'dynamodb:PutItem',
    ]),
  );
  expect(actions).not.toContain('secretsmanager:GetSecretValue');
  // On the ledger: append only (the registry, a table of its own, is read for the drift report).
  expect(ledgerActionsOf(auditRoleId)).toEqual(['dynamodb:PutItem']);
  const versionIds = statementsOf(auditRoleId).find(
    (s) => s.Action === 'secretsmanager:ListSecretVersionIds',
  )!;
  expect(versionIds.Condition).toEqual({
    StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
  });
});

test('the audit function knows its topics, ledger and prefix', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: Match.stringLikeRegexp('Daily audit'),
    Runtime: 'nodejs24.x',
    Environment: {
      Variables: Match.objectLike({
        [ENV.ledgerTable]: { Ref: idOf(pipeline.ledgerTable.table) },
        [ENV.secretNamePrefix]: 'keyturn/',
        [ENV.criticalTopicArn]: Match.anyValue(),
        [ENV.noticeTopicArn]: Match.anyValue(),
      }),
    },
  });
});

test.each([
  ['rotate', () => pipeline.rotateFunction],
  ['retire', () => pipeline.retirement.retireFunction],
])(
  'the %s function appends to the ledger (PutItem), reads only the issuance records (Query on issued#*) and knows its table',
  (_name, fnOf) => {
    const fn = fnOf();
    expect([...new Set(ledgerActionsOf(idOf(fn.role)))].sort()).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    const puts = statementsOf(idOf(fn.role)).filter((s) => s.Action === 'dynamodb:PutItem');
    for (const put of puts)
      expect(put.Resource).toEqual({ 'Fn::GetAtt': [idOf(pipeline.ledgerTable.table), 'Arn'] });
    // Key history outside the issuance partitions; only createSecret (rotate) records issuance.
    expect(puts.map((p) => p.Condition)).toEqual(
      expect.arrayContaining([{ 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['issued#*'] } }]),
    );
    expect(puts.some((p) => JSON.stringify(p.Condition).includes('"ForAllValues:StringLike"'))).toBe(
      _name === 'rotate',
    );
    const query = statementsOf(idOf(fn.role)).find((s) => s.Action === 'dynamodb:Query')!;
    expect(query.Resource).toEqual({ 'Fn::GetAtt': [idOf(pipeline.ledgerTable.table), 'Arn'] });
    expect(query.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['issued#*'] } });
    const resource = template.toJSON().Resources[idOf(fn.function)];
    expect(resource.Properties.Environment.Variables[ENV.ledgerTable]).toEqual({
      Ref: idOf(pipeline.ledgerTable.table),
    });
  },
);

test('a failed audit run pages on-call (critical topic)', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmDescription: Match.stringLikeRegexp('daily key audit failed'),
    MetricName: 'Errors',
    Threshold: 1,
    AlarmActions: [{ Ref: idOf(pipeline.notifications.criticalTopic) }],
  });
});

test('ledger grants: append is PutItem only, read is Query/GetItem on the table and its index; KMS via DynamoDB only', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const s = new Stack(app, 'Grants');
  const p = new KeyturnPipeline(s, 'Pipeline');
  const reader = new iam.Role(s, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  p.ledgerTable.grantRead(reader);
  const t = Template.fromStack(s);
  t.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: s.getLogicalId(reader.node.defaultChild as never) }],
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: ['dynamodb:Query', 'dynamodb:GetItem'],
          Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]),
        }),
      ]),
    },
  });
  // The key policy allows the ledger roles only through DynamoDB.
  const keyPolicy = JSON.stringify(t.findResources('AWS::KMS::Key'));
  expect(keyPolicy).toMatch(/dynamodb\.[^"]*amazonaws\.com|"dynamodb\."/);
});

test('the whole app synthesizes with cdk-nag clean, with the ledger and audit in it; the cadence tag is written', () => {
  const { template: full } = synthExample();
  full.resourceCountIs('AWS::Scheduler::Schedule', 1);
  // reports-api overrides its cadence (everyDays 30): the audit reads it from this tag.
  full.hasResourceProperties('AWS::SecretsManager::Secret', {
    Name: 'keyturn/staging/reports-api',
    Tags: Match.arrayWith([{ Key: 'keyturn:rotate-every-days', Value: '30' }]),
  });
});
