/**
 * Rules of event classification (lambdas/core/notify/classify.ts): every destructive and tamper call the rules
 * deliver is recognised as such, the secret and resource come from the fields AWS uses for each call, the principal
 * and the reader identity from the caller, defaults for missing fields, and anything else is refused with a typed
 * error that says why.
 */
import { classifyEvent, UnrecognisedEventError } from '../../lambdas/core/notify/classify';
import * as s from '../monitoring/cloudtrail-samples';

const DESTRUCTIVE_SECRET_CALLS = [
  'DeleteSecret',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'CancelRotateSecret',
  'RemoveRegionsFromReplication',
  'UpdateSecret',
];
const TAMPER_CALLS = ['TagResource', 'UntagResource', 'PutSecretValue', 'RotateSecret'];

function refusal(event: unknown): UnrecognisedEventError {
  try {
    classifyEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(UnrecognisedEventError);
    return error as UnrecognisedEventError;
  }
  throw new Error('classified, expected a refusal');
}

describe('rule: every call the rules deliver is recognised as its kind', () => {
  test.each(DESTRUCTIVE_SECRET_CALLS)(
    'rule: %s on a secret is a destructive change naming the secret',
    (name) => {
      const i = classifyEvent(s.asEvent(s.secretCall(name, s.SECRET_ARN)));
      expect(i).toMatchObject({ kind: 'destructive-change', eventName: name, secretId: s.SECRET_ARN });
      expect(i.resource).toBeUndefined();
    },
  );

  test.each(['DisableKey', 'ScheduleKeyDeletion'])(
    'rule: %s is a destructive change naming the KMS key ARN',
    (name) => {
      const i = classifyEvent(s.asEvent(s.kmsCall(name, s.KMS_KEY_ARN)));
      expect(i).toMatchObject({ kind: 'destructive-change', resource: s.KMS_KEY_ARN });
      expect(i.secretId).toBeUndefined();
    },
  );

  test('rule: a KMS call without resources names the key by its id', () => {
    const event = s.asEvent(s.kmsCall('DisableKey', s.KMS_KEY_ARN, { resources: undefined }));
    delete (event.detail as s.Record_).resources;
    expect(classifyEvent(event).resource).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
    // resources that are not a list are ignored, not a crash.
    (event.detail as s.Record_).resources = { ARN: 'x' };
    expect(classifyEvent(event).resource).toBe('1234abcd-12ab-34cd-56ef-1234567890ab');
  });

  test.each(['StopLogging', 'DeleteTrail'])('rule: %s is a destructive change naming the trail', (name) => {
    expect(classifyEvent(s.asEvent(s.trailCall(name, s.TRAIL_ARN)))).toMatchObject({
      kind: 'destructive-change',
      resource: s.TRAIL_ARN,
    });
  });

  test.each(TAMPER_CALLS)('rule: %s is a tamper write naming the secret', (name) => {
    expect(classifyEvent(s.asEvent(s.secretCall(name, s.SECRET_ARN)))).toMatchObject({
      kind: 'tamper-write',
      eventName: name,
      secretId: s.SECRET_ARN,
    });
  });

  test('rule: CreateSecret is a tamper write naming the new secret from its name', () => {
    const event = s.asEvent(
      s.apiCall({
        source: 'secretsmanager.amazonaws.com',
        name: 'CreateSecret',
        params: { name: 'keyturn/x' },
      }),
    );
    expect(classifyEvent(event)).toMatchObject({ kind: 'tamper-write', secretId: 'keyturn/x' });
  });

  test('rule: GetSecretValue is an unexpected read naming the secret as the caller wrote it', () => {
    expect(classifyEvent(s.asEvent(s.secretCall('GetSecretValue', s.SECRET_NAME)))).toMatchObject({
      kind: 'unexpected-read',
      secretId: s.SECRET_NAME,
    });
  });

  test('rule: RotationFailed and RotationAbandoned name the secret from arn, else aRN', () => {
    expect(classifyEvent(s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'aRN'))).toMatchObject({
      kind: 'rotation-failed',
      secretId: s.SECRET_ARN,
    });
    expect(classifyEvent(s.rotationServiceEvent('RotationAbandoned', s.SECRET_ARN, 'aRN'))).toMatchObject({
      kind: 'rotation-abandoned',
      secretId: s.SECRET_ARN,
    });
    const both = s.rotationServiceEvent('RotationFailed', s.SECRET_ARN, 'arn');
    (both.detail as { additionalEventData: s.Record_ }).additionalEventData.aRN = s.OTHER_SECRET_ARN;
    expect(classifyEvent(both).secretId).toBe(s.SECRET_ARN);
  });

  test('rule: an empty secret id is no secret id', () => {
    expect(classifyEvent(s.asEvent(s.secretCall('GetSecretValue', ''))).secretId).toBeUndefined();
    expect(classifyEvent(s.asEvent(s.secretCall('DeleteSecret', ''))).secretId).toBeUndefined();
  });
});

describe('rule: who did it, and the identity the allowed-readers decision reads', () => {
  test('rule: an assumed role is reported by its role, with type, session ARN and issuer kept', () => {
    const i = classifyEvent(
      s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN, { identity: s.roleIdentity('app') })),
    );
    expect(i.principal).toBe(`arn:aws:iam::${s.ACCOUNT}:role/app`);
    expect(i.identity).toEqual({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${s.ACCOUNT}:assumed-role/app/i-0abc`,
      issuerArn: `arn:aws:iam::${s.ACCOUNT}:role/app`,
    });
  });

  test('rule: without a session issuer the caller ARN, then the invoking service, then the type, then "unknown principal"', () => {
    const as = (identity: s.Record_) =>
      classifyEvent(s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN, { identity })));
    expect(as(s.userIdentity('ci/deployer')).principal).toBe(`arn:aws:iam::${s.ACCOUNT}:user/ci/deployer`);
    expect(as(s.userIdentity('ci/deployer')).identity).toEqual({
      type: 'IAMUser',
      arn: `arn:aws:iam::${s.ACCOUNT}:user/ci/deployer`,
      issuerArn: undefined,
    });
    expect(as({ type: 'AWSService', invokedBy: 'lambda.amazonaws.com' }).principal).toBe(
      'lambda.amazonaws.com',
    );
    expect(as({ type: 'AWSAccount' }).principal).toBe('AWSAccount');
    expect(as({}).principal).toBe('unknown principal');
    expect(as({ sessionContext: { sessionIssuer: { arn: '' } }, arn: '' }).principal).toBe(
      'unknown principal',
    );
  });

  test('rule: a caller identity that is not an object is no identity', () => {
    for (const identity of [null, 'root', ['x'], 7]) {
      const event = s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN));
      (event.detail as s.Record_).userIdentity = identity;
      const i = classifyEvent(event);
      expect(i.principal).toBe('unknown principal');
      expect(i.identity).toEqual({ type: undefined, arn: undefined, issuerArn: undefined });
    }
  });
});

describe('rule: when, where, from where and which event', () => {
  test('rule: the CloudTrail fields are kept', () => {
    const event = s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN));
    expect(classifyEvent(event)).toMatchObject({
      at: '2026-11-22T10:15:00Z',
      sourceIp: '198.51.100.7',
      account: s.ACCOUNT,
      region: s.REGION,
      eventId: 'e3c6d0b2-0000-4000-8000-000000000002',
    });
  });

  test("rule: missing CloudTrail fields fall back to the envelope's, then to 'unknown'", () => {
    const event = s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN));
    const detail = event.detail as s.Record_;
    delete detail.eventTime;
    delete detail.eventID;
    delete detail.sourceIPAddress;
    expect(classifyEvent(event)).toMatchObject({ at: event.time, eventId: event.id });
    expect(classifyEvent(event).sourceIp).toBeUndefined();
    for (const field of ['time', 'id', 'account', 'region']) delete event[field];
    expect(classifyEvent(event)).toMatchObject({
      at: 'unknown time',
      eventId: 'unknown',
      account: 'unknown account',
      region: 'unknown region',
    });
  });
});

describe('rule: anything else is refused, saying why', () => {
  test('rule: the refusal is a typed error with a stable name', () => {
    const e = refusal({});
    expect(e.name).toBe('UnrecognisedEventError');
    expect(e.message).toBe('not an event the notify function handles: no detail-type or detail.eventName');
  });

  test('rule: an event without a detail-type, an event name, or with empty ones is refused', () => {
    const event = s.asEvent(s.secretCall('GetSecretValue', s.SECRET_ARN));
    expect(refusal({ ...event, 'detail-type': '' }).message).toContain('no detail-type or detail.eventName');
    expect(refusal({ ...event, 'detail-type': undefined }).message).toContain('no detail-type');
    expect(refusal({ ...event, detail: { ...(event.detail as object), eventName: '' } }).message).toContain(
      'no detail-type or detail.eventName',
    );
    for (const whole of [null, undefined, 'event', 42, [event]]) expect(refusal(whole)).toBeDefined();
  });

  test('rule: another service event, another detail-type, or another API call is refused, naming it', () => {
    expect(refusal(s.rotationServiceEvent('RotationSucceeded', s.SECRET_ARN, 'arn')).message).toContain(
      'service event RotationSucceeded',
    );
    expect(
      refusal(s.asEvent(s.secretCall('DeleteSecret', s.SECRET_ARN), 'AWS Console Sign In via CloudTrail'))
        .message,
    ).toContain('detail-type AWS Console Sign In via CloudTrail');
    expect(refusal(s.asEvent(s.secretCall('ListSecrets', s.SECRET_ARN))).message).toContain(
      'API call ListSecrets',
    );
    // A rotation event name as an API call is not a service event.
    expect(refusal(s.asEvent(s.secretCall('RotationFailed', s.SECRET_ARN))).message).toContain(
      'API call RotationFailed',
    );
    // An API call's name as a service event is not an API call.
    expect(
      refusal(s.asEvent(s.secretCall('DeleteSecret', s.SECRET_ARN), 'AWS Service Event via CloudTrail'))
        .message,
    ).toContain('service event DeleteSecret');
  });

  test('rule: hostile text in the refusal is made printable', () => {
    const e = refusal(s.asEvent(s.secretCall('List\u0000Secrets\u202e', s.SECRET_ARN)));
    expect(e.message).toContain('API call List?Secrets?');
  });
});
