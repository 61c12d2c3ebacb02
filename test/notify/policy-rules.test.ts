/**
 * Rules of the deployed monitoring policy (lambdas/core/notify/policy.ts): the file is refused unless it is exactly
 * the shape the stack writes, with a typed error and its cause; a key is found by every spelling of its secret id
 * and by no other; an allowed reader is a configured role (by its session issuer) or IAM user (by its ARN), never
 * root, a federated user, or anyone without the field the decision reads.
 */
import {
  InvalidMonitoringPolicyError,
  parseMonitoringPolicy,
  splitAllowedReaders,
} from '../../lambdas/core/notify/policy';
import * as s from '../monitoring/cloudtrail-samples';
import { policyKey, policyOf, READER_ROLE, READER_USER } from './policy-fixture';

const valid = () => ({ version: 1, secretPrefix: 'keyturn/', keys: [policyKey()] });
const refusal = (value: unknown): InvalidMonitoringPolicyError => {
  try {
    parseMonitoringPolicy(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMonitoringPolicyError);
    return error as InvalidMonitoringPolicyError;
  }
  throw new Error('accepted, expected a refusal');
};

describe('rule: the policy file is exactly what the stack writes', () => {
  test('rule: a valid file parses to itself; optional backup owner and runbook may be absent', () => {
    expect(parseMonitoringPolicy(JSON.stringify(valid()))).toEqual(valid());
    const bare = policyKey();
    delete bare.backupOwner;
    delete bare.runbook;
    const p = parseMonitoringPolicy(JSON.stringify({ ...valid(), keys: [{ ...bare, owner: '' }] }));
    expect(p.keys[0]).toEqual({ ...bare, owner: '' });
  });

  test('rule: text that is not JSON is refused with a typed error and the parse error as cause', () => {
    const e = refusal('{"version":');
    expect(e.name).toBe('InvalidMonitoringPolicyError');
    expect(e.message).toBe('the monitoring policy file is not valid: not JSON');
    expect(e.cause).toBeInstanceOf(SyntaxError);
  });

  test('rule: a schema violation is refused naming the first issue, with the schema error as cause', () => {
    const e = refusal({ ...valid(), version: 2 });
    expect(e.message.startsWith('the monitoring policy file is not valid: ')).toBe(true);
    expect(e.message).not.toBe('the monitoring policy file is not valid: schema');
    expect((e.cause as { issues?: unknown[] }).issues?.length).toBeGreaterThan(0);
  });

  const key = (o: Record<string, unknown>) => ({ ...valid(), keys: [{ ...policyKey(), ...o }] });
  test.each([
    ['another version', { ...valid(), version: 2 }],
    ['no version', { secretPrefix: 'keyturn/', keys: [] }],
    ['an empty prefix', { ...valid(), secretPrefix: '' }],
    ['no keys list', { version: 1, secretPrefix: 'keyturn/' }],
    ['an unknown top-level field', { ...valid(), extra: true }],
    ['an unknown key field', key({ allowAll: true })],
    ['an empty secret name', key({ secretName: '' })],
    ['an empty key name', key({ keyName: '' })],
    ['an empty environment', key({ environment: '' })],
    ['an empty tier', key({ tier: '' })],
    ['no owner', key({ owner: undefined })],
    ['allowed readers that are not a list', key({ allowedReaders: 'arn:aws:iam::1:role/x' })],
    ['no verifier service', key({ verifierService: undefined })],
    ['a zero warning threshold', key({ requestsPerMinute: { warning: 0, critical: 10 } })],
    ['a negative critical threshold', key({ rejectedPercent: { warning: 5, critical: -1 } })],
    ['a threshold with an extra field', key({ rejectedPercent: { warning: 5, critical: 10, off: true } })],
    ['no thresholds', key({ requestsPerMinute: undefined })],
    ['a zero band width', key({ readAnomalyBandWidth: 0 })],
    ['a band width as text', key({ readAnomalyBandWidth: '3' })],
  ])('rule: %s is refused', (_what, value) => {
    refusal(value);
  });
});

describe('rule: a key is found by every spelling of its secret id, and by no other', () => {
  const index = policyOf(
    policyKey(),
    policyKey({ secretName: s.OTHER_SECRET_NAME, keyName: 'billing-api-v2' }),
  );
  const name = (id: string | undefined) => index.keyForSecretId(id)?.secretName;

  test('rule: name, partial ARN and full ARN (six-character suffix) all name the key', () => {
    expect(name(s.SECRET_NAME)).toBe(s.SECRET_NAME);
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}`)).toBe(s.SECRET_NAME);
    expect(name(s.SECRET_ARN)).toBe(s.SECRET_NAME);
    expect(name(s.OTHER_SECRET_ARN)).toBe(s.OTHER_SECRET_NAME);
  });

  test('rule: a name whose own last part looks like a suffix is still found by its partial ARN', () => {
    // keyturn/prod/billing-api-v2 is itself a key: its partial ARN must not lose "-v2" (not six characters anyway).
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.OTHER_SECRET_NAME}`)).toBe(s.OTHER_SECRET_NAME);
    const suffixy = policyOf(policyKey({ secretName: 'keyturn/prod/api-AbCdEf' }));
    expect(suffixy.keyForSecretId(`${s.PARTIAL_ARN_PREFIX}keyturn/prod/api-AbCdEf`)?.secretName).toBe(
      'keyturn/prod/api-AbCdEf',
    );
    expect(suffixy.keyForSecretId(`${s.PARTIAL_ARN_PREFIX}keyturn/prod/api-AbCdEf-123456`)?.secretName).toBe(
      'keyturn/prod/api-AbCdEf',
    );
  });

  test('rule: no id, an empty id, an unmanaged secret, or a suffix that is not six letters or digits finds nothing', () => {
    expect(index.keyForSecretId(undefined)).toBeUndefined();
    expect(index.keyForSecretId('')).toBeUndefined();
    expect(name(s.UNMANAGED_SECRET_ARN)).toBeUndefined();
    expect(name('keyturn/prod/unknown')).toBeUndefined();
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}-AbCdE`)).toBeUndefined();
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}-AbCdEfG`)).toBeUndefined();
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}-AbC_Ef`)).toBeUndefined();
    expect(name(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}-AbCdEf/x`)).toBeUndefined();
    // A name that merely ends like a full ARN is not one.
    expect(name(`${s.SECRET_NAME}-AbCdEf`)).toBeUndefined();
    // The ARN marker is needed: the name after another marker is not looked up.
    expect(name(`arn:aws:ssm:${s.REGION}:${s.ACCOUNT}:parameter:${s.SECRET_NAME}`)).toBeUndefined();
  });

  test('rule: the name after the :secret: marker is looked up whatever precedes it; without the marker nothing is', () => {
    expect(name(`:secret:${s.SECRET_NAME}`)).toBe(s.SECRET_NAME);
    expect(name(`1234567${s.SECRET_NAME}`)).toBeUndefined();
    expect(name(`12345678${s.SECRET_NAME}`)).toBeUndefined();
  });

  test('rule: keys are listed by key name (one per environment) and counted', () => {
    const envs = policyOf(
      policyKey(),
      policyKey({ secretName: 'keyturn/staging/billing-api', environment: 'staging' }),
      policyKey({ secretName: 'keyturn/prod/search', keyName: 'search' }),
    );
    expect(envs.keysNamed('billing-api').map((k) => k.environment)).toEqual(['prod', 'staging']);
    expect(envs.keysNamed('search')).toHaveLength(1);
    expect(envs.keysNamed('nope')).toEqual([]);
    expect(envs.size).toBe(3);
  });
});

describe('rule: who is an allowed reader', () => {
  const index = policyOf(policyKey());
  const key = index.policy.keys[0];
  const allowed = (identity: { type?: string; arn?: string; issuerArn?: string }) =>
    index.isAllowedReader(key, identity);

  test('rule: a configured role, by its session issuer, whatever the session', () => {
    expect(
      allowed({ type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/x/y', issuerArn: READER_ROLE }),
    ).toBe(true);
    expect(allowed({ type: 'AssumedRole', issuerArn: `arn:aws:iam::${s.ACCOUNT}:role/other` })).toBe(false);
    expect(allowed({ type: 'AssumedRole', arn: READER_ROLE })).toBe(false);
  });

  test('rule: a configured IAM user, by its ARN', () => {
    expect(allowed({ type: 'IAMUser', arn: READER_USER })).toBe(true);
    expect(allowed({ type: 'IAMUser', arn: `arn:aws:iam::${s.ACCOUNT}:user/ci/other` })).toBe(false);
    expect(allowed({ type: 'IAMUser', issuerArn: READER_USER })).toBe(false);
    // A role ARN presented as a user is not an allowed user.
    expect(allowed({ type: 'IAMUser', arn: READER_ROLE })).toBe(false);
    expect(allowed({ type: 'AssumedRole', issuerArn: READER_USER })).toBe(false);
  });

  test('rule: root, federated users, services and unknown types are never allowed, whatever ARN they carry', () => {
    for (const type of ['Root', 'FederatedUser', 'AWSService', 'AWSAccount', undefined]) {
      expect(allowed({ type, arn: READER_USER, issuerArn: READER_ROLE })).toBe(false);
    }
  });

  test('rule: a key the index does not hold has no allowed reader', () => {
    expect(index.isAllowedReader(policyKey(), { type: 'IAMUser', arn: READER_USER })).toBe(false);
  });

  test('rule: a configured assumed-role session ARN allows its role; user paths stay users; anything else is a role', () => {
    expect(
      splitAllowedReaders([
        `arn:aws:sts::${s.ACCOUNT}:assumed-role/app/session-1`,
        'arn:aws-cn:sts::111122223333:assumed-role/cn-app',
        'arn:aws-us-gov:sts::111122223333:assumed-role/gov-app/s/t',
        READER_USER,
        READER_ROLE,
        'arn:aws:sts::1234:assumed-role/short-account/s',
        `arn:aws:sts::${s.ACCOUNT}:assumed-role//s`,
        `xarn:aws:sts::${s.ACCOUNT}:assumed-role/app/s`,
      ]),
    ).toEqual({
      roles: [
        `arn:aws:iam::${s.ACCOUNT}:role/app`,
        'arn:aws-cn:iam::111122223333:role/cn-app',
        'arn:aws-us-gov:iam::111122223333:role/gov-app',
        READER_ROLE,
        'arn:aws:sts::1234:assumed-role/short-account/s',
        `arn:aws:sts::${s.ACCOUNT}:assumed-role//s`,
        `xarn:aws:sts::${s.ACCOUNT}:assumed-role/app/s`,
      ],
      users: [READER_USER],
    });
    // A session ARN with a line break is not a session ARN: it is never rewritten into the role.
    const broken = `arn:aws:sts::${s.ACCOUNT}:assumed-role/app/s\nx`;
    expect(splitAllowedReaders([broken])).toEqual({ roles: [broken], users: [] });
    const sessions = policyOf(
      policyKey({ allowedReaders: [`arn:aws:sts::${s.ACCOUNT}:assumed-role/app/s-1`] }),
    );
    expect(
      sessions.isAllowedReader(sessions.policy.keys[0], {
        type: 'AssumedRole',
        issuerArn: `arn:aws:iam::${s.ACCOUNT}:role/app`,
      }),
    ).toBe(true);
  });
});
