/**
 * A stack pinned to an account and region (`env`) synthesizes with cdk-nag's AwsSolutions pack as the
 * environment-agnostic one does: each reasoned acknowledgement of a wildcard resource is rendered from the granted
 * ARN in its own stack (lib/nag.ts), so it names `eu-west-1` where a pinned stack's policy does and
 * `<AWS::Region>` where an agnostic one's does. The configuration covers every provider kind.
 */
import { buildKeyturnApp } from '../../lib/app';
import { wildcardResourceFinding } from '../../lib/nag';
import { App, Stack } from 'aws-cdk-lib';
import { configWith, exampleConfig, testApp } from '../helpers/synth';
import { worstCaseConfig } from './worst-case-config';

const PINNED = { env: { account: '111122223333', region: 'eu-west-1' } };

test('rule: the example app pinned to an account and region synthesizes with every cdk-nag check passing', () => {
  const { app } = buildKeyturnApp(exampleConfig(), testApp(), PINNED);
  expect(() => app.synth()).not.toThrow();
});

test('rule: a pinned configuration with every provider kind synthesizes with every cdk-nag check passing', () => {
  const { app, stack } = buildKeyturnApp(configWith(worstCaseConfig(8)), testApp(), PINNED);
  expect(() => app.synth()).not.toThrow();
  expect(stack.region).toBe('eu-west-1');
});

test('rule: an acknowledgement names the resource as cdk-nag renders it, literal when pinned and a token when not', () => {
  const pinned = new Stack(new App(), 'Pinned', PINNED);
  const agnostic = new Stack(new App(), 'Agnostic');
  const arnIn = (stack: Stack) =>
    `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/g/*`;
  expect(wildcardResourceFinding(pinned, arnIn(pinned))).toBe(
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:eu-west-1:111122223333:schedule/g/*]',
  );
  expect(wildcardResourceFinding(agnostic, arnIn(agnostic))).toBe(
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/g/*]',
  );
});
