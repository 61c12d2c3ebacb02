/**
 * Every filter and event pattern of lib/monitoring/patterns.ts, evaluated against tables of sample CloudTrail
 * records: records that must match, and records that must not (allowed reader, unmanaged secret, successful call).
 */
import {
  MAX_FILTER_PATTERN_LENGTH,
  deniedCallsPattern,
  destructiveChangesEventPattern,
  destructiveKmsChangesPattern,
  destructiveSecretChangesPattern,
  managedSecretReadsPattern,
  managedSecretReadsEventPattern,
  rotationProblemsEventPattern,
  tamperWritesEventPattern,
  trailTamperingPattern,
} from '../../lib/monitoring/patterns';
import * as s from './cloudtrail-samples';
import { eventMatches } from './event-pattern-evaluator';
import { compileFilterPattern, filterMatches } from './filter-pattern-evaluator';

type Row = [label: string, record: s.Record_, expected: boolean];
let triedRecords = 0;
afterAll(() => {
  // The closing note quotes this figure.
  process.stdout.write(`sample records tried against patterns: ${triedRecords}\n`);
});

function table(pattern: string | Record<string, unknown>, rows: Row[]) {
  const named = rows.map(
    ([label, record, expected]) =>
      [`${label} → ${expected ? 'matches' : 'no match'}`, record, expected] as Row,
  );
  test.each(named)('%s', (_label, record, expected) => {
    triedRecords++;
    const matched =
      typeof pattern === 'string' ? filterMatches(pattern, record) : eventMatches(pattern, record);
    expect(matched).toBe(expected);
  });
}

describe('denied calls filter: managed secrets and the pipeline KMS key', () => {
  const p = deniedCallsPattern(s.PREFIX, s.KMS_KEY_ARN);
  table(p, [
    [
      'GetSecretValue AccessDenied by name',
      s.secretCall('GetSecretValue', s.SECRET_NAME, { errorCode: 'AccessDenied' }),
      true,
    ],
    [
      'GetSecretValue AccessDenied by full ARN',
      s.secretCall('GetSecretValue', s.SECRET_ARN, { errorCode: 'AccessDenied' }),
      true,
    ],
    [
      'PutSecretValue AccessDeniedException',
      s.secretCall('PutSecretValue', s.SECRET_NAME, { errorCode: 'AccessDeniedException' }),
      true,
    ],
    [
      'DeleteSecret Client.UnauthorizedOperation',
      s.secretCall('DeleteSecret', s.SECRET_ARN, { errorCode: 'Client.UnauthorizedOperation' }),
      true,
    ],
    [
      'KMS Decrypt AccessDenied on our key',
      s.kmsCall('Decrypt', s.KMS_KEY_ARN, { errorCode: 'AccessDenied' }),
      true,
    ],
    [
      'KMS Decrypt InvalidCiphertextException on our key',
      s.kmsCall('Decrypt', s.KMS_KEY_ARN, { errorCode: 'InvalidCiphertextException' }),
      true,
    ],
    ['successful GetSecretValue (no error)', s.secretCall('GetSecretValue', s.SECRET_NAME), false],
    [
      'denied read of an unmanaged secret',
      s.secretCall('GetSecretValue', s.UNMANAGED_SECRET_ARN, { errorCode: 'AccessDenied' }),
      false,
    ],
    [
      'ResourceNotFoundException on a managed secret is not a denial',
      s.secretCall('GetSecretValue', s.SECRET_NAME, { errorCode: 'ResourceNotFoundException' }),
      false,
    ],
    [
      'KMS Decrypt AccessDenied on another key',
      s.kmsCall('Decrypt', s.OTHER_KMS_KEY_ARN, { errorCode: 'AccessDenied' }),
      false,
    ],
    ['successful KMS Decrypt on our key', s.kmsCall('Decrypt', s.KMS_KEY_ARN), false],
  ]);
});

describe('destructive secret changes filter', () => {
  const p = destructiveSecretChangesPattern(s.PREFIX);
  table(p, [
    ...[
      'DeleteSecret',
      'PutResourcePolicy',
      'DeleteResourcePolicy',
      'CancelRotateSecret',
      'RemoveRegionsFromReplication',
    ].map((name): Row => [`${name} of a managed secret`, s.secretCall(name, s.SECRET_ARN), true]),
    [
      'UpdateSecret moving the KMS key',
      s.secretCall('UpdateSecret', s.SECRET_NAME, {}, { kmsKeyId: s.OTHER_KMS_KEY_ARN }),
      true,
    ],
    [
      'UpdateSecret of the description only',
      s.secretCall('UpdateSecret', s.SECRET_NAME, {}, { description: 'x' }),
      false,
    ],
    ['DeleteSecret of an unmanaged secret', s.secretCall('DeleteSecret', s.UNMANAGED_SECRET_ARN), false],
    [
      'DeleteSecret that was denied (the denied alarm sees it)',
      s.secretCall('DeleteSecret', s.SECRET_ARN, { errorCode: 'AccessDenied' }),
      false,
    ],
    ['GetSecretValue of a managed secret', s.secretCall('GetSecretValue', s.SECRET_NAME), false],
  ]);
});

describe('destructive KMS changes filter', () => {
  const p = destructiveKmsChangesPattern(s.KMS_KEY_ARN);
  table(p, [
    ['DisableKey of our key', s.kmsCall('DisableKey', s.KMS_KEY_ARN), true],
    ['ScheduleKeyDeletion of our key', s.kmsCall('ScheduleKeyDeletion', s.KMS_KEY_ARN), true],
    ['DisableKey of another key', s.kmsCall('DisableKey', s.OTHER_KMS_KEY_ARN), false],
    [
      'ScheduleKeyDeletion of our key, denied',
      s.kmsCall('ScheduleKeyDeletion', s.KMS_KEY_ARN, { errorCode: 'AccessDeniedException' }),
      false,
    ],
    ['EnableKey of our key', s.kmsCall('EnableKey', s.KMS_KEY_ARN), false],
  ]);
});

describe('trail tampering filter', () => {
  const p = trailTamperingPattern(s.TRAIL_NAME);
  table(p, [
    ['StopLogging by name', s.trailCall('StopLogging', s.TRAIL_NAME), true],
    ['DeleteTrail by ARN', s.trailCall('DeleteTrail', s.TRAIL_ARN), true],
    ['StopLogging of another trail', s.trailCall('StopLogging', 'other-trail'), false],
    [
      'StopLogging of a trail whose name only starts alike',
      s.trailCall('StopLogging', `${s.TRAIL_NAME}-2`),
      false,
    ],
    ['StartLogging of our trail', s.trailCall('StartLogging', s.TRAIL_NAME), false],
    ['StopLogging denied', s.trailCall('StopLogging', s.TRAIL_NAME, { errorCode: 'AccessDenied' }), false],
  ]);
});

describe('managed secret reads filter (anomaly metric)', () => {
  const p = managedSecretReadsPattern(s.PREFIX);
  table(p, [
    ['GetSecretValue by name', s.secretCall('GetSecretValue', s.SECRET_NAME), true],
    ['GetSecretValue by full ARN', s.secretCall('GetSecretValue', s.SECRET_ARN), true],
    [
      'GetSecretValue by partial ARN',
      s.secretCall('GetSecretValue', `${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}`),
      true,
    ],
    ['GetSecretValue of an unmanaged secret', s.secretCall('GetSecretValue', s.UNMANAGED_SECRET_ARN), false],
    [
      'denied GetSecretValue (counted as denied, not as a read)',
      s.secretCall('GetSecretValue', s.SECRET_NAME, { errorCode: 'AccessDenied' }),
      false,
    ],
    ['DescribeSecret of a managed secret', s.secretCall('DescribeSecret', s.SECRET_NAME), false],
  ]);
});

describe('rotation failures event rule: aRN (before Feb 2024) and arn', () => {
  const p = rotationProblemsEventPattern(`${s.PARTIAL_ARN_PREFIX}${s.PREFIX}`);
  table(p, [
    ['RotationFailed with aRN', s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'aRN'), true],
    ['RotationFailed with arn', s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'arn'), true],
    ['RotationAbandoned with arn', s.rotationServiceEvent('RotationAbandoned', s.SECRET_ARN, 'arn'), true],
    ['RotationSucceeded', s.rotationServiceEvent('RotationSucceeded', s.SECRET_ARN, 'arn'), false],
    [
      'RotationFailed of an unmanaged secret',
      s.rotationServiceEvent('RotationFailed', s.UNMANAGED_SECRET_ARN, 'arn'),
      false,
    ],
  ]);
});

describe('destructive changes event rule', () => {
  const p = destructiveChangesEventPattern(s.PREFIX, `${s.PARTIAL_ARN_PREFIX}${s.PREFIX}`, s.KMS_KEY_ARN, {
    name: s.TRAIL_NAME,
    arn: s.TRAIL_ARN,
  });
  table(p, [
    ['DeleteSecret by name', s.asEvent(s.secretCall('DeleteSecret', s.SECRET_NAME)), true],
    ['PutResourcePolicy by ARN', s.asEvent(s.secretCall('PutResourcePolicy', s.SECRET_ARN)), true],
    [
      'UpdateSecret with a new KMS key',
      s.asEvent(s.secretCall('UpdateSecret', s.SECRET_NAME, {}, { kmsKeyId: 'alias/x' })),
      true,
    ],
    ['ScheduleKeyDeletion of our key', s.asEvent(s.kmsCall('ScheduleKeyDeletion', s.KMS_KEY_ARN)), true],
    ['DeleteTrail of our trail by ARN', s.asEvent(s.trailCall('DeleteTrail', s.TRAIL_ARN)), true],
    ['StopLogging of our trail by plain name', s.asEvent(s.trailCall('StopLogging', s.TRAIL_NAME)), true],
    ['StopLogging of another trail', s.asEvent(s.trailCall('StopLogging', 'someone-elses-trail')), false],
    [
      'UpdateSecret without a KMS key',
      s.asEvent(s.secretCall('UpdateSecret', s.SECRET_NAME, {}, { description: 'x' })),
      false,
    ],
    [
      'DeleteSecret of an unmanaged secret',
      s.asEvent(s.secretCall('DeleteSecret', s.UNMANAGED_SECRET_ARN)),
      false,
    ],
    [
      'DeleteSecret denied',
      s.asEvent(s.secretCall('DeleteSecret', s.SECRET_NAME, { errorCode: 'AccessDenied' })),
      false,
    ],
    ['DisableKey of another key', s.asEvent(s.kmsCall('DisableKey', s.OTHER_KMS_KEY_ARN)), false],
  ]);
});

const KEYTURN_ROLE = `arn:aws:iam::${s.ACCOUNT}:role/Keyturn-PipelineRotateRole-ABC`;
const DEPLOY_ROLE = `arn:aws:iam::${s.ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${s.ACCOUNT}-${s.REGION}`;
const ARN_PREFIX = `${s.PARTIAL_ARN_PREFIX}${s.PREFIX}`;

describe("managed secret reads event rule (one for the prefix; allowed readers are the notify function's call)", () => {
  const p = managedSecretReadsEventPattern(s.PREFIX, ARN_PREFIX, [KEYTURN_ROLE]);
  const read = (id: string, identity: s.Record_) =>
    s.asEvent(s.secretCall('GetSecretValue', id, { identity }));
  table(p, [
    ['read by an unknown role', read(s.SECRET_NAME, s.roleIdentity('intern-sandbox')), true],
    ['read by full ARN by an IAM user', read(s.SECRET_ARN, s.userIdentity('mallory')), true],
    ['read by the root user', read(s.SECRET_NAME, s.ROOT_IDENTITY), true],
    ['read by partial ARN', read(`${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}`, s.roleIdentity('x')), true],
    ['read of another managed key', read(s.OTHER_SECRET_ARN, s.roleIdentity('intern-sandbox')), true],
    [
      'read by a consumer role (allowed or not: the notify function decides)',
      read(s.SECRET_NAME, s.roleIdentity('billing-service')),
      true,
    ],
    [
      "read by keyturn's own role",
      read(s.SECRET_NAME, s.roleIdentity('Keyturn-PipelineRotateRole-ABC')),
      false,
    ],
    ['read of an unmanaged secret', read(s.UNMANAGED_SECRET_ARN, s.roleIdentity('intern-sandbox')), false],
    [
      'DescribeSecret by an unknown role',
      s.asEvent(s.secretCall('DescribeSecret', s.SECRET_NAME, { identity: s.roleIdentity('x') })),
      false,
    ],
  ]);
});

describe('tamper writes event rule: create, tag, untag, put value, rotate by anyone but keyturn and deploy', () => {
  const p = tamperWritesEventPattern(s.PREFIX, ARN_PREFIX, [KEYTURN_ROLE, DEPLOY_ROLE]);
  const write = (name: string, id: string, identity: s.Record_, extra: Partial<s.CallOptions> = {}) =>
    s.asEvent(s.secretCall(name, id, { identity, ...extra }));
  const create = (secretName: string, identity: s.Record_) =>
    s.asEvent(
      s.apiCall({
        source: 'secretsmanager.amazonaws.com',
        name: 'CreateSecret',
        params: { name: secretName, kmsKeyId: 'alias/aws/secretsmanager' },
        identity,
      }),
    );
  table(p, [
    ['CreateSecret under the prefix by an outsider', create('keyturn/x/evil', s.roleIdentity('dev')), true],
    ['CreateSecret by an IAM user', create('keyturn/prod/planted', s.userIdentity('mallory')), true],
    ['TagResource by an outsider', write('TagResource', s.SECRET_ARN, s.roleIdentity('dev')), true],
    ['UntagResource by an outsider', write('UntagResource', s.SECRET_NAME, s.roleIdentity('dev')), true],
    ['PutSecretValue by an outsider', write('PutSecretValue', s.SECRET_NAME, s.roleIdentity('dev')), true],
    ['RotateSecret by root', write('RotateSecret', s.SECRET_ARN, s.ROOT_IDENTITY), true],
    [
      "PutSecretValue by keyturn's rotate role",
      write('PutSecretValue', s.SECRET_ARN, s.roleIdentity('Keyturn-PipelineRotateRole-ABC')),
      false,
    ],
    [
      'CreateSecret by the deploy role',
      create('keyturn/prod/new-key', s.roleIdentity(`cdk-hnb659fds-cfn-exec-role-${s.ACCOUNT}-${s.REGION}`)),
      false,
    ],
    ['CreateSecret outside the prefix', create('app/db-password', s.roleIdentity('dev')), false],
    [
      'TagResource denied',
      write('TagResource', s.SECRET_ARN, s.roleIdentity('dev'), { errorCode: 'AccessDenied' }),
      false,
    ],
    [
      "DeleteSecret (the destructive rule's)",
      write('DeleteSecret', s.SECRET_ARN, s.roleIdentity('dev')),
      false,
    ],
  ]);
});

describe('pattern limits', () => {
  test('every filter pattern stays under CloudWatch Logs 1024 characters with long prefixes and ARNs', () => {
    const prefix = 'a-long-organisation-prefix/';
    const keyArn = `arn:aws-us-gov:kms:us-gov-west-1:${s.ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    for (const p of [
      deniedCallsPattern(prefix, keyArn),
      destructiveSecretChangesPattern(prefix),
      destructiveKmsChangesPattern(keyArn),
      trailTamperingPattern('a-trail-name-of-the-organisation-that-is-rather-long-indeed-0123456789'),
      managedSecretReadsPattern(prefix),
    ]) {
      expect(p.length).toBeLessThanOrEqual(MAX_FILTER_PATTERN_LENGTH);
      expect(() => compileFilterPattern(p)).not.toThrow();
    }
  });

  test('the evaluator refuses syntax outside its subset instead of guessing', () => {
    expect(() => compileFilterPattern('{ $.a > 3 }')).toThrow(/unsupported syntax/);
    expect(() => compileFilterPattern('ERROR')).toThrow(/JSON filter patterns/);
  });
});
