/* eslint-disable @typescript-eslint/no-explicit-any -- template JSON is untyped */
/**
 * Monitoring infrastructure: the trail, metric filters built from the shared patterns module, every alarm routed
 * to the topic of its severity with the configured threshold and a deliberate missing-data policy, the EventBridge
 * rules (incl. the per-key reader rule that sees read-only events), the notify function, subscriptions, dashboard.
 */
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildKeyturnApp } from '../../lib/app';
import type { KeyturnConfig } from '../../lib/config/schema';
import { ALARMS } from '../../lib/monitoring/alarm-catalog';
import { EVALUATION_RATE } from '../../lib/monitoring/evaluator';
import { EVALUATION_MINUTES } from '../../lambdas/core/notify/evaluate';
import { managedSecretReadsPattern, trailTamperingPattern } from '../../lib/monitoring/patterns';
import { parseMonitoringPolicy, PolicyIndex } from '../../lambdas/core/notify/policy';
import { EXAMPLE_CONFIG, configWith, exampleConfig, testApp } from '../helpers/synth';

function synth(config: KeyturnConfig = exampleConfig()) {
  const { app, stack } = buildKeyturnApp(config, testApp());
  app.synth(); // cdk-nag runs here and throws on unacknowledged findings
  return { stack, template: Template.fromStack(stack) };
}

function rawExample(): Record<string, unknown> & { keys: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
}

const { stack, template } = synth();
const topicRef = (severity: 'critical' | 'notice') => ({
  Ref: stack.getLogicalId(stack.pipeline.notifications.topicFor(severity).node.defaultChild as never),
});

describe('CloudTrail source', () => {
  test('the created trail is multi-region, validated, KMS-encrypted and delivers to a log group with retention', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
      KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] },
      CloudWatchLogsLogGroupArn: {
        'Fn::GetAtt': [Match.stringLikeRegexp('MonitoringSourceLogGroup'), 'Arn'],
      },
      EventSelectors: [Match.objectLike({ ReadWriteType: 'All', IncludeManagementEvents: true })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('CloudTrail may encrypt with the pipeline key only for this trail', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Condition: {
              StringEquals: {
                'aws:SourceArn': Match.objectLike({
                  'Fn::Join': ['', Match.arrayWith([':trail/Keyturn-keyturn'])],
                }),
              },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  test('an existing trail is used instead: no trail created, filters on its log group, tampering watches its name', () => {
    const raw = rawExample();
    raw.monitoring = { existingTrail: { logGroupName: 'org/cloudtrail', trailName: 'org-trail' } };
    const t = synth(configWith(raw)).template;
    t.resourceCountIs('AWS::CloudTrail::Trail', 0);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: 'org/cloudtrail',
      FilterPattern: trailTamperingPattern('org-trail'),
    });
  });
});

describe('metric filters come from the shared patterns module', () => {
  test('managed secret reads: the exact pattern, one fleet series (no per-key dimension)', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: managedSecretReadsPattern('keyturn/'),
      MetricTransformations: [
        Match.objectLike({
          MetricName: 'ManagedSecretReads',
          MetricNamespace: 'Keyturn',
          Dimensions: Match.absent(),
        }),
      ],
    });
  });

  test('count filters publish 0 when records arrive but do not match', () => {
    for (const name of [
      'DeniedCalls',
      'DestructiveSecretChanges',
      'DestructiveKmsChanges',
      'TrailTampering',
    ]) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        MetricTransformations: [Match.objectLike({ MetricName: name, MetricValue: '1', DefaultValue: 0 })],
      });
    }
  });
});

describe('alarms', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const specs = Object.values(ALARMS);

  test('every alarm is catalogued: named, one action on the topic of its severity, missing data not breaching', () => {
    const keyturnAlarms = alarms.filter((a) => String(a.AlarmName).startsWith('keyturn-'));
    expect(keyturnAlarms.length).toBeGreaterThanOrEqual(specs.filter((s) => s.scope === 'pipeline').length);
    for (const alarm of keyturnAlarms) {
      const spec = specs.find((s) => alarm.AlarmName === `keyturn-${s.id}`);
      expect(spec).toBeDefined();
      expect(alarm.AlarmActions).toEqual([topicRef(spec!.severity)]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmDescription).toContain('Runbook:');
    }
    // One alarm path: only the signal-delivery queues' alarms are built outside the catalogue (lib/signal-delivery.ts).
    const others = alarms.filter((a) => !String(a.AlarmName ?? '').startsWith('keyturn-'));
    for (const a of others) expect(a.AlarmDescription).toMatch(/could not be delivered after every retry/);
  });

  test('no alarm, rule or filter per key: the same count for 2 keys and for 60', () => {
    const count = (t: Template) => {
      const json = t.toJSON().Resources as Record<string, { Type: string }>;
      const of = (type: string) => Object.values(json).filter((r) => r.Type === type).length;
      return [of('AWS::CloudWatch::Alarm'), of('AWS::Events::Rule'), of('AWS::Logs::MetricFilter')];
    };
    const raw = rawExample();
    raw.pipeline = { ...(raw.pipeline as object), keyShards: 2 };
    raw.keys = Array.from({ length: 60 }, (_, i) => ({ ...raw.keys[i % 2], name: `api-${i}` }));
    const many = synth(configWith(raw)).stack;
    const shards = many.keyShards.map((sh) => Template.fromStack(sh));
    expect(count(Template.fromStack(many))).toEqual(count(template));
    for (const t of shards) expect(count(t)).toEqual([0, 0, 0]);
  });

  test('default thresholds: denied 10/50 per hour', () => {
    const byName = (n: string) => alarms.find((a) => a.AlarmName === n)!;
    expect(byName('keyturn-denied-calls-warning')).toMatchObject({
      Threshold: 10,
      Period: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(byName('keyturn-denied-calls-critical')).toMatchObject({ Threshold: 50, Period: 3600 });
  });

  test('per-key thresholds follow the configuration into the policy: key override, tier default, pipeline default', () => {
    const raw = rawExample();
    raw.monitoring = {
      deniedCallsPerHour: { warning: 20, critical: 80 },
      keyDefaults: { requestsPerMinute: { warning: 100, critical: 200 } },
      tierDefaults: { standard: { rejectedPercent: { warning: 2, critical: 4 } } },
    };
    raw.keys[0].alarms = {
      requestsPerMinute: { warning: 2000, critical: 5000 },
      readAnomalyBandWidth: 5,
      verifierService: 'billing',
    };
    const { stack: s2, template: t } = synth(configWith(raw));
    const byName = (n: string) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === n)!
        .Properties;
    expect(byName('keyturn-denied-calls-warning').Threshold).toBe(20);
    expect(byName('keyturn-denied-calls-critical').Threshold).toBe(80);
    const policy = s2.pipeline.monitoring.policyDocument.keys;
    const billing = policy.find((k) => k.keyName === 'billing-api')!;
    const reports = policy.find((k) => k.keyName === 'reports-api')!;
    expect(billing).toMatchObject({
      requestsPerMinute: { warning: 2000, critical: 5000 },
      rejectedPercent: { warning: 5, critical: 10 },
      readAnomalyBandWidth: 5,
      verifierService: 'billing',
    });
    expect(reports).toMatchObject({
      requestsPerMinute: { warning: 100, critical: 200 },
      rejectedPercent: { warning: 2, critical: 4 },
      readAnomalyBandWidth: 3,
    });
  });

  test('the fleet evaluator runs every 5 minutes with the policy, may query only its log groups, and its failures page', () => {
    const raw = rawExample();
    raw.monitoring = { verifierLogGroups: ['/aws/lambda/billing-service'] };
    const { stack: s2, template: t } = synth(configWith(raw));
    const evaluator = s2.pipeline.monitoring.evaluator!;
    expect(EVALUATION_RATE.toMinutes()).toBe(EVALUATION_MINUTES);
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    const fnId = s2.getLogicalId(evaluator.evaluate.function.node.defaultChild as never);
    const fn = t.toJSON().Resources[fnId].Properties;
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Layers).toHaveLength(1);
    expect(JSON.parse(fn.Environment.Variables.KEYTURN_VERIFIER_LOG_GROUPS)).toEqual([
      '/aws/lambda/billing-service',
    ]);
    const statements = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('FleetEvaluate'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const start = statements.find((st: any) => [st.Action].flat().includes('logs:StartQuery'));
    expect([start.Action].flat()).toEqual(['logs:StartQuery', 'logs:GetQueryResults']);
    expect(JSON.stringify(start.Resource)).toContain('log-group:/aws/lambda/billing-service:*');
    expect(start.Resource).toHaveLength(2);
    expect(JSON.stringify(statements)).not.toMatch(/GetSecretValue/);
    const alarm = Object.values(t.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === 'keyturn-fleet-evaluator-failures',
    )!;
    expect(alarm.Properties.AlarmActions).toEqual([
      { Ref: s2.getLogicalId(s2.pipeline.notifications.criticalTopic.node.defaultChild as never) },
    ]);
  });

  test('synth says what is off and what costs: no verifier log groups, a second trail', () => {
    const warnings = (config: KeyturnConfig) => {
      const { stack: s2 } = synth(config);
      return Annotations.fromStack(s2)
        .findWarning('*', Match.anyValue())
        .map((w) => JSON.stringify(w.entry.data));
    };
    const plain = warnings(exampleConfig());
    expect(plain.some((w) => w.includes('verifierLogGroups is empty'))).toBe(true);
    expect(plain.some((w) => w.includes('$2.00 per 100,000 events'))).toBe(true);
    const raw = rawExample();
    raw.monitoring = { createTrail: true, verifierLogGroups: ['/aws/lambda/x'] };
    const chosen = warnings(configWith(raw));
    expect(
      chosen.some((w) => w.includes('verifierLogGroups is empty') || w.includes('per 100,000 events')),
    ).toBe(false);
  });

  test('a warning above its critical is refused at configuration time, naming the field', () => {
    const raw = rawExample();
    raw.monitoring = { deniedCallsPerHour: { warning: 60, critical: 50 } };
    expect(() => configWith(raw)).toThrow(/deniedCallsPerHour: warning must be below critical/);
    raw.monitoring = { deniedCallsPerHour: { warning: 5, critical: 50 } };
    expect(() => configWith(raw)).not.toThrow();
  });
});

describe('EventBridge rules', () => {
  const rules = Object.entries(template.findResources('AWS::Events::Rule'));

  test('rotation failures match both aRN and arn spellings of the secret ARN', () => {
    const [, rule] = rules.find(([id]) => id.includes('RotationProblems'))!;
    expect(rule.Properties.EventPattern.detail.eventName).toEqual(['RotationFailed', 'RotationAbandoned']);
    expect(
      rule.Properties.EventPattern.detail.$or.map((o: any) => Object.keys(o.additionalEventData)[0]),
    ).toEqual(['aRN', 'arn']);
    expect(rule.Properties.Targets[0].Arn['Fn::GetAtt'][0]).toMatch(/MonitoringNotifyFunction/);
  });

  test('one reader rule for the whole prefix sees read-only calls and excludes only keyturn roles', () => {
    const readerRules = rules.filter(
      ([, r]) => r.Properties.State === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    );
    expect(readerRules).toHaveLength(1);
    const detail = readerRules[0][1].Properties.EventPattern.detail;
    expect(JSON.stringify(detail.requestParameters.secretId)).toContain('"prefix":"keyturn/"');
    const roles = JSON.stringify(detail.$or[0].userIdentity.sessionContext.sessionIssuer.arn);
    for (const role of ['PipelineRotateRole', 'RetireRole', 'LeakRole']) expect(roles).toContain(role);
    // The audit never reads values: a read by its role would be a finding, not a keyturn routine.
    expect(roles).not.toContain('AuditRole');
  });

  test('the notify function carries the deployed monitoring policy: every key, its readers and thresholds', () => {
    const raw = rawExample();
    raw.keys[0].allowedReaders = ['arn:aws:sts::111122223333:assumed-role/billing-service/pod-1'];
    raw.keys[0].alarms = { requestsPerMinute: { warning: 50, critical: 80 } };
    const { stack: s2, template: t } = synth(configWith(raw));
    const monitoring = s2.pipeline.monitoring;
    const policy = parseMonitoringPolicy(JSON.stringify(monitoring.policyDocument));
    expect(policy.keys.map((k) => k.secretName).sort()).toEqual(
      s2.keys.map((k) => `keyturn/${k.config.environment}/${k.config.name}`).sort(),
    );
    const billing = policy.keys.find((k) => k.keyName === 'billing-api')!;
    expect(billing.requestsPerMinute).toEqual({ warning: 50, critical: 80 });
    expect(billing.rejectedPercent).toEqual({ warning: 5, critical: 10 });
    expect(
      new PolicyIndex(policy).isAllowedReader(billing, {
        type: 'AssumedRole',
        issuerArn: 'arn:aws:iam::111122223333:role/billing-service',
      }),
    ).toBe(true);
    const layerId = s2.getLogicalId(monitoring.policyLayer!.layer.node.defaultChild as never);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('incidents into one clear on-call message'),
      Layers: [{ Ref: layerId }],
    });
  });

  test("the tamper rule trusts keyturn's roles and the CDK deploy role, nobody else", () => {
    const [, rule] = rules.find(([id]) => id.includes('TamperWrites'))!;
    const detail = rule.Properties.EventPattern.detail;
    expect(detail.eventName).toEqual([
      'CreateSecret',
      'TagResource',
      'UntagResource',
      'PutSecretValue',
      'RotateSecret',
    ]);
    const trusted = JSON.stringify(detail.userIdentity.$or[0].sessionContext.sessionIssuer.arn);
    expect(trusted).toContain('PipelineRotateRole');
    expect(trusted).toContain('cdk-hnb659fds-cfn-exec-role-');
    const raw = rawExample();
    raw.monitoring = { deployRoleArns: ['arn:aws:iam::111122223333:role/platform-deployer'] };
    const t = synth(configWith(raw)).template;
    const custom = Object.entries(t.findResources('AWS::Events::Rule')).find(([id]) =>
      id.includes('TamperWrites'),
    )![1];
    const customTrusted = JSON.stringify(custom.Properties.EventPattern.detail.userIdentity);
    expect(customTrusted).toContain('role/platform-deployer');
    expect(customTrusted).not.toContain('cdk-hnb659fds');
  });

  test('every rule that targets notify has its own invoke permission naming its exact ARN', () => {
    const toNotify = rules.filter(([, r]) =>
      JSON.stringify(r.Properties.Targets ?? []).includes('MonitoringNotifyFunction'),
    );
    expect(toNotify.length).toBeGreaterThanOrEqual(4);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'events.amazonaws.com',
    );
    for (const p of permissions) expect(JSON.stringify(p.Properties.SourceArn)).not.toContain('*');
    for (const [id, r] of toNotify) {
      // No lost signal: retries, then the signal-delivery dead-letter queue (whose alarm pages).
      expect(r.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(JSON.stringify(r.Properties.Targets[0].DeadLetterConfig)).toMatch(
        /SignalDeliveryDeadLetterQueue/,
      );
      expect(permissions.some((p) => p.Properties.SourceArn?.['Fn::GetAtt']?.[0] === id)).toBe(true);
    }
  });
});

describe('notify function', () => {
  test('gets both topic ARNs and its table, a dead-letter queue, and capped concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('incidents into one clear on-call message'),
      ReservedConcurrentExecutions: 5,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          KEYTURN_CRITICAL_TOPIC_ARN: topicRef('critical'),
          KEYTURN_NOTICE_TOPIC_ARN: topicRef('notice'),
          KEYTURN_NOTIFY_DEDUPE_TABLE: { Ref: Match.stringLikeRegexp('DedupeTable') },
          KEYTURN_NOTIFY_DEDUPE_SECONDS: '600',
        }),
      },
    });
  });

  test('may describe managed secrets only (tag condition), write its dedupe table only, never read secret values', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('MonitoringNotifyRole'),
    );
    const statements = policy.Properties.PolicyDocument.Statement as Array<any>;
    const text = JSON.stringify(statements);
    expect(text).not.toContain('GetSecretValue');
    expect(statements.find((st) => st.Action === 'secretsmanager:DescribeSecret').Condition).toEqual({
      StringEquals: { 'secretsmanager:ResourceTag/keyturn:managed': 'true' },
    });
    const put = statements.find((st) => st.Action === 'dynamodb:PutItem');
    expect(JSON.stringify(put.Resource)).toMatch(/DedupeTable/);
    expect(statements.filter((st) => String(st.Action).startsWith('dynamodb:'))).toHaveLength(1);
  });

  test('the dedupe table expires items by TTL; the dead-letter queue is encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });
});

describe('topics and subscriptions', () => {
  test('both topics are KMS-encrypted and CloudWatch may use the key to publish alarms to them', () => {
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() }, 2);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test('subscriptions come from configuration, with filter policies on the message attributes', () => {
    const raw = rawExample();
    raw.notifications = {
      critical: [
        { protocol: 'email', endpoint: 'oncall@example.com' },
        { protocol: 'https', endpoint: 'https://pager.example.com/hook' },
      ],
      notice: [
        {
          protocol: 'sqs',
          endpoint: 'arn:aws:sqs:eu-west-1:111122223333:keyturn-notices',
          filter: { environment: ['prod'], kind: ['rotation-abandoned'] },
        },
      ],
    };
    const t = synth(configWith(raw)).template;
    t.resourceCountIs('AWS::SNS::Subscription', 3);
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: Match.objectLike({ Ref: Match.stringLikeRegexp('Critical') }),
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://pager.example.com/hook',
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      TopicArn: Match.objectLike({ Ref: Match.stringLikeRegexp('Notice') }),
      FilterPolicy: { environment: ['prod'], kind: ['rotation-abandoned'] },
    });
  });

  test('a subscription whose endpoint does not fit its protocol is refused', () => {
    const raw = rawExample();
    raw.notifications = { critical: [{ protocol: 'https', endpoint: 'http://insecure.example.com' }] };
    expect(() => configWith(raw)).toThrow(/endpoint does not fit protocol "https"/);
  });
});

describe('dashboard', () => {
  test('one dashboard per pipeline by default, none when disabled', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const raw = rawExample();
    raw.monitoring = { dashboard: false };
    synth(configWith(raw)).template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

test('the stack stays env-agnostic', () => {
  expect(Stack.of(stack).account).toMatch(/Token|\$\{/);
});
