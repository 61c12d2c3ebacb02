/**
 * Leak response infrastructure: the two signal rules match the real event shapes and nothing else, the state
 * machine's steps, retries, timeouts and catch paths, the incident table, and the leak role's grants.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV, LEAK_ENV } from '../../lambdas/core/constants';
import { KeyturnPipeline } from '../../lib/pipeline';
import { eventMatches } from '../monitoring/event-pattern-evaluator';
import { healthEvent, leakEvent } from '../leak/world';
import { configWith, EXAMPLE_CONFIG } from '../helpers/synth';
import {
  evaluate,
  rolesOf,
  TemplateResolver,
  TEST_ENV,
  type CfnTemplate,
  type PolicyDocument,
  type PolicyStatement,
} from '../helpers/template-iam';
import { readFileSync } from 'node:fs';

const exampleRaw = () => JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Test');
const pipeline = new KeyturnPipeline(stack, 'Pipeline', {});
const template = Template.fromStack(stack);
const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

function ruleOf(description: RegExp) {
  const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
    description.test(String(r.Properties.Description)),
  );
  expect(rules).toHaveLength(1);
  return rules[0].Properties;
}

describe('signal rules', () => {
  const leakRule = () => ruleOf(/a managed API key leaked/);
  const healthRule = () => ruleOf(/AWS Health reports/);

  test('the keyturn rule matches the "API Key Leaked" event and nothing else', () => {
    const pattern = leakRule().EventPattern;
    expect(eventMatches(pattern, leakEvent({ key: 'billing-api', where: 'w', reportedBy: 'r' }))).toBe(true);
    expect(eventMatches(pattern, { ...leakEvent({}), 'detail-type': 'API Key Rotated' })).toBe(false);
    expect(eventMatches(pattern, { ...leakEvent({}), source: 'aws.secretsmanager' })).toBe(false);
    expect(eventMatches(pattern, healthEvent('AKIAIOSFODNN7EXAMPLE'))).toBe(false);
  });

  test.each([
    'AWS_RISK_CREDENTIALS_EXPOSED',
    'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
    'AWS_RISK_CREDENTIALS_COMPROMISED',
    'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
    'AWS_RISK_IAM_QUARANTINE',
  ])('the Health rule matches %s', (code) =>
    expect(eventMatches(healthRule().EventPattern, healthEvent('AKIAIOSFODNN7EXAMPLE', code))).toBe(true),
  );

  test('the Health rule ignores other Health events and the keyturn event', () => {
    const other = healthEvent('i-0123');
    const maintenance = {
      ...other,
      detail: { ...other.detail, service: 'EC2', eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED' },
    };
    expect(eventMatches(healthRule().EventPattern, maintenance)).toBe(false);
    expect(eventMatches(healthRule().EventPattern, leakEvent({}))).toBe(false);
  });

  test('both rules start the state machine, with retries and a maximum event age', () => {
    for (const rule of [leakRule(), healthRule()]) {
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: { Ref: idOf(pipeline.leakResponse.stateMachine) },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        }),
      ]);
    }
  });
});

describe('state machine', () => {
  const machine = () =>
    Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties;
  const definition = () => {
    const body = machine().DefinitionString;
    const text = (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'ARN')).join('');
    return JSON.parse(text) as {
      StartAt: string;
      TimeoutSeconds: number;
      States: Record<string, Record<string, unknown>>;
    };
  };

  test('the steps run in order: revoke first, then rotate and wait, audit, linked keys, record and page, second check', () => {
    const d = definition();
    expect(d.StartAt).toBe('ResolveAndRevoke');
    const next = (name: string) => d.States[name].Next;
    expect(next('ResolveAndRevoke')).toBe('Decision');
    expect(next('RotateNow')).toBe('ReplacementCurrent?');
    expect(next('WaitForReplacement')).toBe('CheckReplacement');
    expect(next('AuditExposure')).toBe('RotateLinkedKeys');
    expect(next('RotateLinkedKeys')).toBe('RecordAndNotify');
    expect(next('RecordAndNotify')).toBe('WaitForSecondCheck');
    expect(d.States.WaitForSecondCheck.Seconds).toBe(3600);
    expect(d.States.WaitForReplacement.Seconds).toBe(15);
    // 3 hours for the response's own steps, plus the blast-radius approval's wait (60 minutes by default).
    expect(d.TimeoutSeconds).toBe(3 * 3600 + 3600);
    const choices = d.States['RevokeAfterRotation?'].Choices as Array<{ Next: string }>;
    expect(choices[0].Next).toBe('RevokeAfterRotation');
  });

  test('every task is timed and retried; every task but escalate itself catches into escalate', () => {
    const d = definition();
    const taskStates = Object.entries(d.States).filter(([, s]) => s.Type === 'Task');
    expect(taskStates.length).toBeGreaterThanOrEqual(10);
    for (const [name, s] of taskStates) {
      // The approval's wait, its answers and its failures: test/leak/blast-radius.test.ts.
      if (name === 'AwaitApproval') continue;
      expect(s.TimeoutSeconds).toBe(180);
      expect(s.Retry).toEqual(
        expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]),
      );
      if (name.startsWith('Escalate')) expect(s.Catch).toBeUndefined();
      else
        expect(s.Catch).toEqual([
          expect.objectContaining({
            ErrorEquals: ['States.ALL'],
            Next: name === 'ResolveAndRevoke' ? 'ContainFailedState' : 'Escalate',
          }),
        ]);
    }
    for (const name of ['ResolveAndRevoke', 'RevokeAfterRotation', 'RecordAndNotify']) {
      expect((d.States[name].Retry as Array<{ MaxAttempts: number }>).some((r) => r.MaxAttempts >= 4)).toBe(
        true,
      );
      expect(d.States[name].Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    }
    expect(d.States.ResolveAndRevoke).toMatchObject({
      Resource: 'ARN',
      Parameters: { task: 'contain', 'event.$': '$' },
    });
    expect(d.States.AuditExposure.Parameters).toEqual({ task: 'audit', 'state.$': '$' });
    expect(d.States.Escalate.Next).toBe('Escalated');
    expect(d.States.Escalated.Type).toBe('Fail');
  });

  test('logged without execution data, traced, and a failed execution pages', () => {
    expect(machine()).toMatchObject({
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { IncludeExecutionData: false, Level: 'ALL' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('a leak response failed'),
      AlarmActions: [{ Ref: idOf(pipeline.notifications.criticalTopic) }],
    });
  });
});

describe('incident table and the leak role', () => {
  test('incidents: point-in-time recovery, keyturn KMS key, deletion protection, retained, TTL for open markers only', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      }),
    });
  });

  const statements = () =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) =>
        (p.Properties.Roles as Array<{ Ref: string }>).some(
          (r) => r.Ref === idOf(pipeline.leakResponse.leakFunction.role),
        ),
      )
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);

  test('the leak role: read, rotate and tag revoked versions of managed secrets only; never put, delete or change policies', () => {
    const actions = statements().flatMap((s) => [s.Action].flat() as string[]);
    expect(actions).toEqual(
      expect.arrayContaining([
        'secretsmanager:GetSecretValue',
        'secretsmanager:RotateSecret',
        'secretsmanager:TagResource',
        'cloudtrail:LookupEvents',
        'dynamodb:PutItem',
      ]),
    );
    for (const forbidden of [
      'secretsmanager:PutSecretValue',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutResourcePolicy',
      'secretsmanager:UpdateSecretVersionStage',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
    ]) {
      expect(actions).not.toContain(forbidden);
    }
    const tag = statements().find((s) => s.Action === 'secretsmanager:TagResource')!;
    expect(tag.Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['keyturn:revoked-versions'] },
      Null: { 'aws:TagKeys': 'false' },
    });
    const read = statements().find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))!;
    expect(read.Condition).toEqual({
      StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
    });
  });

  test('the leak function: bounded, reserved concurrency, knows its tables and topics', () => {
    const fn = template.toJSON().Resources[idOf(pipeline.leakResponse.leakFunction.function)].Properties;
    expect(fn).toMatchObject({ Timeout: 120, ReservedConcurrentExecutions: 10, Runtime: 'nodejs24.x' });
    expect(Object.keys(fn.Environment.Variables)).toEqual(
      expect.arrayContaining([LEAK_ENV.incidentTable, ENV.ledgerTable, ENV.criticalTopicArn]),
    );
  });

  test('a dedupe window outside 1 minute to 7 days is refused, naming the prop', () => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
    const p = new KeyturnPipeline(s, 'P', {});
    const { KeyturnLeakResponse } = jest.requireActual(
      '../../lib/leak-response',
    ) as typeof import('../../lib/leak-response');
    const { Duration } = jest.requireActual('aws-cdk-lib') as typeof import('aws-cdk-lib');
    expect(
      () =>
        new KeyturnLeakResponse(s, 'L', {
          pipeline: p,
          ledger: p.ledgerTable,
          dedupeWindow: Duration.seconds(5),
        }),
    ).toThrow(/dedupeWindow 5s must be 60 s to 7 days/);
  });
});

describe('the leak bus: only the listed senders may report a leak (issue 14)', () => {
  const SENDERS = ['arn:aws:iam::111122223333:role/oncall-*', 'arn:aws:iam::111122223333:user/scanner'];
  const build = (senders?: string[]) => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Keyturn', {
      env: { account: TEST_ENV.account, region: TEST_ENV.region },
    });
    const p = new KeyturnPipeline(s, 'Pipeline', senders ? { leakResponse: { senders } } : {});
    return { s, p, template: Template.fromStack(s).toJSON() as CfnTemplate };
  };
  const configured = build(SENDERS);
  const unconfigured = build();

  /** The bus's policy: every EventBusPolicy statement on it, resolved. */
  function busPolicy(template: CfnTemplate): { busArn: string; policy: PolicyDocument } {
    const resolver = new TemplateResolver(template);
    const [busId] = resolver.ofType('AWS::Events::EventBus')[0];
    const statements = resolver
      .ofType('AWS::Events::EventBusPolicy')
      .filter(([, p]) => JSON.stringify(p.Properties?.EventBusName).includes(busId))
      .map(([, p]) => resolver.resolve(p.Properties!.Statement) as PolicyStatement);
    return { busArn: resolver.arnOf(busId), policy: { Version: '2012-10-17', Statement: statements } };
  }
  /** `principal` holds events:PutEvents on `*` (a developer's ordinary rights) and puts a leak event on the bus. */
  const put = (template: CfnTemplate, principal: string) => {
    const { busArn, policy } = busPolicy(template);
    return evaluate(
      principal,
      [
        {
          name: 'broad',
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
          },
        },
      ],
      {
        action: 'events:PutEvents',
        resource: busArn,
        resourcePolicy: policy,
        context: { 'aws:PrincipalArn': principal },
      },
    );
  };

  test('the keyturn leak rule listens on the leak bus; the Health rule stays on the default bus', () => {
    const rules = Object.values(configured.template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const leakRule = rules.find((r) => /a managed API key leaked/.test(String(r.Properties?.Description)))!;
    const healthRule = rules.find((r) => /AWS Health reports/.test(String(r.Properties?.Description)))!;
    expect(JSON.stringify(leakRule.Properties?.EventBusName)).toContain(
      new TemplateResolver(configured.template).ofType('AWS::Events::EventBus')[0][0],
    );
    expect(healthRule.Properties?.EventBusName).toBeUndefined();
    expect(configured.p.leakResponse.eventBus.eventBusName).toBeDefined();
    const bus = Object.values(configured.template.Resources).find((r) => r.Type === 'AWS::Events::EventBus')!;
    expect(bus.Properties?.Name).toBe('keyturn-leak-signals');
  });

  test.each(['arn:aws:iam::111122223333:role/oncall-alice', 'arn:aws:iam::111122223333:user/scanner'])(
    'a listed sender (%s) may put leak events',
    async (principal) => {
      expect(await put(configured.template, principal)).toBe('Allowed');
    },
  );

  test.each([
    'arn:aws:iam::111122223333:role/developer',
    'arn:aws:iam::111122223333:user/scanner-2',
    'arn:aws:iam::444455556666:role/oncall-alice',
  ])(
    'an attacker: %s, not in the policy, is denied though its own policy allows PutEvents on *',
    async (principal) => {
      expect(await put(configured.template, principal)).toBe('ExplicitlyDenied');
    },
  );

  test('with no senders configured, nobody may put leak events (AWS Health still arrives on the default bus)', async () => {
    expect(await put(unconfigured.template, 'arn:aws:iam::111122223333:role/oncall-alice')).toBe(
      'ExplicitlyDenied',
    );
  });

  test('a sender that is not a role or user ARN is refused, naming it and the fix', () => {
    expect(() => build(['*'])).toThrow(/senders "\*" must be IAM role or user ARNs, e\.g\. arn:aws:iam::/);
    expect(() => configWith({ ...exampleRaw(), leakResponse: { senders: ['alice'] } })).toThrow(
      /leak sender must be an IAM role or user ARN/,
    );
    expect(configWith({ ...exampleRaw(), leakResponse: { senders: SENDERS } }).leakResponse.senders).toEqual(
      SENDERS,
    );
  });
});

describe('the blast-radius cap (issue 14)', () => {
  test('the leak function gets the cap and its window; the approval wait has the configured timeout', () => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Cap');
    const p = new KeyturnPipeline(s, 'Pipeline', {
      leakResponse: { blastRadius: { maxRevocations: 5, windowMinutes: 15, approvalTimeoutMinutes: 30 } },
    });
    const t = Template.fromStack(s).toJSON() as CfnTemplate;
    const fn = t.Resources[s.getLogicalId(p.leakResponse.leakFunction.function.node.defaultChild as never)];
    expect(fn.Properties?.Environment).toMatchObject({
      Variables: { [LEAK_ENV.blastRadiusMax]: '5', [LEAK_ENV.blastRadiusWindowSeconds]: '900' },
    });
    const resolver = new TemplateResolver(t);
    const [, machineResource] = resolver.ofType('AWS::StepFunctions::StateMachine')[0];
    const d = JSON.parse(String(resolver.resolve(machineResource.Properties!.DefinitionString))) as {
      TimeoutSeconds: number;
      States: Record<string, { TimeoutSeconds?: number }>;
    };
    expect(d.States.AwaitApproval.TimeoutSeconds).toBe(1800);
    expect(d.TimeoutSeconds).toBe(3 * 3600 + 1800);
  });

  test('defaults: 3 keys in 10 minutes, an hour to approve', () => {
    const fn = template.toJSON().Resources[idOf(pipeline.leakResponse.leakFunction.function)].Properties;
    expect(fn.Environment.Variables).toMatchObject({
      [LEAK_ENV.blastRadiusMax]: '3',
      [LEAK_ENV.blastRadiusWindowSeconds]: '600',
    });
  });

  test.each([
    [{ maxRevocations: 0 }, /blastRadius.maxRevocations 0 must be a whole number 1–100/],
    [{ windowMinutes: 1441 }, /blastRadius.windowMinutes 1441 must be a whole number 1–1440/],
    [{ approvalTimeoutMinutes: 2.5 }, /blastRadius.approvalTimeoutMinutes 2.5 must be a whole number 5–1440/],
  ])('the construct refuses %o, naming the prop and its bounds', (blastRadius, message) => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
    expect(() => new KeyturnPipeline(s, 'P', { leakResponse: { blastRadius } })).toThrow(message);
  });

  test('grantApprove: the approver may answer a task and read an incident, nothing more', async () => {
    const s = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Approve', {
      env: { account: TEST_ENV.account, region: TEST_ENV.region },
    });
    const p = new KeyturnPipeline(s, 'Pipeline', {});
    const approver = new Role(s, 'OnCallApprover', { assumedBy: new AccountRootPrincipal() });
    p.leakResponse.grantApprove(approver);
    const resolver = new TemplateResolver(Template.fromStack(s).toJSON() as CfnTemplate);
    const role = rolesOf(resolver).find(
      (r) => r.logicalId === s.getLogicalId(approver.node.defaultChild as never),
    )!;
    const machineArn = resolver.arnOf(s.getLogicalId(p.leakResponse.stateMachine.node.defaultChild as never));
    const tableArn = resolver.arnOf(s.getLogicalId(p.leakResponse.incidentTable.node.defaultChild as never));
    const keyArn = resolver.arnOf(s.getLogicalId(p.encryptionKey.node.defaultChild as never));
    const otherRole = `arn:aws:iam::${TEST_ENV.account}:role/someone-else`;
    const keyId = s.getLogicalId(p.encryptionKey.node.defaultChild as never);
    const keyPolicy = resolver.resolve(
      resolver.ofType('AWS::KMS::Key').find(([id]) => id === keyId)![1].Properties!.KeyPolicy,
    ) as PolicyDocument;
    const may = (action: string, resource: string, context: Record<string, string> = {}) =>
      evaluate(role.arn, role.identityPolicies, {
        action,
        resource,
        context,
        // The key's grant is in its key policy (same account: CDK writes it there).
        ...(action.startsWith('kms:') ? { resourcePolicy: keyPolicy } : {}),
      });
    // No resource-level permissions exist for these two (the evaluator refuses a specific ARN): the token is the key.
    expect(await may('states:SendTaskSuccess', '*')).toBe('Allowed');
    expect(await may('states:SendTaskFailure', '*')).toBe('Allowed');
    expect(await may('states:SendTaskHeartbeat', '*')).toBe('ImplicitlyDenied');
    expect(await may('dynamodb:GetItem', tableArn)).toBe('Allowed');
    expect(
      await may('kms:Decrypt', keyArn, { 'kms:ViaService': `dynamodb.${TEST_ENV.region}.amazonaws.com` }),
    ).toBe('Allowed');
    expect(
      await may('kms:Decrypt', keyArn, { 'kms:ViaService': `sns.${TEST_ENV.region}.amazonaws.com` }),
    ).toBe('ImplicitlyDenied');
    for (const action of ['states:StartExecution', 'states:UpdateStateMachine'])
      expect(await may(action, machineArn)).toBe('ImplicitlyDenied');
    // The key policy names the approver, not everyone: another role gets no Decrypt from it.
    expect(
      await evaluate(otherRole, [], {
        action: 'kms:Decrypt',
        resource: keyArn,
        resourcePolicy: keyPolicy,
        context: { 'kms:ViaService': `dynamodb.${TEST_ENV.region}.amazonaws.com` },
      }),
    ).not.toBe('Allowed');
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'])
      expect(await may(action, tableArn)).toBe('ImplicitlyDenied');
  });
});

test('cdk-nag stays clean with an approver granted (its one wildcard is acknowledged with the reason)', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const s = new Stack(app, 'Nag');
  const p = new KeyturnPipeline(s, 'Pipeline', {});
  p.leakResponse.grantApprove(new Role(s, 'OnCallApprover', { assumedBy: new AccountRootPrincipal() }));
  expect(() => app.synth()).not.toThrow();
});
