/**
 * The drift report's rules, through registeredTags, tagDifferences and driftFindings on plain inventory and
 * registry values: which tags a registered policy stands for, which differences count (overlap hours as a number,
 * only the secret's own tags, extra provider settings), how they are shown (bounded, quoted safely), which are
 * critical, and the three findings with their fields.
 */
import { TAGS } from '../../lambdas/core/constants';
import { driftFindings, registeredTags, tagDifferences } from '../../lambdas/core/audit/drift';
import type { ManagedSecret } from '../../lambdas/core/audit/inventory';
import type { KeyPolicy } from '../../lambdas/core/key-policy';
import type { RegistryEntry } from '../../lambdas/core/registry';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf';
const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => ({
  keyName: 'billing-api',
  provider: 'iam-access-key',
  environment: 'prod',
  tier: 'critical',
  overlapHours: 24,
  leakPolicy: 'revoke-first',
  owner: 'team-billing@example.com',
  runbook: 'https://wiki.example.com/billing-api',
  linkedSystems: ['billing', 'invoices'],
  providerSettings: { 'user-arn': 'arn:aws:iam::111122223333:user/ci/billing' },
  ...over,
});
const entry = (p: KeyPolicy = policy(), secretArn = ARN): RegistryEntry => ({
  secretName: `keyturn/${p.environment}/${p.keyName}`,
  secretArn,
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234',
  policy: p,
});
const TAGGED: Record<string, string> = {
  [TAGS.managed]: 'true',
  [TAGS.keyName]: 'billing-api',
  [TAGS.provider]: 'iam-access-key',
  [TAGS.environment]: 'prod',
  [TAGS.tier]: 'critical',
  [TAGS.overlapHours]: '24',
  [TAGS.leakPolicy]: 'revoke-first',
  [TAGS.owner]: 'team-billing@example.com',
  [TAGS.runbook]: 'https://wiki.example.com/billing-api',
  [TAGS.linkedSystems]: 'billing invoices',
  [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/ci/billing',
};
const secret = (tags: Record<string, string> = TAGGED, over: Partial<ManagedSecret> = {}): ManagedSecret => ({
  arn: ARN,
  name: 'keyturn/prod/billing-api',
  rotationEnabled: true,
  versions: {},
  tags,
  ...over,
});

describe('what a registered policy stands for', () => {
  test('rule: a policy stands for its name, provider, environment, tier, overlap, leak policy, owner, runbook, linked systems and provider settings', () => {
    const expected = { ...TAGGED };
    delete expected[TAGS.managed];
    expect(registeredTags(policy())).toEqual(expected);
  });

  test('rule: no linked systems, owner or runbook stand for no tag at all', () => {
    const tags = registeredTags(policy({ linkedSystems: [], owner: undefined, runbook: undefined }));
    expect([tags[TAGS.linkedSystems], tags[TAGS.owner], tags[TAGS.runbook]]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(
      tagDifferences(entry(policy({ linkedSystems: [] })), { ...TAGGED, [TAGS.linkedSystems]: '' }),
    ).toEqual([{ tag: TAGS.linkedSystems, registered: undefined, tagged: '' }]);
  });
});

describe('which differences count', () => {
  test('rule: the tags the deployment wrote give no difference, whatever else the secret carries', () => {
    expect(tagDifferences(entry(), { ...TAGGED, [TAGS.scopes]: 'read', 'team:cost-centre': '42' })).toEqual(
      [],
    );
    const bare = policy({ owner: undefined, runbook: undefined, linkedSystems: [], providerSettings: {} });
    const bareTags = Object.fromEntries(
      Object.entries(TAGGED).filter(
        ([k]) =>
          ![TAGS.owner, TAGS.runbook, TAGS.linkedSystems].includes(k as never) &&
          !k.startsWith(TAGS.providerSetting),
      ),
    );
    expect(tagDifferences(entry(bare), bareTags)).toEqual([]);
  });

  test('rule: overlap hours compare as numbers; a missing or non-numeric tag differs', () => {
    const diff = (value: string | undefined) => {
      const tags: Record<string, string> = { ...TAGGED };
      if (value === undefined) delete tags[TAGS.overlapHours];
      else tags[TAGS.overlapHours] = value;
      return tagDifferences(entry(), tags);
    };
    expect(diff('24.0')).toEqual([]);
    expect(diff('2.4e1')).toEqual([]);
    expect(diff('25')).toEqual([{ tag: TAGS.overlapHours, registered: '24', tagged: '25' }]);
    expect(diff('twenty-four')).toEqual([
      { tag: TAGS.overlapHours, registered: '24', tagged: 'twenty-four' },
    ]);
    expect(diff(undefined)).toEqual([{ tag: TAGS.overlapHours, registered: '24', tagged: undefined }]);
    // A policy of 0 hours and no tag: not the same either (Number(undefined) is NaN, not 0).
    const zero: Record<string, string> = { ...TAGGED, [TAGS.overlapHours]: '0' };
    expect(tagDifferences(entry(policy({ overlapHours: 0 })), zero)).toEqual([]);
    delete zero[TAGS.overlapHours];
    expect(tagDifferences(entry(policy({ overlapHours: 0 })), zero)).toHaveLength(1);
  });

  test('rule: every other policy tag compares as text, in the order of the policy, a removed one as undefined', () => {
    const tags: Record<string, string> = {
      ...TAGGED,
      [TAGS.keyName]: 'other-api',
      [TAGS.leakPolicy]: 'rotate-then-revoke',
      [TAGS.linkedSystems]: 'invoices billing',
    };
    delete tags[TAGS.runbook];
    expect(tagDifferences(entry(), tags)).toEqual([
      { tag: TAGS.keyName, registered: 'billing-api', tagged: 'other-api' },
      { tag: TAGS.leakPolicy, registered: 'revoke-first', tagged: 'rotate-then-revoke' },
      { tag: TAGS.runbook, registered: 'https://wiki.example.com/billing-api', tagged: undefined },
      { tag: TAGS.linkedSystems, registered: 'billing invoices', tagged: 'invoices billing' },
    ]);
  });

  test('rule: a provider setting the registry lacks differs; one it has but the secret lost differs too', () => {
    const extra = { ...TAGGED, [`${TAGS.providerSetting}region`]: 'us-east-1' };
    expect(tagDifferences(entry(), extra)).toEqual([
      { tag: `${TAGS.providerSetting}region`, registered: undefined, tagged: 'us-east-1' },
    ]);
    const lost: Record<string, string> = { ...TAGGED };
    delete lost[`${TAGS.providerSetting}user-arn`];
    expect(tagDifferences(entry(), lost)).toEqual([
      {
        tag: `${TAGS.providerSetting}user-arn`,
        registered: 'arn:aws:iam::111122223333:user/ci/billing',
        tagged: undefined,
      },
    ]);
  });

  test("rule: only the secret's own tags count, never inherited properties", () => {
    const inherited = Object.assign(
      Object.create({ [TAGS.owner]: 'team-billing@example.com' }),
      TAGGED,
    ) as Record<string, string>;
    delete inherited[TAGS.owner];
    expect(tagDifferences(entry(), inherited)).toEqual([
      { tag: TAGS.owner, registered: 'team-billing@example.com', tagged: undefined },
    ]);
  });
});

describe('the findings', () => {
  test('rule: a listed secret no deployment registered is a critical finding, labelled from its tags safely', () => {
    const planted = secret(
      { [TAGS.keyName]: 'evil\napi', [TAGS.environment]: 'prod' },
      { arn: `${ARN}-planted`, name: 'keyturn/prod/evil' },
    );
    const [finding, ...rest] = driftFindings([planted], []);
    expect(rest).toEqual([]);
    expect(finding).toEqual({
      rule: 'unregistered-secret',
      severity: 'critical',
      keyName: 'evil?api',
      environment: 'prod',
      secretName: 'keyturn/prod/evil',
      secretArn: `${ARN}-planted`,
      message:
        'it is tagged keyturn:managed=true under the prefix but no deployment registered it: keyturn refuses it, ' +
        'and someone made or tagged it by hand (a planted secret, or one left behind by a removed key)',
      fix:
        'Find who created or tagged it in CloudTrail (CreateSecret, TagResource on this ARN). If it is a key to ' +
        'manage, add it to the configuration and deploy; otherwise remove the keyturn:* tags or delete the secret.',
    });
    const untagged = driftFindings([secret({}, { name: 'keyturn/prod/bare' })], [])[0];
    expect([untagged.keyName, untagged.environment]).toEqual(['keyturn/prod/bare', '?']);
  });

  test('rule: a registered secret not listed is a critical finding labelled from the registry', () => {
    expect(driftFindings([], [entry()])).toEqual([
      {
        rule: 'registered-secret-missing',
        severity: 'critical',
        keyName: 'billing-api',
        environment: 'prod',
        secretName: 'keyturn/prod/billing-api',
        secretArn: ARN,
        message:
          'the registry names this secret but no secret of that name is listed as managed: it was deleted, or its ' +
          'keyturn:managed tag was removed; keyturn cannot rotate it',
        fix:
          'Find the DeleteSecret or UntagResource call in CloudTrail. Restore the secret (RestoreSecret within its ' +
          'recovery window) or redeploy keyturn (cdk deploy) to recreate and re-register it.',
      },
    ]);
  });

  test('rule: a listed secret of the registered name but another ARN is a critical finding on the impostor, naming the registered ARN, and its tags are not compared', () => {
    const impostor = secret({ [TAGS.provider]: 'other' }, { arn: `${ARN}-new` });
    expect(driftFindings([impostor], [entry()])).toEqual([
      {
        rule: 'registered-secret-missing',
        severity: 'critical',
        keyName: 'billing-api',
        environment: 'prod',
        secretName: 'keyturn/prod/billing-api',
        secretArn: `${ARN}-new`,
        message:
          `the secret under this name is not the registered one (registered ${ARN}): it was deleted ` +
          'and re-created, and keyturn refuses the new one',
        fix:
          'Find who re-created it in CloudTrail (DeleteSecret, CreateSecret). Delete the impostor and redeploy ' +
          'keyturn (cdk deploy) so the registry names the secret the stack owns.',
      },
    ]);
  });

  test('rule: a registered secret listed with its tags gives no finding; retagged, one finding per secret', () => {
    expect(driftFindings([secret()], [entry()])).toEqual([]);
    const findings = driftFindings(
      [secret({ ...TAGGED, [TAGS.owner]: 'x', [TAGS.tier]: 'standard' })],
      [entry()],
    );
    expect(findings).toEqual([
      {
        rule: 'tag-drift',
        severity: 'notice',
        keyName: 'billing-api',
        environment: 'prod',
        secretName: 'keyturn/prod/billing-api',
        secretArn: ARN,
        message:
          'its tags differ from the registered policy (keyturn acts on the registry, not the tags): ' +
          `${TAGS.tier} registered "critical", tagged "standard"; ${TAGS.owner} registered "team-billing@example.com", tagged "x"`,
        fix:
          'Find who changed the tags in CloudTrail (TagResource, UntagResource on this ARN), then redeploy keyturn ' +
          '(cdk deploy) so the stack rewrites them; change a key by editing the configuration, never its tags.',
      },
    ]);
  });

  test('rule: the provider or a provider setting retagged is critical (someone steering keyturn); other tags are a notice', () => {
    const severity = (tags: Record<string, string>) => driftFindings([secret(tags)], [entry()])[0].severity;
    expect(severity({ ...TAGGED, [TAGS.provider]: 'api-gateway-key' })).toBe('critical');
    expect(
      severity({ ...TAGGED, [`${TAGS.providerSetting}user-arn`]: 'arn:aws:iam::111122223333:user/admin' }),
    ).toBe('critical');
    expect(severity({ ...TAGGED, [`${TAGS.providerSetting}new`]: 'x' })).toBe('critical');
    expect(severity({ ...TAGGED, [TAGS.environment]: 'dev', [TAGS.owner]: 'x' })).toBe('notice');
  });

  test('rule: a difference is shown safely: (none) when absent, quoted and cut otherwise; at most eight, then a count', () => {
    const long = `evil\u202e${'x'.repeat(100)}`;
    const one = driftFindings([secret({ ...TAGGED, [TAGS.owner]: long })], [entry()])[0].message;
    expect(one).toContain(
      `${TAGS.owner} registered "team-billing@example.com", tagged "evil?${'x'.repeat(56)}..."`,
    );
    expect(one).not.toContain('\u202e');
    const empty = driftFindings([secret({ ...TAGGED, [TAGS.linkedSystems]: '' })], [entry()])[0].message;
    expect(empty).toContain(`${TAGS.linkedSystems} registered "billing?invoices", tagged ""`);

    const many: Record<string, string> = { [TAGS.managed]: 'true' };
    for (let i = 0; i < 3; i++) many[`${TAGS.providerSetting}extra-${i}`] = `v${i}`;
    const message = driftFindings([secret(many)], [entry()])[0].message;
    // 10 policy tags missing + 3 extra settings = 13 differences: 8 shown, "and 5 more".
    expect(message.match(/, tagged /g)).toHaveLength(8);
    expect(message).toContain(`${TAGS.keyName} registered "billing-api", tagged (none)`);
    expect(message).toMatch(/ and 5 more$/);

    const eight: Record<string, string> = { ...TAGGED };
    for (const tag of [TAGS.keyName, TAGS.environment, TAGS.tier, TAGS.overlapHours, TAGS.leakPolicy])
      delete eight[tag];
    for (const tag of [TAGS.owner, TAGS.runbook, TAGS.linkedSystems]) eight[tag] = 'changed';
    const exactly = driftFindings([secret(eight)], [entry()])[0].message;
    expect(exactly.match(/, tagged /g)).toHaveLength(8);
    expect(exactly).not.toContain('more');
  });

  test('rule: unregistered secrets come first, then one finding per registered entry, in registry order', () => {
    const other = entry(policy({ keyName: 'reports-api' }), `${ARN}-reports`);
    const planted = secret({}, { name: 'keyturn/prod/planted', arn: `${ARN}-planted` });
    const findings = driftFindings([secret({ ...TAGGED, [TAGS.owner]: 'x' }), planted], [other, entry()]);
    expect(findings.map((f) => [f.rule, f.secretName])).toEqual([
      ['unregistered-secret', 'keyturn/prod/planted'],
      ['registered-secret-missing', 'keyturn/prod/reports-api'],
      ['tag-drift', 'keyturn/prod/billing-api'],
    ]);
  });
});
