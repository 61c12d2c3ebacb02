/**
 * The deployed registry's pure rules (lambdas/core/registry.ts), without a store: an entry is exactly what a
 * deployment writes (every field checked, nothing extra, stored under its own name), and a secret is admitted only
 * when its name is inside the managed prefix, registered, the registered secret (same full ARN) and encrypted with
 * the registered KMS key, each refusal with its stable reason and before any provider is asked.
 */
import { MAX_OVERLAP_HOURS } from '../../lambdas/core/constants';
import {
  InvalidRegistryEntryError,
  UnregisteredSecretError,
  admitSecret,
  parseRegistryEntry,
  refusalNotice,
  sameKmsKey,
  type RegistryEntry,
} from '../../lambdas/core/registry';
import {
  BILLING_KMS_KEY_ARN as KMS,
  BILLING_POLICY,
  BILLING_SECRET_ARN as ARN,
  BILLING_SECRET_NAME as NAME,
} from '../helpers/billing-key';
import { MemoryKeyRegistry } from '../helpers/registry';

// Every optional field present, so each one's bounds are checked.
const POLICY = {
  ...BILLING_POLICY,
  owner: 'payments-team@example.com',
  runbook: 'https://runbooks.example.com/billing-api',
  linkedSystems: ['billing'],
};
const ENTRY = { secretName: NAME, secretArn: ARN, kmsKeyArn: KMS, policy: POLICY };

function problemsOf(raw: unknown, name = NAME): string[] {
  try {
    parseRegistryEntry(name, raw);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRegistryEntryError);
    expect((error as InvalidRegistryEntryError).secretName).toBe(name);
    return (error as InvalidRegistryEntryError).problems;
  }
}
const withPolicy = (override: Record<string, unknown>) => ({ ...ENTRY, policy: { ...POLICY, ...override } });
const paths = (problems: string[]) => problems.map((p) => p.slice(0, p.indexOf(':')));

describe('rule: a registry entry is exactly what a deployment writes', () => {
  test('a complete entry parses to itself; owner and runbook are optional', () => {
    expect(parseRegistryEntry(NAME, ENTRY)).toEqual(ENTRY);
    const bare: Record<string, unknown> = { ...POLICY };
    delete bare.owner;
    delete bare.runbook;
    expect(problemsOf({ ...ENTRY, policy: bare })).toEqual([]);
  });

  test('the overlap may be 0 or the maximum, not below or past it', () => {
    expect(problemsOf(withPolicy({ overlapHours: 0 }))).toEqual([]);
    expect(problemsOf(withPolicy({ overlapHours: MAX_OVERLAP_HOURS }))).toEqual([]);
    expect(paths(problemsOf(withPolicy({ overlapHours: -1 })))).toEqual(['policy.overlapHours']);
    expect(paths(problemsOf(withPolicy({ overlapHours: MAX_OVERLAP_HOURS + 1 })))).toEqual([
      'policy.overlapHours',
    ]);
  });

  test.each([
    ['policy.keyName', { keyName: '' }],
    ['policy.provider', { provider: '' }],
    ['policy.environment', { environment: '' }],
    ['policy.tier', { tier: 'gold' }],
    ['policy.leakPolicy', { leakPolicy: 'ignore' }],
    ['policy.owner', { owner: 7 }],
    ['policy.runbook', { runbook: 7 }],
    ['policy.linkedSystems', { linkedSystems: 'billing' }],
    ['policy.linkedSystems.0', { linkedSystems: [7] }],
    ['policy.providerSettings.key-prefix', { providerSettings: { 'key-prefix': 7 } }],
    ['policy.providerSettings', { providerSettings: undefined }],
  ])('a policy with a bad %s is refused, naming it', (path, override) => {
    expect(paths(problemsOf(withPolicy(override)))).toEqual([path]);
  });

  test('every tier and leak policy keyturn knows is accepted', () => {
    for (const tier of ['critical', 'high', 'standard']) expect(problemsOf(withPolicy({ tier }))).toEqual([]);
    for (const leakPolicy of ['revoke-first', 'rotate-then-revoke'])
      expect(problemsOf(withPolicy({ leakPolicy }))).toEqual([]);
  });

  test('a field no deployment writes is refused, in the entry and in its policy', () => {
    expect(paths(problemsOf({ ...ENTRY, admin: true }))).toEqual(['(root)']);
    expect(problemsOf(withPolicy({ extra: 'x' }))[0]).toMatch(/^policy: /);
  });

  test('a non-object is refused at the root, with the message naming the entry and each problem', () => {
    let error: InvalidRegistryEntryError | undefined;
    try {
      parseRegistryEntry(NAME, 'not an entry');
    } catch (e) {
      error = e as InvalidRegistryEntryError;
    }
    expect(error?.problems).toHaveLength(1);
    expect(error?.problems[0]).toMatch(/^\(root\): ./);
    expect(error?.message).toBe(`The registry entry of ${NAME} is malformed: ${error?.problems[0]}`);
    expect(error?.name).toBe('InvalidRegistryEntryError');
  });

  test('every problem is in the message, separated by "; "', () => {
    const error = new InvalidRegistryEntryError(NAME, ['secretArn: bad', 'kmsKeyArn: bad']);
    expect(error.message).toBe(`The registry entry of ${NAME} is malformed: secretArn: bad; kmsKeyArn: bad`);
    expect(problemsOf({ ...ENTRY, secretArn: 'x', kmsKeyArn: 'y' }).map((p) => p.split(':')[0])).toEqual([
      'secretArn',
      'kmsKeyArn',
    ]);
  });

  test('an entry stored under another name than its own is refused', () => {
    expect(problemsOf(ENTRY, 'keyturn/prod/other-api')).toEqual([
      'secretName does not match the entry it is stored under',
    ]);
    expect(paths(problemsOf({ ...ENTRY, secretName: '' }, ''))).toEqual(['secretName']);
  });

  describe('the secret ARN is a full Secrets Manager ARN, random suffix included', () => {
    test.each([
      ['aws', ARN],
      ['aws-cn', ARN.replace('arn:aws:', 'arn:aws-cn:')],
      ['aws-us-gov', ARN.replace('arn:aws:', 'arn:aws-us-gov:')],
    ])('partition %s is accepted', (_p, arn) => {
      expect(problemsOf({ ...ENTRY, secretArn: arn })).toEqual([]);
    });

    test.each([
      ['without the random suffix', `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${NAME}`],
      ['with a 5-character suffix', `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${NAME}-AbCdE`],
      [
        'with a suffix outside [A-Za-z0-9]',
        `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${NAME}-AbCd_f`,
      ],
      ['of another service', `arn:aws:ssm:eu-west-1:111122223333:secret:${NAME}-AbCdEf`],
      ['with an 11-digit account', `arn:aws:secretsmanager:eu-west-1:11112222333:secret:${NAME}-AbCdEf`],
      ['with an upper-case region', `arn:aws:secretsmanager:EU-WEST-1:111122223333:secret:${NAME}-AbCdEf`],
      ['without a region', `arn:aws:secretsmanager::111122223333:secret:${NAME}-AbCdEf`],
      [
        'of a parameter, not a secret',
        `arn:aws:secretsmanager:eu-west-1:111122223333:parameter:${NAME}-AbCdEf`,
      ],
      ['with a name of just the suffix', `arn:aws:secretsmanager:eu-west-1:111122223333:secret:-AbCdEf`],
      ['with text before it', `x${ARN}`],
      ['with text after it', `${ARN}/x`],
      ['of another partition', ARN.replace('arn:aws:', 'arn:azure:')],
    ])('an ARN %s is refused', (_case, arn) => {
      expect(paths(problemsOf({ ...ENTRY, secretArn: arn }))).toEqual(['secretArn']);
    });
  });

  describe('the KMS key ARN is a key ARN', () => {
    test.each([
      ['an alias', 'arn:aws:kms:eu-west-1:111122223333:alias/keyturn'],
      ['a bare key id', '0b1c2d3e-keyturn'],
      ['a key ARN with no key id', 'arn:aws:kms:eu-west-1:111122223333:key/'],
      ['a key ARN with an 11-digit account', 'arn:aws:kms:eu-west-1:11112222333:key/0b1c'],
      ['a key ARN without a region', 'arn:aws:kms::111122223333:key/0b1c'],
      ['an ARN of another service', 'arn:aws:kmsx:eu-west-1:111122223333:key/0b1c'],
      ['text before a key ARN', `x${KMS}`],
      ['a key ARN followed by a line break', `${KMS}\nx`],
    ])('%s is refused', (_case, kmsKeyArn) => {
      expect(paths(problemsOf({ ...ENTRY, kmsKeyArn }))).toEqual(['kmsKeyArn']);
    });

    test('a key ARN of the china partition is accepted', () => {
      expect(problemsOf({ ...ENTRY, kmsKeyArn: KMS.replace('arn:aws:', 'arn:aws-cn:') })).toEqual([]);
    });
  });
});

describe('rule: a secret is admitted only when the registry names it, as registered', () => {
  const registered = (): MemoryKeyRegistry => new MemoryKeyRegistry().register(ENTRY as RegistryEntry);
  const refusal = async (promise: Promise<unknown>): Promise<UnregisteredSecretError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnregisteredSecretError);
    return error as UnregisteredSecretError;
  };

  test('the registered secret, on the registered key (ARN or bare id), is admitted with its entry', async () => {
    const registry = registered();
    await expect(admitSecret(registry, { arn: ARN, name: NAME, kmsKeyId: KMS }, 'keyturn/')).resolves.toEqual(
      ENTRY,
    );
    await expect(
      admitSecret(registry, { arn: ARN, name: NAME, kmsKeyId: '0b1c2d3e-keyturn' }),
    ).resolves.toEqual(ENTRY);
  });

  test('a secret outside the managed prefix is refused before the registry is read', async () => {
    const registry = registered();
    const error = await refusal(admitSecret(registry, { arn: ARN, name: NAME, kmsKeyId: KMS }, 'other/'));
    expect(error.reason).toBe('outside-prefix');
    expect(error.secretId).toBe(ARN);
    expect(error.message).toBe(`Refused secret ${ARN}: outside the managed prefix "other/"`);
    expect(registry.lookups).toBe(0);
  });

  test('with no managed prefix (or an empty one) only the registry decides', async () => {
    const registry = registered();
    await expect(admitSecret(registry, { arn: ARN, name: NAME, kmsKeyId: KMS }, '')).resolves.toEqual(ENTRY);
    await expect(admitSecret(registry, { arn: ARN, name: NAME, kmsKeyId: KMS })).resolves.toEqual(ENTRY);
  });

  test('a secret the registry does not name is refused', async () => {
    const other = ARN.replace('billing-api', 'planted-api');
    const error = await refusal(
      admitSecret(registered(), { arn: other, name: 'keyturn/prod/planted-api', kmsKeyId: KMS }, 'keyturn/'),
    );
    expect(error.reason).toBe('not-registered');
    expect(error.message).toBe(`Refused secret ${other}: not in the deployed registry`);
  });

  test('a secret re-created under the registered name (another suffix) is refused', async () => {
    const recreated = ARN.replace('-AbCdEf', '-ZyXwVu');
    const error = await refusal(admitSecret(registered(), { arn: recreated, name: NAME, kmsKeyId: KMS }));
    expect(error.reason).toBe('other-secret');
    expect(error.message).toBe(`Refused secret ${recreated}: the registry names ${ARN} for this name`);
  });

  test('the registered secret on another KMS key, or on the AWS-managed key, is refused', async () => {
    const foreign = await refusal(
      admitSecret(registered(), {
        arn: ARN,
        name: NAME,
        kmsKeyId: 'arn:aws:kms:eu-west-1:444455556666:key/0b1c2d3e-keyturn',
      }),
    );
    expect(foreign.reason).toBe('foreign-kms-key');
    expect(foreign.message).toBe(`Refused secret ${ARN}: encrypted with another KMS key, not keyturn's`);
    const managed = await refusal(admitSecret(registered(), { arn: ARN, name: NAME, kmsKeyId: undefined }));
    expect(managed.reason).toBe('foreign-kms-key');
    expect(managed.message).toBe(`Refused secret ${ARN}: encrypted with the AWS-managed key, not keyturn's`);
  });

  test('a hostile, very long secret id is cut to 512 characters in the message', () => {
    const error = new UnregisteredSecretError('a'.repeat(5000), 'not-registered', 'detail');
    expect(error.message).toBe(`Refused secret ${'a'.repeat(512)}: detail`);
    expect(error.secretId).toHaveLength(5000);
    expect(error.name).toBe('UnregisteredSecretError');
  });
});

describe('rule: the same KMS key, given as an ARN or a bare id; never another', () => {
  test.each([
    [KMS, true],
    ['0b1c2d3e-keyturn', true],
    [undefined, false],
    ['', false],
    ['0b1c2d3e-other', false],
    ['arn:aws:kms:eu-west-1:444455556666:key/0b1c2d3e-keyturn', false],
    ['alias:0b1c2d3e-keyturn', false],
  ])("%s is keyturn's key: %s", (actual, same) => {
    expect(sameKmsKey(actual, KMS)).toBe(same);
  });
});

describe('rule: a refusal tells on-call who to look for, and that no provider was called', () => {
  test('the notice names the function, the reason and the refusal', () => {
    const error = new UnregisteredSecretError(ARN, 'other-secret', 'the registry names another');
    const notice = refusalNotice('rotation', error);
    expect(notice.severity).toBe('notice');
    expect(notice.kind).toBe('secret-refused');
    expect(notice.subject).toBe('keyturn: rotation refused a secret it does not manage (other-secret)');
    expect(notice.message.startsWith(`${error.message}.\nThe rotation function acts only on secrets`)).toBe(
      true,
    );
    expect(notice.message).toContain('nothing was called at any provider');
    expect(notice.message).toContain(
      'find who in CloudTrail (RotateSecret, CreateSecret, TagResource on the secret)',
    );
    expect(
      notice.message.endsWith('A key that should be managed is added to the configuration and deployed.'),
    ).toBe(true);
  });
});
