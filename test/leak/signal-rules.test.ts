/**
 * The rules of a leak signal (lambdas/core/leak/signal.ts), each pinned where a one-token change would break it: only
 * keyturn's own event and AWS Health's exposed-credential event are signals (any other source, or either source with
 * the other's detail-type, is refused and nothing runs); every field is bounded and shaped; what AWS verified (the
 * sender's account) is kept apart from what the sender claims; errors name the field, never its value.
 */
import { EVENTS, HEALTH_EXPOSED_CREDENTIAL_CODES } from '../../lambdas/core/constants';
import { InvalidLeakEventError, parseLeakEvent } from '../../lambdas/core/leak/signal';

const DETAIL = {
  key: 'billing-api',
  where: 'https://github.com/acme/app/blob/main/.env',
  reportedBy: 'alice',
};

function keyturnEvent(detail: Record<string, unknown> = DETAIL, envelope: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-0001',
    source: EVENTS.source,
    'detail-type': EVENTS.apiKeyLeaked,
    account: '111122223333',
    time: '2026-11-23T09:59:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...envelope,
  };
}

function healthEvent(entities: string[], code: string = 'AWS_RISK_CREDENTIALS_EXPOSED') {
  return {
    version: '0',
    id: 'health-0001',
    source: 'aws.health',
    'detail-type': 'AWS Health Event',
    account: '111122223333',
    time: '2026-11-23T09:58:00Z',
    detail: { eventTypeCode: code, affectedEntities: entities.map((entityValue) => ({ entityValue })) },
  };
}

/** The problems of the refusal, or a failure when the event was accepted. */
function problems(event: unknown): string[] {
  try {
    parseLeakEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidLeakEventError);
    expect((error as InvalidLeakEventError).name).toBe('InvalidLeakEventError');
    return (error as InvalidLeakEventError).problems;
  }
  throw new Error('the event was accepted');
}

const accepted = (event: unknown) => expect(() => parseLeakEvent(event)).not.toThrow();

test('rule: a keyturn event with only the required fields becomes a signal with no optional field set', () => {
  const signal = parseLeakEvent(keyturnEvent());
  expect(signal).toStrictEqual({
    signalId: 'evt-0001',
    origin: 'keyturn',
    receivedAt: '2026-11-23T09:59:00Z',
    where: DETAIL.where,
    reportedBy: 'alice',
    senderAccount: '111122223333',
    key: 'billing-api',
  });
});

test('rule: environment, exposedAt (in UTC) and keyId are carried when sent', () => {
  const signal = parseLeakEvent(
    keyturnEvent({
      ...DETAIL,
      environment: 'prod',
      exposedAt: '2026-11-22T08:00:00+01:00',
      keyId: 'sha256:ab',
    }),
  );
  expect(signal).toMatchObject({
    environment: 'prod',
    exposedAt: '2026-11-22T07:00:00.000Z',
    keyId: 'sha256:ab',
  });
});

test('rule: the sender account is what EventBridge recorded: absent when the event has none, 12 digits exactly', () => {
  const noAccount: Record<string, unknown> = keyturnEvent();
  delete noAccount.account;
  expect(parseLeakEvent(noAccount)).not.toHaveProperty('senderAccount');
  expect(problems(keyturnEvent(DETAIL, { account: '1111222233334' }))).toEqual([
    'account: Invalid string: must match pattern /^\\d{12}$/',
  ]);
  problems(keyturnEvent(DETAIL, { account: 'x111122223333' }));
  problems(keyturnEvent(DETAIL, { account: '11112222333x' }));
});

test('rule: any other source, or one source with the other one’s detail-type, is refused with the accepted pair named', () => {
  const guidance = [
    'source/detail-type: not a keyturn "API Key Leaked" or AWS Health exposed-credential event',
  ];
  expect(problems(keyturnEvent(DETAIL, { source: 'evil' }))).toEqual(guidance);
  expect(problems(keyturnEvent(DETAIL, { 'detail-type': 'AWS Health Event' }))).toEqual(guidance);
  expect(problems(keyturnEvent(DETAIL, { source: 'aws.health' }))).toEqual(guidance);
  expect(problems({ ...healthEvent(['AKIAIOSFODNN7EXAMPLE']), source: 'keyturn' })).toEqual(guidance);
  expect(problems({ ...healthEvent(['AKIAIOSFODNN7EXAMPLE']), 'detail-type': EVENTS.apiKeyLeaked })).toEqual(
    guidance,
  );
});

test('rule: the envelope is bounded: id 1-128, source and detail-type up to 256, time an ISO instant with an offset', () => {
  accepted(keyturnEvent(DETAIL, { id: 'e'.repeat(128) }));
  expect(problems(keyturnEvent(DETAIL, { id: 'e'.repeat(129) }))[0]).toMatch(/^id: /);
  expect(problems(keyturnEvent(DETAIL, { id: '' }))[0]).toMatch(/^id: /);
  expect(problems(keyturnEvent(DETAIL, { source: 's'.repeat(257) }))[0]).toMatch(/^source: /);
  expect(problems(keyturnEvent(DETAIL, { 'detail-type': 'd'.repeat(257) }))[0]).toMatch(/^detail-type: /);
  // At the bound the envelope parses: the pair is then what refuses it.
  expect(problems(keyturnEvent(DETAIL, { source: 's'.repeat(256) }))[0]).toMatch(/^source\/detail-type: /);
  expect(problems(keyturnEvent(DETAIL, { 'detail-type': 'd'.repeat(256) }))[0]).toMatch(
    /^source\/detail-type: /,
  );
  accepted(keyturnEvent(DETAIL, { time: '2026-11-23T10:59:00+01:00' }));
  expect(problems(keyturnEvent(DETAIL, { time: 'yesterday' }))[0]).toMatch(/^time: /);
});

test('rule: a problem names its field path with dots, each problem once', () => {
  expect(problems(keyturnEvent({ ...DETAIL, where: '', reportedBy: '' }))).toEqual([
    'detail.where: Too small: expected string to have >=1 characters',
    'detail.reportedBy: Too small: expected string to have >=1 characters',
  ]);
  // Both fields fail the same two ways: four issues, four distinct lines; the same issue twice is one line.
  expect(problems(keyturnEvent({ ...DETAIL, where: '\u0000', reportedBy: '\u0000' }))).toEqual([
    'detail.where: must not hold control or bidirectional-override characters',
    'detail.reportedBy: must not hold control or bidirectional-override characters',
  ]);
});

test('rule: where (up to 1024) and reportedBy (up to 256) are trimmed, and blank text is refused', () => {
  expect(parseLeakEvent(keyturnEvent({ ...DETAIL, where: '  repo  ', reportedBy: ' bob ' }))).toMatchObject({
    where: 'repo',
    reportedBy: 'bob',
  });
  expect(problems(keyturnEvent({ ...DETAIL, where: '   ' }))).toEqual([
    'detail.where: Too small: expected string to have >=1 characters',
  ]);
  accepted(keyturnEvent({ ...DETAIL, where: 'w'.repeat(1024), reportedBy: 'r'.repeat(256) }));
  expect(problems(keyturnEvent({ ...DETAIL, where: 'w'.repeat(1025) }))[0]).toMatch(
    /^detail\.where: Too big/,
  );
  expect(problems(keyturnEvent({ ...DETAIL, reportedBy: 'r'.repeat(257) }))[0]).toMatch(
    /^detail\.reportedBy: Too big/,
  );
});

test('rule: control and bidirectional-override characters in free text are refused, with the reason', () => {
  for (const bad of ['a\u0000b', 'line\nforged', 'a\u202eb', 'a\u2066b'])
    expect(problems(keyturnEvent({ ...DETAIL, reportedBy: bad }))).toEqual([
      'detail.reportedBy: must not hold control or bidirectional-override characters',
    ]);
});

test('rule: the key is a name, secret name or secret ARN of 1-512 allowed characters', () => {
  for (const key of [
    'billing-api',
    'keyturn/prod/billing-api',
    'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbC123',
    'a_b+c=d.e@f',
    'k'.repeat(512),
  ])
    expect(parseLeakEvent(keyturnEvent({ ...DETAIL, key })).key).toBe(key);
  for (const key of ['', 'billing api', ' billing', 'billing ', 'bill*ing', 'k'.repeat(513)])
    expect(problems(keyturnEvent({ ...DETAIL, key }))[0]).toMatch(/^detail\.key: /);
  expect(problems(keyturnEvent({ ...DETAIL, key: 'a b' }))).toEqual([
    'detail.key: must be a key name, secret name or secret ARN',
  ]);
});

test('rule: the environment is 1-64 letters, digits, _ and -', () => {
  accepted(keyturnEvent({ ...DETAIL, environment: 'e'.repeat(64) }));
  accepted(keyturnEvent({ ...DETAIL, environment: 'Prod_eu-1' }));
  for (const environment of ['', 'e'.repeat(65), 'pro d', ' prod', 'prod ', 'prod/x'])
    expect(problems(keyturnEvent({ ...DETAIL, environment }))[0]).toMatch(/^detail\.environment: /);
  expect(problems(keyturnEvent({ ...DETAIL, environment: 'a.b' }))).toEqual([
    'detail.environment: must be an environment name',
  ]);
});

test('rule: the keyId is a public id of 1-128 characters, never a value with other characters', () => {
  accepted(keyturnEvent({ ...DETAIL, keyId: 'k'.repeat(128) }));
  accepted(keyturnEvent({ ...DETAIL, keyId: 'sha256:AbC_0.9-x' }));
  for (const keyId of ['', 'k'.repeat(129), 'a b', ' ab', 'ab ', 'kt_live_x/y', 'a+b'])
    expect(problems(keyturnEvent({ ...DETAIL, keyId }))[0]).toMatch(/^detail\.keyId: /);
  expect(problems(keyturnEvent({ ...DETAIL, keyId: 'a=b' }))).toEqual([
    'detail.keyId: must be a public key id',
  ]);
});

test('rule: exposedAt is an ISO instant, with or without an offset; anything else is refused', () => {
  expect(parseLeakEvent(keyturnEvent({ ...DETAIL, exposedAt: '2026-11-22T08:00:00Z' })).exposedAt).toBe(
    '2026-11-22T08:00:00.000Z',
  );
  expect(problems(keyturnEvent({ ...DETAIL, exposedAt: '2026-11-22' }))[0]).toMatch(/^detail\.exposedAt: /);
});

test('rule: the keyturn detail accepts no field beyond its schema; the refusal names the accepted fields, not the unknown one', () => {
  expect(problems(keyturnEvent({ ...DETAIL, reportBy: 'alice' }))).toEqual([
    'detail: unknown field; the accepted fields are key, environment, where, exposedAt, reportedBy, keyId',
  ]);
});

test('rule: every AWS Health exposed-credential code is a signal for the first IAM access key id among the entities', () => {
  for (const code of HEALTH_EXPOSED_CREDENTIAL_CODES)
    expect(
      parseLeakEvent(
        healthEvent(['arn:aws:iam::111122223333:user/ci', 'AKIAIOSFODNN7EXAMPLE', 'ASIAZZZZZZZZZZZZ'], code),
      ),
    ).toStrictEqual({
      signalId: 'health-0001',
      origin: 'aws-health',
      receivedAt: '2026-11-23T09:58:00Z',
      where: `AWS Health ${code}`,
      reportedBy: 'AWS Health',
      senderAccount: '111122223333',
      keyId: 'AKIAIOSFODNN7EXAMPLE',
      healthCode: code,
    });
});

test('rule: an access key id is AKIA or ASIA and 12-124 upper-case letters or digits, nothing around it', () => {
  expect(parseLeakEvent(healthEvent(['ASIAAAAABBBBCCCC'])).keyId).toBe('ASIAAAAABBBBCCCC');
  expect(parseLeakEvent(healthEvent([`AKIA${'A'.repeat(124)}`])).keyId).toBe(`AKIA${'A'.repeat(124)}`);
  for (const id of [
    'AKIAAAAABBBBCCC',
    `AKIA${'A'.repeat(125)}`,
    'AKIDAAAABBBBCCCC',
    'xAKIAAAAABBBBCCCC',
    'AKIAAAAABBBBCCCCx',
    'AKIAAAAAbbbbCCCC',
  ])
    expect(problems(healthEvent([id]))).toEqual([
      'detail.affectedEntities: no IAM access key id among the affected entities',
    ]);
});

test('rule: an AWS Health event needs an exposed-credential code and 1-100 entities of up to 256 characters', () => {
  expect(problems(healthEvent(['AKIAIOSFODNN7EXAMPLE'], 'AWS_EC2_MAINTENANCE_SCHEDULED'))[0]).toMatch(
    /^detail\.eventTypeCode: /,
  );
  expect(problems(healthEvent([]))[0]).toMatch(/^detail\.affectedEntities: /);
  expect(parseLeakEvent(healthEvent([...Array(99).fill('i-0123'), 'AKIAIOSFODNN7EXAMPLE'])).keyId).toBe(
    'AKIAIOSFODNN7EXAMPLE',
  );
  expect(problems(healthEvent([...Array(100).fill('i-0123'), 'AKIAIOSFODNN7EXAMPLE']))[0]).toMatch(
    /^detail\.affectedEntities: /,
  );
  expect(parseLeakEvent(healthEvent(['x'.repeat(256), 'AKIAIOSFODNN7EXAMPLE'])).keyId).toBe(
    'AKIAIOSFODNN7EXAMPLE',
  );
  expect(problems(healthEvent(['x'.repeat(257), 'AKIAIOSFODNN7EXAMPLE']))[0]).toMatch(
    /^detail\.affectedEntities\.0\.entityValue: /,
  );
});

test('rule: a refusal quotes no value of the event', () => {
  const secret = 'kt_live_4fGh8JkL2mNpQrStUvWxYz0123456789ab';
  for (const event of [
    keyturnEvent({ ...DETAIL, key: `${secret} x` }),
    keyturnEvent({ ...DETAIL, keyId: `${secret}/` }),
    keyturnEvent({ ...DETAIL, where: `${secret}\u0000` }),
    keyturnEvent({ ...DETAIL, [secret]: 1 }),
    keyturnEvent(DETAIL, { source: secret }),
  ])
    expect(problems(event).join('\n')).not.toContain(secret);
});

test('rule: the refusal’s message lists every problem, so the log line alone says what to fix', () => {
  expect(() => parseLeakEvent(keyturnEvent({ ...DETAIL, where: '', key: 'a b' }))).toThrow(
    'Invalid leak event: detail.key: must be a key name, secret name or secret ARN; detail.where: Too small: expected string to have >=1 characters',
  );
});
