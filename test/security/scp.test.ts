/**
 * The guard policy customers attach where developers hold broad Secrets Manager rights (docs/security.md,
 * docs/policies/keyturn-guard-scp.json), evaluated as an SCP with the IAM evaluator: a hostile colleague cannot plant
 * a keyturn-tagged secret, re-tag one, point a rotation at keyturn's function, or write a managed secret; keyturn's
 * roles, the deploy role and on-call still can; everything else the colleague does is untouched.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const SCP = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'docs', 'policies', 'keyturn-guard-scp.json'), 'utf8'),
);
const ACCOUNT = '111122223333';
const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/developer`;
const ROTATE_ROLE = `arn:aws:iam::${ACCOUNT}:role/Keyturn-PipelineRotateRole1A2B3C-XYZ`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-eu-west-1`;
const ONCALL = `arn:aws:iam::${ACCOUNT}:role/keyturn-oncall`;
const MANAGED = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:keyturn/prod/billing-api-AbCdEf`;
const OTHER = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:team/db-password-AbCdEf`;
const KEYTURN_FUNCTION = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:Keyturn-PipelineRotateFunction-XYZ`;

const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
) {
  const result = await runSimulation(
    {
      identityPolicies: [{ name: 'broad', policy: allowAll }],
      serviceControlPolicies: [
        {
          orgIdentifier: 'r-root',
          policies: [
            { name: 'FullAWSAccess', policy: allowAll },
            { name: 'keyturn-guard', policy: SCP },
          ],
        },
      ],
      resourceControlPolicies: [],
      request: {
        action,
        principal,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { 'aws:PrincipalArn': principal, ...context },
      },
    } as Parameters<typeof runSimulation>[0],
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const keyturnTags = { 'aws:TagKeys': ['keyturn:managed', 'keyturn:provider'] };
const managed = { 'aws:ResourceTag/keyturn:managed': 'true' };

describe('a hostile colleague with secretsmanager:* is denied', () => {
  test('creating a secret with keyturn tags (a planted secret)', async () => {
    expect(await decide(DEVELOPER, 'secretsmanager:CreateSecret', OTHER, keyturnTags)).toBe(
      'ExplicitlyDenied',
    );
  });
  test.each(['secretsmanager:TagResource', 'secretsmanager:UntagResource'])(
    '%s with a keyturn tag key, on any secret',
    async (action) => {
      expect(await decide(DEVELOPER, action, OTHER, { 'aws:TagKeys': ['team', 'keyturn:provider'] })).toBe(
        'ExplicitlyDenied',
      );
    },
  );
  test('pointing a rotation of their own secret at keyturn function', async () => {
    expect(
      await decide(DEVELOPER, 'secretsmanager:RotateSecret', OTHER, {
        'secretsmanager:RotationLambdaARN': KEYTURN_FUNCTION,
      }),
    ).toBe('ExplicitlyDenied');
  });
  test.each(['secretsmanager:PutSecretValue', 'secretsmanager:RotateSecret', 'secretsmanager:DeleteSecret'])(
    '%s on a managed secret',
    async (action) => {
      expect(await decide(DEVELOPER, action, MANAGED, managed)).toBe('ExplicitlyDenied');
    },
  );
});

describe('the guard does not get in the way', () => {
  test('the colleague still manages their own secrets and tags', async () => {
    expect(await decide(DEVELOPER, 'secretsmanager:CreateSecret', OTHER, { 'aws:TagKeys': ['team'] })).toBe(
      'Allowed',
    );
    expect(await decide(DEVELOPER, 'secretsmanager:PutSecretValue', OTHER)).toBe('Allowed');
    expect(
      await decide(DEVELOPER, 'secretsmanager:RotateSecret', OTHER, {
        'secretsmanager:RotationLambdaARN': `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:team-rotator`,
      }),
    ).toBe('Allowed');
  });
  test('the deploy role creates and tags managed secrets', async () => {
    expect(await decide(DEPLOY_ROLE, 'secretsmanager:CreateSecret', MANAGED, keyturnTags)).toBe('Allowed');
    expect(await decide(DEPLOY_ROLE, 'secretsmanager:TagResource', MANAGED, keyturnTags)).toBe('Allowed');
  });
  test('keyturn rotate role writes managed secrets; on-call rotates them (keyturn rotate)', async () => {
    expect(await decide(ROTATE_ROLE, 'secretsmanager:PutSecretValue', MANAGED, managed)).toBe('Allowed');
    expect(await decide(ONCALL, 'secretsmanager:RotateSecret', MANAGED, managed)).toBe('Allowed');
  });
});
