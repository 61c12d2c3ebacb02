/**
 * The issuance records' rules (lambdas/core/issuance.ts): where a record lives (the partition IAM lets only
 * keyturn's functions write, one item per issued key, found by its version's prefix), when a stored key id counts
 * as issued (same secret ARN, version and key id, all three), and what the refusal and its page say: the secret and
 * version, never the stored key id, and the way out for on-call.
 */
import { LEDGER_SCHEMA } from '../../lambdas/core/constants';
import { KeyturnError } from '../../lambdas/core/errors';
import {
  issuancePartition,
  issuanceSortKey,
  UNISSUED_KEY_METRIC,
  UnissuedKeyError,
  unissuedKeyNotice,
  wasIssued,
  type IssuedKeyRecord,
} from '../../lambdas/core/issuance';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf';
const OTHER_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-ZyXwVu';
const record = (over: Partial<IssuedKeyRecord> = {}): IssuedKeyRecord => ({
  secretArn: ARN,
  versionId: 'v2',
  keyId: 'sha256:aaaa',
  at: '2026-12-01T00:00:00.000Z',
  ...over,
});

describe('where a record lives', () => {
  test("rule: a secret's records are in its own partition under the prefix the IAM grant allows (issued#)", () => {
    expect(issuancePartition('keyturn/prod/billing-api')).toBe('issued#keyturn/prod/billing-api');
    expect(issuancePartition('keyturn/prod/billing-api').startsWith(LEDGER_SCHEMA.issuancePrefix)).toBe(true);
  });

  test("rule: one item per issued key, found by its version's prefix (version#) and no other version's", () => {
    const first = issuanceSortKey('v1', 'sha256:aaaa');
    const retry = issuanceSortKey('v1', 'sha256:bbbb');
    expect(first).toBe('v1#sha256:aaaa');
    expect(retry).not.toBe(first);
    expect(first.startsWith('v1#')).toBe(true);
    expect(issuanceSortKey('v10', 'sha256:aaaa').startsWith('v1#')).toBe(false);
  });
});

describe('what counts as issued', () => {
  test('rule: a key id counts as issued only with the same secret ARN, version and key id', () => {
    const records = [record()];
    expect(wasIssued(records, ARN, 'v2', 'sha256:aaaa')).toBe(true);
    // The same name deleted and re-created is another ARN; another version; another key id: not issued.
    expect(wasIssued(records, OTHER_ARN, 'v2', 'sha256:aaaa')).toBe(false);
    expect(wasIssued(records, ARN, 'v1', 'sha256:aaaa')).toBe(false);
    expect(wasIssued(records, ARN, 'v2', 'sha256:bbbb')).toBe(false);
    expect(wasIssued([], ARN, 'v2', 'sha256:aaaa')).toBe(false);
  });

  test('rule: one matching record among others is enough, and records of other keys never combine into one', () => {
    const records = [
      record({ secretArn: OTHER_ARN }),
      record({ versionId: 'v1' }),
      record({ keyId: 'sha256:bbbb' }),
    ];
    expect(wasIssued(records, ARN, 'v2', 'sha256:aaaa')).toBe(false);
    expect(wasIssued([...records, record()], ARN, 'v2', 'sha256:aaaa')).toBe(true);
  });
});

describe('the refusal', () => {
  test('rule: the refusal is a typed error naming the secret and version, never the stored key id', () => {
    const error = new UnissuedKeyError(ARN, 'v2', { keyName: 'billing-api', environment: 'prod' });
    expect(error).toBeInstanceOf(KeyturnError);
    expect(error.name).toBe('UnissuedKeyError');
    expect(error).toMatchObject({
      secretId: ARN,
      versionId: 'v2',
      labels: { keyName: 'billing-api', environment: 'prod' },
    });
    expect(error.message).toBe(
      `Refused to revoke the key of ${ARN} version v2: keyturn did not record issuing that key id for this secret ` +
        'and version',
    );
    expect(new UnissuedKeyError(ARN, 'v2').labels).toEqual({});
  });

  test('rule: a secret id or version written by anyone is cut (512 and 128 characters) before it is quoted', () => {
    const error = new UnissuedKeyError('s'.repeat(600), 'v'.repeat(200));
    expect(error.message).toContain(`of ${'s'.repeat(512)} version ${'v'.repeat(128)}: keyturn`);
    expect(error.message).not.toContain('s'.repeat(513));
    expect(error.message).not.toContain('v'.repeat(129));
  });

  test('rule: the page is critical, names the function and the key, and tells on-call what to do', () => {
    const error = new UnissuedKeyError(ARN, 'v2', { keyName: 'billing-api', environment: 'prod' });
    expect(unissuedKeyNotice('keyturn-retire', error)).toEqual({
      severity: 'critical',
      kind: 'unissued-key',
      subject: 'keyturn: keyturn-retire refused to revoke a key it did not issue (billing-api)',
      message:
        `${error.message}.\nNothing was revoked at the provider. Either someone wrote this version's value by hand ` +
        '(PutSecretValue: find who in CloudTrail, and treat the account principal as suspect), or the key was in ' +
        'place before keyturn managed the secret. A human checks the key at the provider and revokes it by hand if ' +
        'it must go (docs/trust.md, "Keys keyturn did not issue").',
      keyName: 'billing-api',
      environment: 'prod',
    });
  });

  test('rule: without labels, the page says "a managed key" and carries no label fields', () => {
    const notice = unissuedKeyNotice('keyturn-leak', new UnissuedKeyError(ARN, 'v2'));
    expect(notice.subject).toBe(
      'keyturn: keyturn-leak refused to revoke a key it did not issue (a managed key)',
    );
    expect(Object.keys(notice).sort()).toEqual(['kind', 'message', 'severity', 'subject']);
  });

  test('rule: the metric has the name docs/trust.md gives operators to alarm on (UnissuedKeyRefused)', () => {
    expect(UNISSUED_KEY_METRIC).toBe('UnissuedKeyRefused');
  });
});
