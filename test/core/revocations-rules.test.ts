/**
 * The rules of revocation records (lambdas/core/revocations.ts): a record is keyed by the secret's name, whether the
 * verifier was configured with the name or the full ARN; a stored list of version ids reads back as exactly the
 * well-formed ids in it, so a record written twice or padded reads the same, and nothing malformed is ever taken for
 * a revoked version.
 */
import { parseRevokedVersions, secretNameOf } from '../../lambdas/core/revocations';

const ACCOUNT = '111122223333';

test('rule: a secret ARN maps to the name before its six-character suffix, in every partition', () => {
  for (const partition of ['aws', 'aws-cn', 'aws-us-gov'])
    expect(
      secretNameOf(
        `arn:${partition}:secretsmanager:eu-west-1:${ACCOUNT}:secret:keyturn/prod/billing-api-AbC123`,
      ),
    ).toBe('keyturn/prod/billing-api');
  expect(secretNameOf(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a-b-c-000000`)).toBe('a-b-c');
  expect(secretNameOf(`arn:aws:secretsmanager::${ACCOUNT}:secret:x-zzzzzz`)).toBe('x');
});

test('rule: a name, or anything that is not a whole secret ARN, is its own record key', () => {
  for (const id of [
    'keyturn/prod/billing-api',
    'billing-api-AbC123',
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api`,
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api-AbC12`,
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api-AbC12!`,
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:-AbC123`,
    `arn:aws:secretsmanager:eu-west-1:11112222333:secret:billing-api-AbC123`,
    `arn:aws:secretsmanager:eu-west-1:1111222233334:secret:billing-api-AbC123`,
    `arn:aws:secretsmanager:eu-west-1:11112222333x:secret:billing-api-AbC123`,
    `arn:aws:secretsmanager:eu:west:${ACCOUNT}:secret:billing-api-AbC123`,
    `arn:aws:ssm:eu-west-1:${ACCOUNT}:secret:billing-api-AbC123`,
    `arn:AWS:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api-AbC123`,
    `xarn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api-AbC123`,
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing-api-AbC123x`,
    `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:parameter:billing-api-AbC123`,
  ])
    expect(secretNameOf(id)).toBe(id);
});

test('rule: stored version ids read back split on any whitespace, empty pieces dropped', () => {
  expect(parseRevokedVersions('v1 v2')).toEqual(['v1', 'v2']);
  expect(parseRevokedVersions('  v1\t\tv2\n v3  ')).toEqual(['v1', 'v2', 'v3']);
  expect(parseRevokedVersions('')).toEqual([]);
  expect(parseRevokedVersions('   ')).toEqual([]);
  const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
  expect(parseRevokedVersions(`${uuid} ${uuid.toUpperCase()}`)).toEqual([uuid, uuid.toUpperCase()]);
});

test('rule: only ids of 1-64 letters, digits and hyphens count; anything else is dropped, not taken for a version', () => {
  const max = 'v'.repeat(64);
  expect(parseRevokedVersions(`${max} ${'v'.repeat(65)} ok`)).toEqual([max, 'ok']);
  expect(parseRevokedVersions('a,b a;b a/b a_b é ok-1 *')).toEqual(['ok-1']);
  expect(parseRevokedVersions('xok ok. .ok')).toEqual(['xok']);
});

test('rule: a value that is not a string (absent attribute, number, list, set) holds no revoked version', () => {
  for (const value of [undefined, null, 42, ['v1'], new Set(['v1']), { S: 'v1' }])
    expect(parseRevokedVersions(value)).toEqual([]);
});

test('rule: a record read twice, or re-written with the same ids, reads the same (publishing is idempotent)', () => {
  const ids = ['v1', 'v2'];
  const stored = ids.join(' ');
  expect(parseRevokedVersions(stored)).toEqual(ids);
  expect(parseRevokedVersions(parseRevokedVersions(stored).join(' '))).toEqual(ids);
});
