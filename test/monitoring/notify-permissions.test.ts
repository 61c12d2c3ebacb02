/**
 * Forged pages (issue 14, item 3): the notify function's resource policy names each rule's exact ARN, so a rule
 * named like keyturn's (or any other rule in the account) cannot invoke it. The synthesized permissions are turned
 * into the resource policy Lambda builds from them and evaluated with the IAM evaluator, as the attacker's rule.
 */
import { buildKeyturnApp } from '../../lib/app';
import { evaluate, TemplateResolver, TEST_ENV, type PolicyDocument } from '../helpers/template-iam';
import { exampleConfig, testApp } from '../helpers/synth';
import { Template } from 'aws-cdk-lib/assertions';

const { app, stack } = buildKeyturnApp(exampleConfig(), testApp());
app.synth();
const template = Template.fromStack(stack).toJSON();
const resolver = new TemplateResolver(template as never);
const notifyId = Object.keys(template.Resources).find(
  (id) => template.Resources[id].Type === 'AWS::Lambda::Function' && /MonitoringNotifyFunction/.test(id),
)!;
const notifyArn = resolver.arnOf(notifyId);

/** The resource policy Lambda derives from AWS::Lambda::Permission (SourceArn → ArnLike, SourceAccount → StringEquals). */
const resourcePolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: resolver
    .ofType('AWS::Lambda::Permission')
    .filter(
      ([, r]) =>
        resolver.str((r.Properties as never)['FunctionName']) === notifyArn ||
        JSON.stringify((r.Properties as never)['FunctionName']).includes(notifyId),
    )
    .map(([, r]) => {
      const p = r.Properties as Record<string, never>;
      const condition: Record<string, Record<string, string>> = {};
      if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': resolver.str(p.SourceArn) };
      if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': resolver.str(p.SourceAccount) };
      return {
        Effect: 'Allow',
        Principal: { Service: resolver.str(p.Principal) },
        Action: resolver.str(p.Action),
        Resource: notifyArn,
        Condition: condition,
      };
    }) as never,
};
const ruleArns = resolver
  .ofType('AWS::Events::Rule')
  .filter(([, r]) => JSON.stringify((r.Properties as never)['Targets']).includes(notifyId))
  .map(([id]) => resolver.arnOf(id));

async function invokedBy(sourceArn: string): Promise<string> {
  return evaluate('events.amazonaws.com', [], {
    action: 'lambda:InvokeFunction',
    resource: notifyArn,
    resourcePolicy,
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': TEST_ENV.account },
  });
}

test('every keyturn rule that targets notify may invoke it', async () => {
  expect(ruleArns.length).toBeGreaterThanOrEqual(4);
  for (const arn of ruleArns) expect(await invokedBy(arn)).toBe('Allowed');
});

test.each([
  ['a rule named like the reader rule', (arn: string) => `${arn}-evil`],
  [
    'a rule with the old name prefix',
    () => `arn:aws:events:${TEST_ENV.region}:${TEST_ENV.account}:rule/keyturn-reads-abc123-x`,
  ],
  ['a rule on another bus', (arn: string) => arn.replace(':rule/', ':rule/attacker-bus/')],
])('attacker: %s cannot invoke notify', async (_what, forge) => {
  expect(await invokedBy(forge(ruleArns[0]))).not.toBe('Allowed');
});

test('no notify permission uses a wildcard source', () => {
  for (const st of resourcePolicy.Statement as Array<{ Condition: Record<string, Record<string, string>> }>)
    expect(st.Condition.ArnLike?.['aws:SourceArn'] ?? 'missing').not.toMatch(/\*|missing/);
});
