/** Keys beyond what one stack holds go into nested key shard stacks, each under CloudFormation's 500 resources. */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildKeyturnApp } from '../../lib/app';
import type { KeyConfig } from '../../lib/config/schema';
import {
  KEY_RESOURCES,
  MAX_KEYS_IN_MAIN_STACK,
  MAX_STACK_RESOURCES,
  planShards,
  shardOf,
} from '../../lib/key-shards';
import { configWith, testApp } from '../helpers/synth';
import base from '../../bin/keyturn.config.json';

const keysNamed = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    ...base.keys[0],
    name: `key-${String(from + i).padStart(4, '0')}`,
  }));
const config = (keys: unknown[], pipeline: Record<string, unknown> = {}) =>
  configWith({ ...base, pipeline: { ...base.pipeline, ...pipeline }, keys });
const resourceCount = (t: Template) => Object.keys(t.toJSON().Resources as object).length;

test('up to the main stack budget, keys stay in the main stack (no nested stacks)', () => {
  const { stack } = buildKeyturnApp(config(keysNamed(MAX_KEYS_IN_MAIN_STACK)), testApp());
  const template = Template.fromStack(stack);
  expect(stack.keyShards).toHaveLength(0);
  template.resourceCountIs('AWS::CloudFormation::Stack', 0);
  template.resourceCountIs('AWS::SecretsManager::Secret', MAX_KEYS_IN_MAIN_STACK);
  expect(resourceCount(template)).toBeLessThan(MAX_STACK_RESOURCES);
});

test('60 keys shard by default: every key once, every stack under 500 resources, a warning to pin the count', () => {
  const { app, stack } = buildKeyturnApp(config(keysNamed(60)), testApp());
  app.synth();
  expect(stack.keyShards).toHaveLength(2);
  const main = Template.fromStack(stack);
  main.resourceCountIs('AWS::SecretsManager::Secret', 0);
  main.resourceCountIs('AWS::CloudFormation::Stack', 2);
  expect(resourceCount(main)).toBeLessThan(MAX_STACK_RESOURCES);
  const names: string[] = [];
  for (const shard of stack.keyShards) {
    const t = Template.fromStack(shard);
    expect(resourceCount(t)).toBeLessThan(MAX_STACK_RESOURCES);
    for (const s of Object.values(t.findResources('AWS::SecretsManager::Secret')))
      names.push((s.Properties as { Name: string }).Name);
    // Each shard's schedules call the pipeline's rotate function, passed in as a parameter.
    for (const r of Object.values(t.findResources('AWS::SecretsManager::RotationSchedule'))) {
      expect((r.Properties as { RotationLambdaARN: unknown }).RotationLambdaARN).toEqual({
        Ref: expect.stringMatching(/RotateFunction.*Arn$/),
      });
    }
  }
  expect(names.sort()).toEqual(
    keysNamed(60)
      .map((k) => `keyturn/prod/${k.name}`)
      .sort(),
  );
  // The shards wait for the rotate function and its invoke permission: the first rotation runs on create.
  for (const r of Object.values(main.findResources('AWS::CloudFormation::Stack'))) {
    expect(r.DependsOn).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PipelineRotateFunction[0-9A-F]{8}$/),
        expect.stringMatching(/^PipelineRotateFunctionSecretsManagerInvoke/),
      ]),
    );
  }
  Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('pin pipeline.keyShards to 2'));
});

test('a pinned shard count is used as given, and a key never moves when other keys come or go', () => {
  const { stack } = buildKeyturnApp(config(keysNamed(12), { keyShards: 3 }), testApp());
  expect(stack.keyShards).toHaveLength(3);
  expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('keyShards'))).toHaveLength(0);
  const before = planShards(config(keysNamed(50)).keys, 4);
  const after = planShards(config([...keysNamed(20), ...keysNamed(60, 100)]).keys, 4);
  const shardIndexOf = (plan: ReturnType<typeof planShards>, name: string) =>
    plan.shards.findIndex((s) => s.some((k) => k.name === name));
  for (const key of keysNamed(20)) expect(shardIndexOf(after, key.name)).toBe(shardIndexOf(before, key.name));
});

test('1,000 keys fit: the default plan keeps every shard under the limit with room to spare', () => {
  const keys = config(keysNamed(1000)).keys;
  const plan = planShards(keys);
  expect(plan.shards.flat()).toHaveLength(1000);
  const largest = Math.max(...plan.shards.map((s) => s.length));
  expect(largest * KEY_RESOURCES).toBeLessThan(MAX_STACK_RESOURCES - 20);
  expect(plan.shards.every((s, i) => s.every((k: KeyConfig) => shardOf(k, plan.shardCount) === i))).toBe(
    true,
  );
});

test('too few pinned shards fail at synth with the fix', () => {
  const n = 300; // past 500 resources in one stack at KEY_RESOURCES per key
  expect(() => planShards(config(keysNamed(n)).keys, 1)).toThrow(
    new RegExp(
      `key shard 0 would hold ${n} keys \\(${n * KEY_RESOURCES} resources.*raise pipeline\\.keyShards \\(now 1\\) to at least ${Math.ceil(n / 30)}`,
    ),
  );
  expect(() => config(keysNamed(2), { keyShards: -1 })).toThrow();
});
