/**
 * The deployed registry in the synthesized template: one entry per key written by CloudFormation (full ARN, KMS key,
 * policy from the configuration), the first rotation waiting for it, and a table that only the writer may write:
 * its resource policy is evaluated with IAM's logic against the writer, keyturn's own roles and an administrator.
 */
import { REGISTRY_ENV, REGISTRY_RESOURCE_TYPE } from '../../lambdas/core/constants';
import { parseRegistryEntry } from '../../lambdas/core/registry';
import { registryPolicyFor } from '../../lib/key-registry';
import { exampleConfig, synthExample } from '../helpers/synth';
import { evaluate, rolesOf, TemplateResolver, type PolicyDocument } from '../helpers/template-iam';

const config = exampleConfig();
const { template } = synthExample(config);
const json = template.toJSON() as never;
const resolver = new TemplateResolver(json);
const roles = rolesOf(resolver);
const registrations = resolver.ofType(REGISTRY_RESOURCE_TYPE);
const [tableId, table] = resolver.ofType('AWS::DynamoDB::Table').find(([id]) => /Registry/.test(id))!;
const tableArn = resolver.arnOf(tableId, table);
const tablePolicy = resolver.resolve(
  (table.Properties!.ResourcePolicy as { PolicyDocument: never }).PolicyDocument,
) as PolicyDocument;
const writerRole = roles.find((r) => /RegistryWriter/.test(r.logicalId))!;
const ADMIN = {
  name: 'admin',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
} as never;

test('rule: every configured key has one registration carrying its full secret ARN, the KMS key and its policy', () => {
  expect(registrations).toHaveLength(config.keys.length);
  const [kmsKeyId] = resolver.ofType('AWS::KMS::Key')[0];
  for (const key of config.keys) {
    const secretName = `keyturn/${key.environment}/${key.name}`;
    const [, registration] = registrations.find(([, r]) => r.Properties!.SecretName === secretName)!;
    const [secretId] = resolver
      .ofType('AWS::SecretsManager::Secret')
      .find(([, s]) => s.Properties!.Name === secretName)!;
    // Ref of the secret: CloudFormation resolves it to the full ARN, random suffix included.
    expect(registration.Properties!.SecretArn).toEqual({ Ref: secretId });
    expect(registration.Properties!.KmsKeyArn).toEqual({ 'Fn::GetAtt': [kmsKeyId, 'Arn'] });
    expect(JSON.parse(registration.Properties!.Policy as string)).toEqual(registryPolicyFor(key));
  }
});

test('rule: the entry a registration writes parses as a registry entry (what the functions read back)', () => {
  for (const [, registration] of registrations) {
    const p = registration.Properties as Record<string, never>;
    const entry = parseRegistryEntry(p.SecretName, {
      secretName: p.SecretName,
      secretArn: resolver.str(p.SecretArn),
      kmsKeyArn: resolver.str(p.KmsKeyArn),
      policy: JSON.parse(p.Policy),
    });
    expect(entry.policy.providerSettings).toBeDefined();
  }
});

test('rule: each rotation schedule waits for its key registration (the first rotation runs on creation)', () => {
  for (const [id, schedule] of resolver.ofType('AWS::SecretsManager::RotationSchedule')) {
    const registration = registrations.find(
      ([, r]) => JSON.stringify(r.Properties!.SecretArn) === JSON.stringify(schedule.Properties!.SecretId),
    );
    expect([id, registration && (schedule as { DependsOn?: string[] }).DependsOn]).toEqual([
      id,
      expect.arrayContaining([registration![0]]),
    ]);
  }
});

test('rule: the writer role may write registry items; the table policy does not deny it', async () => {
  for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem']) {
    expect(
      await evaluate(writerRole.arn, writerRole.identityPolicies, {
        action,
        resource: tableArn,
        resourcePolicy: tablePolicy,
        context: { 'aws:PrincipalArn': writerRole.arn },
      }),
    ).toBe('Allowed');
  }
});

test.each(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'])(
  'attack: %s on the registry by any other principal, even one whose own policy allows everything, is explicitly denied',
  async (action) => {
    const others = roles.filter((r) => r !== writerRole);
    expect(others.length).toBeGreaterThan(3);
    for (const role of others) {
      for (const policies of [role.identityPolicies, [ADMIN]]) {
        expect(
          await evaluate(role.arn, policies, {
            action,
            resource: tableArn,
            resourcePolicy: tablePolicy,
            context: { 'aws:PrincipalArn': role.arn },
          }),
        ).toBe('ExplicitlyDenied');
      }
    }
    const admin = 'arn:aws:iam::111122223333:role/Administrator';
    expect(
      await evaluate(admin, [ADMIN], {
        action,
        resource: tableArn,
        resourcePolicy: tablePolicy,
        context: { 'aws:PrincipalArn': admin },
      }),
    ).toBe('ExplicitlyDenied');
  },
);

test('rule: rotate, retire, leak and audit read the registry (table in their environment), and only read it', async () => {
  const functions = resolver.ofType('AWS::Lambda::Function');
  for (const kind of ['rotate', 'retire', 'leak', 'audit']) {
    const role = roles.find((r) => r.kind === kind && r.users.length > 0)!;
    expect(role).toBeDefined();
    const [, fn] = functions.find(([id]) => role.users.includes(id))!;
    const env = (fn.Properties!.Environment as { Variables: Record<string, never> }).Variables;
    expect(env[REGISTRY_ENV.table]).toEqual({ Ref: tableId });
    const decide = (action: string) =>
      evaluate(role.arn, role.identityPolicies, {
        action,
        resource: tableArn,
        resourcePolicy: tablePolicy,
        context: { 'aws:PrincipalArn': role.arn },
      });
    expect(await decide('dynamodb:GetItem')).toBe('Allowed');
    expect(await decide('dynamodb:PutItem')).not.toBe('Allowed');
  }
});
