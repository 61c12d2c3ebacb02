/** Leak signals: the keyturn event and AWS Health's exposed-credential event parse; anything else is a typed error. */
import { HEALTH_EXPOSED_CREDENTIAL_CODES } from '../../lambdas/core/constants';
import { InvalidLeakEventError, parseLeakEvent } from '../../lambdas/core/leak/signal';
import { redactCredentials } from '../../lambdas/core/leak/redact';
import { parseLeakRequest, InvalidLeakTaskError } from '../../lambdas/leak/request';
import { healthEvent, leakEvent } from './world';

test('a keyturn "API Key Leaked" event becomes a signal', () => {
  const signal = parseLeakEvent(
    leakEvent({
      key: 'keyturn/prod/billing-api',
      where: 'repo',
      reportedBy: 'alice',
      exposedAt: '2026-11-22T08:00:00+01:00',
      keyId: 'sha256:0123abcd',
    }),
  );
  expect(signal).toEqual({
    signalId: 'evt-0001-aaaa-bbbb',
    origin: 'keyturn',
    receivedAt: '2026-11-23T09:59:00Z',
    where: 'repo',
    reportedBy: 'alice',
    // What EventBridge verified, beside the claimed free text.
    senderAccount: '111122223333',
    key: 'keyturn/prod/billing-api',
    exposedAt: '2026-11-22T07:00:00.000Z',
    keyId: 'sha256:0123abcd',
  });
});

test.each(HEALTH_EXPOSED_CREDENTIAL_CODES)('AWS Health %s becomes a signal for the access key id', (code) => {
  expect(parseLeakEvent(healthEvent('AKIAIOSFODNN7EXAMPLE', code))).toMatchObject({
    origin: 'aws-health',
    keyId: 'AKIAIOSFODNN7EXAMPLE',
    healthCode: code,
  });
});

const bad: Array<[string, unknown]> = [
  ['not an object', 'leak!'],
  ['no detail-type', { id: 'e', source: 'keyturn', time: '2026-11-23T09:59:00Z', detail: {} }],
  ['another source', { ...leakEvent({ key: 'k', where: 'w', reportedBy: 'r' }), source: 'evil' }],
  ['missing where', leakEvent({ key: 'k', reportedBy: 'r' })],
  ['unknown field', leakEvent({ key: 'k', where: 'w', reportedBy: 'r', key_material: 'x' })],
  ['key with a space', leakEvent({ key: 'billing api', where: 'w', reportedBy: 'r' })],
  ['huge where', leakEvent({ key: 'k', where: 'x'.repeat(5000), reportedBy: 'r' })],
  ['control characters', leakEvent({ key: 'k', where: 'a\u0000b', reportedBy: 'r' })],
  ['exposedAt not a time', leakEvent({ key: 'k', where: 'w', reportedBy: 'r', exposedAt: 'yesterday' })],
  [
    '__proto__ key',
    leakEvent(JSON.parse('{"key":"k","where":"w","reportedBy":"r","__proto__":{"admin":true}}')),
  ],
  [
    'Health event of another code',
    {
      ...healthEvent('AKIAIOSFODNN7EXAMPLE'),
      detail: {
        ...healthEvent('AKIAIOSFODNN7EXAMPLE').detail,
        eventTypeCode: 'AWS_EC2_MAINTENANCE_SCHEDULED',
      },
    },
  ],
  ['Health event without an access key id', healthEvent('i-0123456789abcdef0')],
];
test.each(bad)('%s → InvalidLeakEventError that quotes no value', (_name, event) => {
  let error: unknown;
  try {
    parseLeakEvent(event);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidLeakEventError);
  expect((error as Error).message).not.toMatch(/xxxxx|admin|AWS_EC2|i-0123/);
});

test('redaction takes credential-like tokens (long hex too: it is the shape of Datadog keys) and keeps URLs and words', () => {
  expect(redactCredentials('key kt_live_4fGh8JkL2mNpQrStUvWxYz0123456789ab in app.js')).toBe(
    'key [redacted] in app.js',
  );
  expect(redactCredentials('commit 0123456789abcdef0123456789abcdef01234567')).toBe('commit [redacted]');
  expect(redactCredentials('https://github.com/acme/app/blob/main/.env')).toBe(
    'https://github.com/acme/app/blob/main/.env',
  );
});

test('task requests are validated before anything runs', () => {
  expect(parseLeakRequest({ task: 'contain', event: {} })).toEqual({ task: 'contain', event: {} });
  expect(() => parseLeakRequest({ task: 'drop-tables' })).toThrow(InvalidLeakTaskError);
  expect(() => parseLeakRequest({ task: 'conclude', state: { incidentId: 1 } })).toThrow(
    InvalidLeakTaskError,
  );
  expect(() => parseLeakRequest(null)).toThrow(InvalidLeakTaskError);
});
