/** The foundation's infrastructure: KMS, secrets, rotation schedules, invoke permission, least privilege, nag. */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KeyturnPipeline } from '../../lib/pipeline';
import { exampleConfig, synthExample } from '../helpers/synth';

const { template, assembly } = synthExample();
const allTemplates = assembly.stacks.map((s) => JSON.stringify(s.template));

test('a customer-managed KMS key with automatic rotation', () => {
  template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
});

test('every configured key has a secret encrypted with that key, named and tagged from the configuration', () => {
  const [kmsKeyId] = Object.keys(template.findResources('AWS::KMS::Key'));
  const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
  expect(secrets).toHaveLength(exampleConfig().keys.length);
  for (const secret of secrets)
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [kmsKeyId, 'Arn'] });
  const billing = secrets.find((s) => s.Properties.Name === 'keyturn/prod/billing-api')!;
  const tags = Object.fromEntries(
    (billing.Properties.Tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]),
  );
  expect(tags).toMatchObject({
    'keyturn:managed': 'true',
    'keyturn:key': 'billing-api',
    'keyturn:environment': 'prod',
    'keyturn:owner': 'payments-team@example.com',
    'keyturn:backup-owner': 'platform-oncall@example.com',
    'keyturn:tier': 'critical',
    'keyturn:provider': 'self-issued',
    'keyturn:overlap-hours': '24',
    'keyturn:leak-policy': 'revoke-first',
    'keyturn:scopes': 'billing:read billing:write',
    'keyturn:linked-systems': 'billing-service invoice-worker',
    'keyturn:runbook': 'https://runbooks.example.com/keyturn/billing-api',
    'keyturn:provider:key-prefix': 'kt_live_',
  });
});

test('each key has a rotation schedule with its tier cadence or its override, and a window', () => {
  template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    RotationRules: { ScheduleExpression: 'rate(7 days)', Duration: '4h' },
    RotateImmediatelyOnUpdate: true,
    RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineRotateFunction'), 'Arn'] },
  });
  template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    RotationRules: { ScheduleExpression: 'rate(30 days)', Duration: '4h' },
  });
});

test('only Secrets Manager of this account may invoke the rotate function, only for managed secrets', () => {
  const permissions = template.findResources('AWS::Lambda::Permission');
  const rotatePermissions = Object.values(permissions).filter((p) =>
    JSON.stringify(p.Properties.FunctionName).includes('PipelineRotateFunction'),
  );
  expect(rotatePermissions).toHaveLength(1);
  expect(rotatePermissions[0].Properties).toMatchObject({
    Principal: 'secretsmanager.amazonaws.com',
    Action: 'lambda:InvokeFunction',
    SourceAccount: { Ref: 'AWS::AccountId' },
  });
  expect(JSON.stringify(rotatePermissions[0].Properties.SourceArn)).toContain(':secret:keyturn/*');
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function statementsOf(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p.Properties.PolicyDocument.Statement as Statement[]) ?? [],
  );
}

test('no IAM statement grants Action "*" or secretsmanager:* or any secret action on Resource "*"', () => {
  for (const stack of assembly.stacks) {
    for (const statement of statementsOf(Template.fromJSON(stack.template))) {
      const actions = ([] as string[]).concat(statement.Action);
      expect(actions).not.toContain('*');
      expect(actions).not.toContain('secretsmanager:*');
      // ListSecrets (the audit's inventory) has no resource-level permissions: "*" is its only form; it returns metadata only.
      if (actions.some((a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:ListSecrets'))
        expect(statement.Resource).not.toEqual('*');
    }
  }
});

test('the rotate role reaches only keyturn/* secrets carrying the managed tag, and the KMS key only via Secrets Manager', () => {
  const secretStatement = statementsOf(template).find((s) =>
    ([] as string[]).concat(s.Action).includes('secretsmanager:PutSecretValue'),
  )!;
  expect(([] as string[]).concat(secretStatement.Action).sort()).toEqual([
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ]);
  expect(JSON.stringify(secretStatement.Resource)).toContain(':secret:keyturn/*');
  expect(secretStatement.Condition).toEqual({
    StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
  });
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineRotateRole'), 'Arn'] } },
        }),
      ]),
    },
  });
});

test('the rotate function: newest Node runtime, ARM64, bounded timeout, tracing, log group with retention', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    Timeout: 120,
    TracingConfig: { Mode: 'Active' },
    LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))).toHaveLength(0);
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
  }
});

test('the template holds no key material: secrets start from the bootstrap placeholder', () => {
  template.hasResourceProperties('AWS::SecretsManager::Secret', {
    SecretString: '{"keyturn":1,"bootstrap":true}',
  });
  for (const json of allTemplates) expect(json).not.toMatch(/kt_[a-z0-9]+_[0-9A-Za-z]{32,}/);
});

test('cdk-nag AwsSolutions: the app synthesizes with zero unacknowledged errors', () => {
  // synthExample() ran app.synth(), which throws on an unacknowledged finding; reaching here means none.
  expect(assembly.stacks.length).toBeGreaterThanOrEqual(1);
});

test('cdk-nag fires on a violation that keyturn does not acknowledge (the guard is live)', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Bad');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  expect(() => app.synth()).toThrow();
});

test('an invalid secret prefix is refused with a message naming the prop and the fix', () => {
  const stack = new Stack(new App(), 'S');
  expect(() => new KeyturnPipeline(stack, 'P', { secretPrefix: 'Keyturn' })).toThrow(
    /secretPrefix "Keyturn" must be lowercase letters, digits or dashes ending in "\/"/,
  );
});
