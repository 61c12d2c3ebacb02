/**
 * Least privilege, proven on the synthesized template: every role's policies are resolved to concrete ARNs and
 * evaluated with @cloud-copilot/iam-simulate (IAM's own evaluation logic: identity + resource policies, conditions,
 * explicit denies). The suite iterates over the roles the template holds, so functions that other parts add
 * (retire, leak, notify, audit) are checked by the rules of their kind as soon as they exist.
 */
import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { configWith, EXAMPLE_CONFIG, synthExample } from '../helpers/synth';
import {
  evaluate,
  rolesOf,
  TemplateResolver,
  TEST_ENV,
  type Check,
  type PolicyDocument,
  type RoleView,
} from '../helpers/template-iam';

/** The example keys plus one key of every other provider kind, so every provider grant is evaluated. */
const USER_ARN = 'arn:aws:iam::111122223333:user/ci/deployer';
const ADMIN_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin-AbCdEf';
const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { keys: Array<Record<string, unknown>> };
const base = { ...example.keys[0] };
const fullConfig = configWith({
  ...example,
  keys: [
    ...example.keys,
    { ...base, name: 'deployer', provider: { kind: 'iam-access-key', userArn: USER_ARN } },
    { ...base, name: 'partner', provider: { kind: 'api-gateway-key', usagePlanIds: ['abc123'] } },
    {
      ...base,
      name: 'mail',
      provider: { kind: 'http-admin-api', profile: 'sendgrid', adminSecretArn: ADMIN_SECRET },
    },
  ],
});
const { template } = synthExample(fullConfig);
const resolver = new TemplateResolver(template.toJSON() as never);
const roles = rolesOf(resolver);
const { account, region, partition } = TEST_ENV;

const MANAGED_TAG = { 'aws:ResourceTag/keyturn:managed': 'true' };
const managedSecret = `arn:${partition}:secretsmanager:${region}:${account}:secret:keyturn/prod/billing-api-AbCdEf`;
const untaggedKeyturnSecret = `arn:${partition}:secretsmanager:${region}:${account}:secret:keyturn/prod/hand-made-AbCdEf`;
const unmanagedSecret = `arn:${partition}:secretsmanager:${region}:${account}:secret:prod/payments-db-AbCdEf`;
const foreignAccountSecret = `arn:${partition}:secretsmanager:${region}:999988887777:secret:keyturn/prod/billing-api-AbCdEf`;
const foreignKey = `arn:${partition}:kms:${region}:${account}:key/11111111-2222-3333-4444-555555555555`;
const foreignTopic = `arn:${partition}:sns:${region}:${account}:someone-elses-topic`;
const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` };

const [keyturnKeyId, keyturnKeyResource] = resolver.ofType('AWS::KMS::Key')[0];
const keyturnKey = resolver.arnOf(keyturnKeyId);
const keyPolicy = resolver.resolve(keyturnKeyResource.Properties!.KeyPolicy) as PolicyDocument;
const topics = resolver.ofType('AWS::SNS::Topic').map(([id]) => resolver.arnOf(id));

const decide = (role: RoleView, check: Check) => evaluate(role.arn, role.identityPolicies, check);
/** KMS requests are decided by the key policy together with the identity policy. */
const onKey = (check: Omit<Check, 'resourcePolicy'>): Check => ({
  ...check,
  resourcePolicy: check.resource === keyturnKey ? keyPolicy : undefined,
});

const rolesOfKind = (kind: string) => roles.filter((r) => r.kind.split('+').includes(kind));
/** One describe block per role; roles that do not exist (yet) produce no block rather than an empty one. */
function forEachRole(list: RoleView[], rules: (role: RoleView) => void): void {
  for (const role of list) describe(`${role.kind} role ${role.logicalId}`, () => rules(role));
}

test('the template holds the roles the checks are about (the rotate role at least)', () => {
  expect(rolesOfKind('rotate')).toHaveLength(1);
  expect(roles.every((r) => r.users.length > 0 || r.kind === 'other' || r.kind === 'scheduler')).toBe(true);
});

forEachRole(roles, (role) => {
  const SERVICE_PRINCIPALS = new Set([
    'lambda.amazonaws.com',
    'scheduler.amazonaws.com',
    'states.amazonaws.com',
    'events.amazonaws.com',
    'cloudtrail.amazonaws.com',
  ]);
  /** Context that satisfies a trust statement's confused-deputy conditions (aws:SourceAccount / aws:SourceArn). */
  const sourceContext = (): Record<string, string> => {
    const context: Record<string, string> = {};
    for (const statement of role.trustPolicy.Statement) {
      const conditions =
        (statement as { Condition?: Record<string, Record<string, unknown>> }).Condition ?? {};
      for (const values of Object.values(conditions)) {
        for (const [key, value] of Object.entries(values)) {
          context[key] = String(Array.isArray(value) ? value[0] : value).replace(/\*/g, 'x');
        }
      }
    }
    return context;
  };

  test('rule: only its AWS service can assume it (not another account, not this account, not another role)', async () => {
    const trusted = role.trustPolicy.Statement.filter((s) => s.Effect === 'Allow').map(
      (s) => s.Principal as Record<string, unknown>,
    );
    expect(trusted.length).toBeGreaterThan(0);
    for (const principal of trusted) {
      expect(Object.keys(principal)).toEqual(['Service']);
      expect(SERVICE_PRINCIPALS.has(principal.Service as string)).toBe(true);
    }
    const context = sourceContext();
    const assume = (principal: string) =>
      evaluate(principal, [], {
        action: 'sts:AssumeRole',
        resource: role.arn,
        resourcePolicy: role.trustPolicy,
        context,
      });
    expect(await assume(trusted[0].Service as string)).toBe('Allowed');
    if (Object.keys(context).length) {
      // The confused-deputy condition is live: the service acting for another account is refused.
      const foreign = Object.fromEntries(
        Object.entries(context).map(([k, v]) => [k, v.replace(account, '999988887777')]),
      );
      const decision = await evaluate(trusted[0].Service as string, [], {
        action: 'sts:AssumeRole',
        resource: role.arn,
        resourcePolicy: role.trustPolicy,
        context: foreign,
      });
      expect(decision).not.toBe('Allowed');
    }
    expect(await assume('arn:aws:iam::999988887777:root')).not.toBe('Allowed');
    expect(await assume(`arn:aws:iam::${account}:root`)).not.toBe('Allowed');
    expect(await assume(`arn:aws:iam::${account}:role/some-other-role`)).not.toBe('Allowed');
  });

  test('rule: no AWS managed policies, no "*" actions, and "*" resources only for actions that support nothing else', async () => {
    expect(role.managedPolicyArns).toEqual([]);
    for (const { policy } of role.identityPolicies) {
      for (const statement of policy.Statement.filter((s) => s.Effect === 'Allow')) {
        const actions = [statement.Action ?? []].flat();
        expect(statement.NotAction).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
        for (const action of actions) expect(action).not.toMatch(/^\*$|:\*$/);
        if ([statement.Resource].flat().includes('*')) {
          // Only actions with no resource-level permissions (per the Service Authorization Reference) may use "*".
          const scopable = [];
          for (const action of actions) {
            const [service, name] = action.split(':');
            if (!(await isWildcardOnlyAction(service, name))) scopable.push(action);
          }
          expect(scopable).toEqual([]);
        }
      }
    }
  });

  test.each([
    'DeleteSecret',
    'PutResourcePolicy',
    'DeleteResourcePolicy',
    'UpdateSecret',
    'TagResource',
    'UntagResource',
    'CancelRotateSecret',
  ])('rule: cannot secretsmanager:%s on a managed secret', async (action) => {
    expect(
      await decide(role, {
        action: `secretsmanager:${action}`,
        resource: managedSecret,
        context: MANAGED_TAG,
      }),
    ).not.toBe('Allowed');
  });

  test('rule: cannot read an unmanaged secret, an untagged keyturn/ secret, or one in another account', async () => {
    for (const resource of [unmanagedSecret, untaggedKeyturnSecret]) {
      expect(await decide(role, { action: 'secretsmanager:GetSecretValue', resource, context: {} })).not.toBe(
        'Allowed',
      );
    }
    // The tag alone is not enough: the name must be under keyturn/ too.
    expect(
      await decide(role, {
        action: 'secretsmanager:GetSecretValue',
        resource: unmanagedSecret,
        context: MANAGED_TAG,
      }),
    ).not.toBe('Allowed');
    expect(
      await decide(role, {
        action: 'secretsmanager:GetSecretValue',
        resource: foreignAccountSecret,
        context: MANAGED_TAG,
      }),
    ).not.toBe('Allowed');
  });

  test("rule: cannot use any KMS key but keyturn's", async () => {
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt']) {
      expect(await decide(role, { action, resource: foreignKey, context: viaSecretsManager })).not.toBe(
        'Allowed',
      );
    }
  });
});

forEachRole(rolesOfKind('rotate'), (role) => {
  test.each(['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'])(
    'rule: may secretsmanager:%s on managed secrets (keyturn/ name and keyturn:managed tag)',
    async (action) => {
      expect(
        await decide(role, {
          action: `secretsmanager:${action}`,
          resource: managedSecret,
          context: MANAGED_TAG,
        }),
      ).toBe('Allowed');
      expect(
        await decide(role, {
          action: `secretsmanager:${action}`,
          resource: untaggedKeyturnSecret,
          context: {},
        }),
      ).not.toBe('Allowed');
    },
  );

  test.each(['CreateSecret', 'RotateSecret', 'RestoreSecret', 'ReplicateSecretToRegions'])(
    'rule: cannot secretsmanager:%s',
    async (action) => {
      expect(
        await decide(role, {
          action: `secretsmanager:${action}`,
          resource: managedSecret,
          context: MANAGED_TAG,
        }),
      ).not.toBe('Allowed');
    },
  );

  test('rule: manages IAM access keys only of the configured user, and cannot escalate privileges', async () => {
    const otherUser = `arn:${partition}:iam::${account}:user/admin`;
    expect(await decide(role, { action: 'iam:CreateAccessKey', resource: USER_ARN })).toBe('Allowed');
    for (const action of ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey']) {
      expect(await decide(role, { action, resource: otherUser })).not.toBe('Allowed');
    }
    for (const action of [
      'iam:AttachUserPolicy',
      'iam:PutUserPolicy',
      'iam:CreateLoginProfile',
      'iam:DeleteUser',
    ]) {
      expect(await decide(role, { action, resource: USER_ARN })).not.toBe('Allowed');
    }
    // It may mark a key pending on the user, and change no other tag (tags can drive ABAC elsewhere).
    expect(
      await decide(role, {
        action: 'iam:TagUser',
        resource: USER_ARN,
        context: { 'aws:TagKeys': ['keyturn:pending:abc'] },
      }),
    ).toBe('Allowed');
    expect(
      await decide(role, { action: 'iam:TagUser', resource: USER_ARN, context: { 'aws:TagKeys': ['team'] } }),
    ).not.toBe('Allowed');
    for (const action of ['iam:PassRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy']) {
      expect(await decide(role, { action, resource: role.arn })).not.toBe('Allowed');
    }
  });

  test('rule: touches only API Gateway keys keyturn created (tagged keyturn:managed)', async () => {
    const someKey = `arn:${partition}:apigateway:${region}::/apikeys/abcdef1234`;
    expect(await decide(role, { action: 'apigateway:DELETE', resource: someKey, context: MANAGED_TAG })).toBe(
      'Allowed',
    );
    expect(await decide(role, { action: 'apigateway:DELETE', resource: someKey, context: {} })).not.toBe(
      'Allowed',
    );
    expect(await decide(role, { action: 'apigateway:PATCH', resource: someKey, context: {} })).not.toBe(
      'Allowed',
    );
    const apiKeys = `arn:${partition}:apigateway:${region}::/apikeys`;
    expect(
      await decide(role, {
        action: 'apigateway:POST',
        resource: apiKeys,
        context: { 'aws:RequestTag/keyturn:managed': 'true' },
      }),
    ).toBe('Allowed');
    expect(await decide(role, { action: 'apigateway:POST', resource: apiKeys, context: {} })).not.toBe(
      'Allowed',
    );
    const otherPlan = `arn:${partition}:apigateway:${region}::/usageplans/zzz999/keys`;
    expect(await decide(role, { action: 'apigateway:POST', resource: otherPlan })).not.toBe('Allowed');
  });

  test('rule: reads the HTTP admin credential it is configured with, and no other non-keyturn secret', async () => {
    expect(await decide(role, { action: 'secretsmanager:GetSecretValue', resource: ADMIN_SECRET })).toBe(
      'Allowed',
    );
    expect(await decide(role, { action: 'secretsmanager:PutSecretValue', resource: ADMIN_SECRET })).not.toBe(
      'Allowed',
    );
    const otherAdmin = `arn:${partition}:secretsmanager:${region}:${account}:secret:platform/datadog-admin-AbCdEf`;
    expect(await decide(role, { action: 'secretsmanager:GetSecretValue', resource: otherAdmin })).not.toBe(
      'Allowed',
    );
  });

  test('rule: uses the keyturn KMS key only through Secrets Manager', async () => {
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(await decide(role, onKey({ action, resource: keyturnKey, context: viaSecretsManager }))).toBe(
        'Allowed',
      );
      expect(
        await decide(
          role,
          onKey({
            action,
            resource: keyturnKey,
            context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
          }),
        ),
      ).not.toBe('Allowed');
      expect(await decide(role, onKey({ action, resource: keyturnKey, context: {} }))).not.toBe('Allowed');
    }
    for (const action of [
      'kms:ScheduleKeyDeletion',
      'kms:PutKeyPolicy',
      'kms:DisableKey',
      'kms:CreateGrant',
    ]) {
      expect(
        await decide(role, onKey({ action, resource: keyturnKey, context: viaSecretsManager })),
      ).not.toBe('Allowed');
    }
  });
});

forEachRole(rolesOfKind('retire'), (role) => {
  test('rule: can revoke only: it cannot write a secret value nor create a key at any provider', async () => {
    for (const action of [
      'secretsmanager:PutSecretValue',
      'secretsmanager:CreateSecret',
      'secretsmanager:RotateSecret',
    ]) {
      expect(await decide(role, { action, resource: managedSecret, context: MANAGED_TAG })).not.toBe(
        'Allowed',
      );
    }
    const anyUser = `arn:${partition}:iam::${account}:user/billing-service`;
    expect(await decide(role, { action: 'iam:CreateAccessKey', resource: anyUser })).not.toBe('Allowed');
    const apiKeys = `arn:${partition}:apigateway:${region}::/apikeys`;
    expect(
      await decide(role, {
        action: 'apigateway:POST',
        resource: apiKeys,
        context: { 'aws:RequestTag/keyturn:managed': 'true' },
      }),
    ).not.toBe('Allowed');
  });
});

forEachRole([...rolesOfKind('notify'), ...rolesOfKind('audit')], (role) => {
  test('rule: never reads key material (no GetSecretValue on any managed secret)', async () => {
    expect(
      await decide(role, {
        action: 'secretsmanager:GetSecretValue',
        resource: managedSecret,
        context: MANAGED_TAG,
      }),
    ).not.toBe('Allowed');
  });
});

forEachRole(rolesOfKind('notify'), (role) => {
  test('rule: publishes only to keyturn topics', async () => {
    for (const topic of topics)
      expect(await decide(role, { action: 'sns:Publish', resource: topic })).toBe('Allowed');
    expect(await decide(role, { action: 'sns:Publish', resource: foreignTopic })).not.toBe('Allowed');
  });
});

const leakRoles = (pattern: RegExp) => rolesOfKind('leak').filter((r) => pattern.test(r.logicalId));
const arnOfType = (type: string, pattern: RegExp) =>
  resolver.arnOf(resolver.ofType(type).find(([id]) => pattern.test(id))![0]);
const leakFunctionArn = arnOfType('AWS::Lambda::Function', /LeakFunction/);
const rotateFunctionArn = arnOfType('AWS::Lambda::Function', /RotateFunction/);
const stateMachineArn = resolver
  .ofType('AWS::StepFunctions::StateMachine')
  .map(([id]) => resolver.resolve({ Ref: id }) as string)[0];

forEachRole(leakRoles(/LeakRole/), (role) => {
  test('rule: rotates and marks only managed secrets, writing only the revoked-versions tag, never a value', async () => {
    for (const action of ['secretsmanager:RotateSecret', 'secretsmanager:GetSecretValue']) {
      expect(await decide(role, { action, resource: managedSecret, context: MANAGED_TAG })).toBe('Allowed');
      expect(await decide(role, { action, resource: unmanagedSecret })).not.toBe('Allowed');
    }
    const tagging = (keys: string[]) => ({
      action: 'secretsmanager:TagResource',
      resource: managedSecret,
      context: { ...MANAGED_TAG, 'aws:TagKeys': keys },
    });
    expect(await decide(role, tagging(['keyturn:revoked-versions']))).toBe('Allowed');
    // Untagging itself out of management, or re-labelling the owner, must stay impossible.
    for (const keys of [
      ['keyturn:managed'],
      ['keyturn:owner'],
      ['keyturn:revoked-versions', 'keyturn:leak-policy'],
    ]) {
      expect(await decide(role, tagging(keys))).not.toBe('Allowed');
    }
    for (const action of [
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
      'secretsmanager:DeleteSecret',
      'secretsmanager:UntagResource',
      'secretsmanager:PutResourcePolicy',
    ]) {
      expect(await decide(role, { action, resource: managedSecret, context: MANAGED_TAG })).not.toBe(
        'Allowed',
      );
    }
  });

  test('rule: invokes only the rotate function (for RotateSecret), and creates no key at any provider', async () => {
    expect(await decide(role, { action: 'lambda:InvokeFunction', resource: rotateFunctionArn })).toBe(
      'Allowed',
    );
    expect(
      await decide(role, {
        action: 'lambda:InvokeFunction',
        resource: `arn:${partition}:lambda:${region}:${account}:function:someone-else`,
      }),
    ).not.toBe('Allowed');
    expect(
      await decide(role, {
        action: 'iam:CreateAccessKey',
        resource: `arn:${partition}:iam::${account}:user/deploy-bot`,
      }),
    ).not.toBe('Allowed');
  });
});

forEachRole(leakRoles(/StateMachineRole/), (role) => {
  test('rule: the state machine invokes the leak function and nothing else', async () => {
    expect(await decide(role, { action: 'lambda:InvokeFunction', resource: leakFunctionArn })).toBe(
      'Allowed',
    );
    expect(await decide(role, { action: 'lambda:InvokeFunction', resource: rotateFunctionArn })).not.toBe(
      'Allowed',
    );
    expect(
      await decide(role, {
        action: 'secretsmanager:GetSecretValue',
        resource: managedSecret,
        context: MANAGED_TAG,
      }),
    ).not.toBe('Allowed');
  });
});

forEachRole(leakRoles(/StateMachineEventsRole/), (role) => {
  test('rule: the signal rules may only start the leak state machine', async () => {
    expect(await decide(role, { action: 'states:StartExecution', resource: stateMachineArn })).toBe(
      'Allowed',
    );
    expect(
      await decide(role, {
        action: 'states:StartExecution',
        resource: `arn:${partition}:states:${region}:${account}:stateMachine:other`,
      }),
    ).not.toBe('Allowed');
    expect(await decide(role, { action: 'lambda:InvokeFunction', resource: leakFunctionArn })).not.toBe(
      'Allowed',
    );
  });
});

test('rule: the leak response roles exist (the three checks above are not vacuous)', () => {
  expect([/LeakRole/, /StateMachineRole/, /StateMachineEventsRole/].map((p) => leakRoles(p).length)).toEqual([
    1, 1, 1,
  ]);
});

test('rule: the rotate function can be invoked only by Secrets Manager of this account for managed secrets', () => {
  const permissions = resolver
    .ofType('AWS::Lambda::Permission')
    .map(([, p]) => resolver.resolve(p.Properties) as Record<string, string>);
  expect(permissions.length).toBeGreaterThan(0);
  for (const permission of permissions) {
    // No permission without a confused-deputy guard: a source account and/or source ARN on every service grant.
    expect(permission.Principal).toMatch(/\.amazonaws\.com$/);
    expect(permission.SourceAccount ?? permission.SourceArn).toBeDefined();
  }
  const rotate = permissions.filter((p) => p.Principal === 'secretsmanager.amazonaws.com');
  expect(rotate).toHaveLength(1);
  expect(rotate[0]).toMatchObject({
    SourceAccount: account,
    SourceArn: `arn:${partition}:secretsmanager:${region}:${account}:secret:keyturn/*`,
  });
});
