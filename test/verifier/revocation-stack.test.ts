/**
 * The revocation table in the stack: on demand, point-in-time recovery, the leak function may only put records,
 * a consumer granted read may only read them, and the table name is a stack output for verifier configuration.
 */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LEAK_ENV, REVOCATION_SCHEMA } from '../../lambdas/core/constants';
import { synthExample } from '../helpers/synth';

const { stack, template } = synthExample();
const store = stack.pipeline.leakResponse.revocations;
const tableId = stack.getLogicalId(store.table.node.defaultChild as never);
const tableRef = { 'Fn::GetAtt': [tableId, 'Arn'] };

function statementsOn(resource: unknown) {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).filter(
      (s) => JSON.stringify(s.Resource).includes(JSON.stringify(resource)),
    ),
  );
}

test('rule: one on-demand table keyed by secret name, with point-in-time recovery', () => {
  template.hasResourceProperties('AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: REVOCATION_SCHEMA.partitionKey, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  });
  template.hasOutput('*', { Description: Match.stringLikeRegexp('revocation table') });
});

test('rule: the leak function knows the table and may only PutItem on it', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ [LEAK_ENV.revocationTable]: { Ref: tableId } }) },
  });
  const actions = statementsOn(tableRef).flatMap((s) => [s.Action].flat());
  expect(actions).toEqual(['dynamodb:PutItem']);
});

test('rule: grantRead gives a consumer GetItem and BatchGetItem on this table, nothing else', () => {
  const consumerStack = new Stack(stack.node.scope as never, 'Consumer');
  const role = new iam.Role(consumerStack, 'Service', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  store.grantRead(role);
  const doc = JSON.stringify((role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON());
  expect(JSON.parse(doc).Statement).toEqual([
    expect.objectContaining({
      Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      Effect: 'Allow',
    }),
  ]);
  expect(doc).not.toMatch(/PutItem|UpdateItem|DeleteItem|kms:/);
});
