/**
 * Who may read and write the issuance records (what createSecret recorded issuing; retirement and the leak response
 * revoke only those keys), evaluated on the synthesized template with the IAM evaluator: the functions that revoke
 * read the `issued#*` partitions of the ledger and no other ledger item; only the rotate role (createSecret) writes
 * them, so a function that revokes cannot forge the record it trusts.
 */
import { synthExample } from '../helpers/synth';
import { evaluate, rolesOf, TemplateResolver } from '../helpers/template-iam';

const { template } = synthExample();
const resolver = new TemplateResolver(template.toJSON() as never);
const roles = rolesOf(resolver);
const [ledgerId, ledger] = resolver.ofType('AWS::DynamoDB::Table').find(([id]) => /Ledger/.test(id))!;
const ledgerArn = resolver.arnOf(ledgerId, ledger);
const roleOf = (kind: string) => roles.find((r) => r.kind === kind && r.users.length > 0)!;

const query = (kind: string, leadingKey: string) =>
  evaluate(roleOf(kind).arn, roleOf(kind).identityPolicies, {
    action: 'dynamodb:Query',
    resource: ledgerArn,
    context: { 'dynamodb:LeadingKeys': [leadingKey] },
  });

test.each(['rotate', 'retire', 'leak'])(
  'rule: the %s role reads the issuance records of a secret (Query on issued#<name>)',
  async (kind) => {
    expect(await query(kind, 'issued#keyturn/prod/billing-api')).toBe('Allowed');
  },
);

test.each(['rotate', 'retire', 'leak'])(
  'rule: the %s role reads no other ledger item (a key history partition, the time index, GetItem)',
  async (kind) => {
    expect(await query(kind, 'prod#billing-api')).not.toBe('Allowed');
    const role = roleOf(kind);
    expect(
      await evaluate(role.arn, role.identityPolicies, {
        action: 'dynamodb:Query',
        resource: `${ledgerArn}/index/byTime`,
        context: { 'dynamodb:LeadingKeys': ['issued#keyturn/prod/billing-api'] },
      }),
    ).not.toBe('Allowed');
    expect(
      await evaluate(role.arn, role.identityPolicies, {
        action: 'dynamodb:GetItem',
        resource: ledgerArn,
        context: { 'dynamodb:LeadingKeys': ['prod#billing-api'] },
      }),
    ).not.toBe('Allowed');
  },
);

test('rule: the audit and notify roles cannot read the issuance records', async () => {
  for (const kind of ['audit', 'notify']) {
    const role = roleOf(kind);
    if (!role) continue;
    expect(await query(kind, 'issued#keyturn/prod/billing-api')).not.toBe('Allowed');
  }
  expect(roleOf('audit')).toBeDefined();
});

const put = (kind: string, leadingKey: string) =>
  evaluate(roleOf(kind).arn, roleOf(kind).identityPolicies, {
    action: 'dynamodb:PutItem',
    resource: ledgerArn,
    context: { 'dynamodb:LeadingKeys': [leadingKey] },
  });

test('rule: only the rotate role (createSecret) may write an issuance record', async () => {
  const writers: string[] = [];
  for (const role of roles) {
    const decision = await evaluate(role.arn, role.identityPolicies, {
      action: 'dynamodb:PutItem',
      resource: ledgerArn,
      context: { 'dynamodb:LeadingKeys': ['issued#keyturn/prod/billing-api'] },
    });
    if (decision === 'Allowed') writers.push(role.kind);
  }
  expect(writers).toEqual(['rotate']);
});

test.each(['retire', 'leak', 'audit'])(
  'attack: the %s role, which may append to the ledger, cannot forge the issuance record a revocation trusts',
  async (kind) => {
    expect(await put(kind, 'prod#billing-api')).toBe('Allowed');
    expect(await put(kind, 'issued#keyturn/prod/billing-api')).not.toBe('Allowed');
    expect(await put(kind, 'issued#')).not.toBe('Allowed');
  },
);

test('rule: the rotate role appends key history and records issuance, both PutItem on the ledger only', async () => {
  expect(await put('rotate', 'prod#billing-api')).toBe('Allowed');
  expect(await put('rotate', 'issued#keyturn/prod/billing-api')).toBe('Allowed');
  const role = roleOf('rotate');
  expect(
    await evaluate(role.arn, role.identityPolicies, {
      action: 'dynamodb:UpdateItem',
      resource: ledgerArn,
      context: { 'dynamodb:LeadingKeys': ['issued#keyturn/prod/billing-api'] },
    }),
  ).not.toBe('Allowed');
});
