/**
 * What every keyturn function and log group gets from one place (lib/keyturn-function.ts, lib/log-encryption.ts):
 * reserved concurrency, the SDK's one retry layer, and logs encrypted with keyturn's KMS key.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SDK_RETRY_ENV } from '../../lambdas/core/constants';
import { KeyturnFunction } from '../../lib/keyturn-function';
import { encryptLogGroups } from '../../lib/log-encryption';
import { synthExample } from '../helpers/synth';

const { template } = synthExample();
const functions = template.findResources('AWS::Lambda::Function');

test('every function in the stack has reserved concurrency (a flood of signals is bounded)', () => {
  expect(Object.keys(functions).length).toBeGreaterThan(3);
  for (const [id, fn] of Object.entries(functions))
    expect([id, fn.Properties.ReservedConcurrentExecutions]).toEqual([id, expect.any(Number)]);
});

test('every function retries AWS calls through the SDK, adaptively and bounded (the one retry layer)', () => {
  for (const [id, fn] of Object.entries(functions))
    expect([id, fn.Properties.Environment?.Variables]).toEqual([id, expect.objectContaining(SDK_RETRY_ENV)]);
});

test('every log group in the stack is encrypted with keyturn key', () => {
  const groups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  expect(groups.length).toBeGreaterThan(3);
  for (const [id, group] of groups)
    expect([id, group.Properties.KmsKeyId]).toEqual([id, { 'Fn::GetAtt': [expect.any(String), 'Arn'] }]);
  for (const [, group] of groups) expect(keys).toContain(group.Properties.KmsKeyId['Fn::GetAtt'][0]);
});

test('the key lets CloudWatch Logs of this region use it for log groups only', () => {
  template.hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'CloudWatchLogsEncryptKeyturnLogGroups',
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        }),
      ]),
    },
  });
});

describe('guards', () => {
  const stackWith = () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    const key = new kms.Key(stack, 'K');
    return { stack, key };
  };

  test('a log group that names its own key keeps it', () => {
    const { stack, key } = stackWith();
    const own = new kms.Key(stack, 'Own');
    new logs.LogGroup(stack, 'Mine', { encryptionKey: own });
    new logs.LogGroup(stack, 'Plain');
    encryptLogGroups(stack, key);
    const groups = Template.fromStack(stack).findResources('AWS::Logs::LogGroup');
    const keyOf = (prefix: string) =>
      Object.entries(groups).find(([id]) => id.startsWith(prefix))![1].Properties.KmsKeyId['Fn::GetAtt'][0];
    expect(keyOf('Mine')).toMatch(/^Own/);
    expect(keyOf('Plain')).toMatch(/^K/);
  });

  test.each([0, -1, 1.5, 901])('reserved concurrency %p is refused with the fix in the message', (n) => {
    const { stack } = stackWith();
    expect(
      () =>
        new KeyturnFunction(stack, 'F', {
          entry: __filename,
          description: 'x',
          reservedConcurrentExecutions: n,
        }),
    ).toThrow(/reservedConcurrentExecutions must be an integer 1–900/);
  });

  test('a function that says nothing reserves the default', () => {
    const { stack } = stackWith();
    new KeyturnFunction(stack, 'F', { entry: __filename, description: 'x' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 5,
    });
  });
});
