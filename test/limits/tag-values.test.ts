/** Each tag value fits CloudFormation's 256 characters: joined lists are refused by key and field, any tag at synth. */
import { parseConfig } from '../../lib/config/load';
import { TagValueGuard } from '../../lib/limits/tag-values';
import { exampleConfigRaw } from './raw-example';
import { runGuard } from './helpers';

const secret = (value: string) => ({
  Resources: {
    KeySecret: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: { Tags: [{ Key: 'keyturn:scopes', Value: value }] },
    },
  },
});

test('a tag value of 257 characters is refused at synth, naming the resource and tag', () => {
  const report = runGuard(new TagValueGuard(), { 'Keyturn.template.json': secret('s'.repeat(257)) });
  expect(report.success).toBe(false);
  expect(report.violations[0]).toMatchObject({
    ruleName: 'KT-TagValue',
    description: expect.stringContaining(
      'KeySecret: tag keyturn:scopes has a value of 257 characters (at most 256)',
    ),
    fix: expect.stringContaining('space-joined'),
  });
});

test('a tag value of 256 characters passes (the guard does not fire)', () => {
  expect(runGuard(new TagValueGuard(), { 'Keyturn.template.json': secret('s'.repeat(256)) }).success).toBe(
    true,
  );
});

function withKey(patch: Record<string, unknown>) {
  const raw = exampleConfigRaw();
  Object.assign(raw.keys[0], patch);
  return raw;
}

/** `n` items of 63 characters: (n × 64 − 1) characters joined. */
const items = (n: number, length = 63) => Array.from({ length: n }, (_, i) => `${i}`.padEnd(length, 'x'));

test.each([
  [
    'scopes',
    { scopes: [...items(3), 'x'.repeat(65)] },
    /keys\[0\] \("billing-api"\)\.scopes: scopes joined with spaces is 257 characters/,
  ],
  [
    'linkedSystems',
    { linkedSystems: items(5) },
    /keys\[0\] \("billing-api"\)\.linkedSystems: linkedSystems joined with spaces is 319 characters/,
  ],
  [
    'usagePlanIds',
    { provider: { kind: 'api-gateway-key', usagePlanIds: items(10, 32).map((s) => s.replace(/x/g, 'a')) } },
    /keys\[0\] \("billing-api"\)\.provider\.usagePlanIds: usagePlanIds joined with spaces is 329 characters/,
  ],
])('the configuration refuses %s whose joined tag passes 256 characters', (_field, patch, message) => {
  expect(() => parseConfig(withKey(patch))).toThrow(message);
});

test('lists that join to exactly 256 characters are accepted', () => {
  expect(() => parseConfig(withKey({ scopes: [...items(3), 'x'.repeat(64)] }))).not.toThrow();
});
