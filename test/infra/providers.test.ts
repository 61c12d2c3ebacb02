/**
 * Provider configuration and grants: bad provider settings fail synth naming key and field; each provider's
 * grants are scoped to the configured resources; HTTP profiles reach the rotate function, size-checked.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Stack } from 'aws-cdk-lib';
import { ConfigurationError, parseConfig } from '../../lib/config/load';
import { loadPresets } from '../../lib/config/http-api';
import { keyTags } from '../../lib/key-tags';
import { grantProviderAccess, provideProviderEnvironment } from '../../lib/providers';
import { MAX_HTTP_PROFILES_ENV_BYTES, PROVIDER_ENV } from '../../lambdas/core/constants';
import { parseProfiles } from '../../lambdas/providers/http/profile';
import * as iam from 'aws-cdk-lib/aws-iam';
import { synthExample, testApp } from '../helpers/synth';

const USER_ARN = 'arn:aws:iam::111122223333:user/ci/deployer';
const ADMIN_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin';
const base = {
  environment: 'prod',
  tier: 'high',
  owner: 'platform@example.com',
  backupOwner: 'oncall@example.com',
  scopes: ['keys:rotate'],
  linkedSystems: ['ci'],
  runbookUrl: 'https://runbooks.example.com/keys',
};
const myApi = {
  baseUrl: 'https://keys.example.com/api',
  create: {
    method: 'POST',
    path: '/keys',
    headers: { Authorization: 'Bearer {{admin}}' },
    keyPath: '$.key',
    idPath: '$.id',
    idempotencyHeader: 'Idempotency-Key',
  },
  verify: { method: 'GET', path: '/me', headers: { 'X-Api-Key': '{{key}}' } },
  revoke: { method: 'DELETE', path: '/keys/{{keyId}}', headers: { Authorization: 'Bearer {{admin}}' } },
};
function config(overrides: { keys?: unknown[]; httpApis?: unknown } = {}) {
  return {
    keys: overrides.keys ?? [
      { ...base, name: 'deployer', provider: { kind: 'iam-access-key', userArn: USER_ARN } },
      { ...base, name: 'partner', provider: { kind: 'api-gateway-key', usagePlanIds: ['abc123', 'def456'] } },
      {
        ...base,
        name: 'mail',
        provider: { kind: 'http-admin-api', profile: 'sendgrid', adminSecretArn: ADMIN_ARN },
      },
      {
        ...base,
        name: 'custom',
        provider: { kind: 'http-admin-api', profile: 'my-api', adminSecretArn: `${ADMIN_ARN}-AbCdEf` },
      },
    ],
    httpApis: overrides.httpApis ?? { 'my-api': myApi },
  };
}
function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}
const httpKey = (profile: string) => ({
  ...base,
  name: 'svc',
  provider: { kind: 'http-admin-api', profile, adminSecretArn: ADMIN_ARN },
});

describe('bad provider configuration fails with the key and field named', () => {
  test('unknown provider kind', () => {
    expect(
      problemsOf(config({ keys: [{ ...base, name: 'svc', provider: { kind: 'github-app' } }] })),
    ).toEqual([
      expect.stringMatching(
        /^keys\[0\] \("svc"\)\.provider\.kind: unknown provider kind: use one of .*"iam-access-key"/,
      ),
    ]);
  });
  test('missing URL (baseUrl) of a profile', () => {
    const noUrl: Partial<typeof myApi> = { ...myApi };
    delete noUrl.baseUrl;
    expect(problemsOf(config({ keys: [httpKey('my-api')], httpApis: { 'my-api': noUrl } }))).toEqual([
      expect.stringMatching(
        /^httpApis\.my-api\.baseUrl: baseUrl is required \(profile "my-api", used by key "svc"\)/,
      ),
    ]);
  });
  test('a JSON path that cannot match', () => {
    const bad = { ...myApi, create: { ...myApi.create, keyPath: 'key' } };
    expect(problemsOf(config({ keys: [httpKey('my-api')], httpApis: { 'my-api': bad } }))).toEqual([
      expect.stringMatching(
        /^httpApis\.my-api\.create\.keyPath: create\.keyPath must be a JSON path.*used by key "svc"/,
      ),
    ]);
    const wildcard = { ...myApi, create: { ...myApi.create, idPath: '$.items[*].id' } };
    expect(problemsOf(config({ keys: [httpKey('my-api')], httpApis: { 'my-api': wildcard } }))[0]).toMatch(
      /create\.idPath/,
    );
  });
  test('http:// base URL, unknown profile, the key sent to the create endpoint', () => {
    expect(
      problemsOf(
        config({
          keys: [httpKey('my-api')],
          httpApis: { 'my-api': { ...myApi, baseUrl: 'http://keys.example.com' } },
        }),
      )[0],
    ).toMatch(/baseUrl must be an https:\/\/ URL/);
    expect(problemsOf(config({ keys: [httpKey('nope')] }))).toEqual([
      expect.stringMatching(
        /^keys\[0\] \("svc"\)\.provider\.profile: unknown HTTP API profile "nope".*sendgrid/,
      ),
    ]);
    const leaky = { ...myApi, create: { ...myApi.create, body: { key: '{{key}}' } } };
    expect(problemsOf(config({ keys: [httpKey('my-api')], httpApis: { 'my-api': leaky } }))[0]).toMatch(
      /httpApis\.my-api\.create: \{\{key\}\} may appear only/,
    );
  });
  test('IAM user and usage plan settings', () => {
    expect(
      problemsOf(
        config({
          keys: [
            {
              ...base,
              name: 'svc',
              provider: { kind: 'iam-access-key', userArn: 'arn:aws:iam::111122223333:role/x' },
            },
          ],
        }),
      )[0],
    ).toMatch(/^keys\[0\] \("svc"\)\.provider\.userArn: userArn must be an IAM user ARN/);
    expect(
      problemsOf(config({ keys: [{ ...base, name: 'svc', provider: { kind: 'iam-access-key' } }] }))[0],
    ).toMatch(/provider\.userArn: userArn is required/);
    expect(
      problemsOf(
        config({ keys: [{ ...base, name: 'svc', provider: { kind: 'api-gateway-key', usagePlanIds: [] } }] }),
      )[0],
    ).toMatch(/provider\.usagePlanIds: usagePlanIds must name at least one/);
  });
  test('a valid configuration passes and resolves presets and named profiles', () => {
    const parsed = parseConfig(config());
    const mail = parsed.keys[2].provider;
    expect(mail.kind === 'http-admin-api' && mail.definition?.baseUrl).toBe('https://api.sendgrid.com');
    const custom = parsed.keys[3].provider;
    expect(custom.kind === 'http-admin-api' && custom.definition?.baseUrl).toBe(
      'https://keys.example.com/api',
    );
  });
});

describe('synthesized grants and environment', () => {
  const { template, stack } = synthExample(
    parseConfig(
      config({ keys: [...config().keys, { ...base, name: 'plain', provider: { kind: 'self-issued' } }] }),
    ),
  );
  // The rotate role's policies: the retire role gets revoke-only grants (checked in test/security).
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('PipelineRotateRole'))
    .flatMap(
      (p) =>
        p.Properties.PolicyDocument.Statement as Array<{
          Action: string | string[];
          Resource: unknown;
          Condition?: unknown;
        }>,
    );
  const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const withAction = (prefix: string) =>
    statements.filter((s) => actions(s).some((a) => a.startsWith(prefix)));

  test('IAM: access-key actions on the configured user only; TagUser limited to the pending marker', () => {
    // iam:PassRole is the retirement scheduler's role only (asserted in test/infra/retirement.test.ts).
    const iamStatements = withAction('iam:').filter((st) => !actions(st).includes('iam:PassRole'));
    expect(
      withAction('iam:PassRole').every((st) => JSON.stringify(st.Resource).includes('SchedulerRole')),
    ).toBe(true);
    expect(iamStatements.length).toBeGreaterThan(0);
    for (const s of iamStatements) expect(s.Resource).toBe(USER_ARN);
    expect(iamStatements.flatMap(actions).sort()).toEqual(
      [
        'iam:CreateAccessKey',
        'iam:DeleteAccessKey',
        'iam:ListAccessKeys',
        'iam:ListUserTags',
        'iam:TagUser',
        'iam:UntagUser',
        'iam:UpdateAccessKey',
      ].sort(),
    );
    const tagUser = iamStatements.find((s) => actions(s).includes('iam:TagUser'))!;
    expect(tagUser.Condition).toEqual({
      'ForAllValues:StringLike': { 'aws:TagKeys': ['keyturn:pending:*'] },
    });
  });

  test('API Gateway: managed-tag conditions on keys, only the configured usage plans', () => {
    const text = JSON.stringify(withAction('apigateway:'));
    expect(text).toContain('aws:ResourceTag/keyturn:managed');
    expect(text).toContain('aws:RequestTag/keyturn:managed');
    expect(text).toContain('/usageplans/abc123/keys');
    expect(text).toContain('/usageplans/def456/keys/*');
    expect(text).not.toMatch(/usageplans\/\*/);
  });

  test('HTTP: GetSecretValue only on the configured admin secrets', () => {
    const reads = statements.filter(
      (s) =>
        actions(s).includes('secretsmanager:GetSecretValue') &&
        !JSON.stringify(s.Resource).includes('keyturn/'),
    );
    expect(reads.map((s) => s.Resource).sort()).toEqual(
      [`${ADMIN_ARN}-??????`, `${ADMIN_ARN}-AbCdEf`].sort(),
    );
  });

  test('the rotate function receives both profiles as one JSON variable, which the runtime accepts; no credential', () => {
    const fnId = stack.getLogicalId(
      stack.pipeline.rotateFunction.function.node.defaultChild as lambda.CfnFunction,
    );
    const env =
      template.toJSON().Resources[fnId].Properties.Environment.Variables[PROVIDER_ENV.httpApiProfiles];
    expect(typeof env).toBe('string');
    const outcome = parseProfiles(env as string);
    expect(outcome.ok && [...outcome.profiles.keys()].sort()).toEqual(['my-api', 'sendgrid']);
    const tpl = JSON.stringify(template.toJSON());
    expect(tpl).not.toContain('adm_');
  });

  test('secret tags carry each provider setting', () => {
    const parsed = parseConfig(config());
    expect(keyTags(parsed.keys[0])['keyturn:provider:user-arn']).toBe(USER_ARN);
    expect(keyTags(parsed.keys[1])['keyturn:provider:usage-plan-ids']).toBe('abc123 def456');
    expect(keyTags(parsed.keys[2])).toMatchObject({
      'keyturn:provider:profile': 'sendgrid',
      'keyturn:provider:admin-secret-arn': ADMIN_ARN,
    });
  });
});

test('revoke grants are narrower than rotate grants', () => {
  const stack = new Stack(testApp(), 'Grants');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const parsed = parseConfig(config());
  for (const key of parsed.keys) grantProviderAccess(role, key, 'revoke', role);
  const text = JSON.stringify(Template.fromStack(stack).toJSON());
  expect(text).not.toContain('iam:CreateAccessKey');
  expect(text).not.toContain('iam:TagUser');
  expect(text).toContain('iam:UpdateAccessKey');
  expect(text).not.toContain('apigateway:POST');
  expect(text).toContain('secretsmanager:GetSecretValue');
});

test('profiles over the environment budget fail synth naming the key; under it they pass', () => {
  const stack = new Stack(testApp(), 'Env');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'x',
    code: lambda.Code.fromInline('x'),
  });
  const preset = loadPresets().sendgrid as typeof myApi;
  const big = (i: number) => ({
    ...preset,
    create: {
      ...preset.create,
      headers: { Authorization: 'Bearer {{admin}}', 'X-Pad': 'p'.repeat(400 + i) },
    },
  });
  const keys = Array.from({ length: 6 }, (_, i) => httpKey(`api-${i}`)).map((k, i) => ({
    ...k,
    name: `svc-${i}`,
  }));
  const parsed = parseConfig({
    keys,
    httpApis: Object.fromEntries(keys.map((_, i) => [`api-${i}`, big(i)])),
  });
  provideProviderEnvironment(fn, parsed.keys[0]);
  expect(() => parsed.keys.slice(1).forEach((k) => provideProviderEnvironment(fn, k))).toThrow(
    new RegExp(`key "svc-\\d": provider.profile "api-\\d" brings .* over ${MAX_HTTP_PROFILES_ENV_BYTES}`),
  );
});
