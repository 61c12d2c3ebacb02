/**
 * The intake in the stack: off unless configured; when on, an HTTP API with the two POST routes, a throttled stage
 * with access logs, a function with reserved concurrency whose role may list and read managed secrets and start the
 * leak response, and nothing else. Props and configuration guards fire with a fix, and pass when sane.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { INTAKE_ENV } from '../../lambdas/core/constants';
import { configWith, exampleConfig, synthExample } from '../helpers/synth';
import { KeyturnPipeline } from '../../lib/pipeline';
import { KeyturnScanningIntake, REPORT_PATH, VALIDITY_PATH } from '../../lib/scanning-intake';

const raw = () => JSON.parse(JSON.stringify(exampleConfig())) as Record<string, unknown>;
const on = synthExample(configWith({ ...raw(), secretScanning: { enabled: true } }));

test('guard: without secretScanning.enabled there is no intake endpoint', () => {
  const off = synthExample();
  off.template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
  expect(off.stack.scanningIntake).toBeUndefined();
  expect(
    synthExample(configWith({ ...raw(), secretScanning: { enabled: false } })).stack.scanningIntake,
  ).toBeUndefined();
});

test('rule: enabled, two POST routes behind a throttled stage with access logs (cdk-nag passes)', () => {
  const t = on.template;
  t.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
  for (const p of [REPORT_PATH, VALIDITY_PATH])
    t.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `POST ${p}` });
  t.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
  t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
    StageName: '$default',
    DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
  });
  t.hasOutput('*', { Description: Match.stringLikeRegexp('endpoint for leak reports') });
});

test('rule: the intake function has reserved concurrency and knows the state machine and the keys URL', () => {
  on.template.hasResourceProperties('AWS::Lambda::Function', {
    ReservedConcurrentExecutions: 2,
    Environment: {
      Variables: Match.objectLike({
        [INTAKE_ENV.publicKeysUrl]: 'https://api.github.com/meta/public_keys/secret_scanning',
        [INTAKE_ENV.stateMachineArn]: Match.anyValue(),
      }),
    },
  });
});

test('rule: the intake role may list and read managed secrets and start the leak response, nothing else', () => {
  const roleId = on.stack.getLogicalId(
    on.stack.scanningIntake!.intakeFunction.role.node.defaultChild as never,
  );
  const statements = Object.values(on.template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
  const actions = [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
  // (The registry's reads, its own log group's writes; kms:Decrypt is granted by the keys' policies.)
  expect(actions).toEqual([
    'dynamodb:GetItem',
    'dynamodb:Scan',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'states:StartExecution',
    'xray:PutTelemetryRecords',
    'xray:PutTraceSegments',
  ]);
});

test('guard: props out of range are refused once, naming each prop and the fix; sane props pass', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Props');
  const pipeline = new KeyturnPipeline(stack, 'Pipeline', {});
  const stateMachine = pipeline.leakResponse.stateMachine as sfn.IStateMachine;
  expect(
    () =>
      new KeyturnScanningIntake(stack, 'Bad', {
        pipeline,
        stateMachine,
        rateLimitPerSecond: 0,
        burstLimit: 10_000,
        reservedConcurrency: 0,
        publicKeysUrl: 'http://keys.example.com',
      }),
  ).toThrow(/rateLimitPerSecond 0.*burstLimit 10000.*reservedConcurrency 0.*publicKeysUrl http:/);
  expect(
    () =>
      new KeyturnScanningIntake(stack, 'Good', {
        pipeline,
        stateMachine,
        rateLimitPerSecond: 5,
        burstLimit: 5,
      }),
  ).not.toThrow();
  Template.fromStack(stack);
});

test('guard: the configuration refuses a burst below the rate and a plain-http keys URL; defaults parse', () => {
  expect(() =>
    configWith({ ...raw(), secretScanning: { enabled: true, rateLimitPerSecond: 50, burstLimit: 10 } }),
  ).toThrow(/burstLimit must be at least rateLimitPerSecond/);
  expect(() =>
    configWith({ ...raw(), secretScanning: { enabled: true, publicKeysUrl: 'http://x.example.com' } }),
  ).toThrow(/https/);
  expect(configWith({ ...raw(), secretScanning: { enabled: true } }).secretScanning).toEqual({
    enabled: true,
    publicKeysUrl: 'https://api.github.com/meta/public_keys/secret_scanning',
    rateLimitPerSecond: 10,
    burstLimit: 20,
    reservedConcurrency: 2,
  });
});
