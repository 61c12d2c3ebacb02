/**
 * The typed errors' rules (lambdas/core/errors.ts, lambdas/core/retirement-errors.ts): each has a stable `name`
 * (its class), keeps its `cause`, carries the ids it names as fields, and says what went wrong and, where there is
 * one, what to do, naming the secret, version or token and never a key.
 */
import {
  InvalidRotationEventError,
  KeyConfigurationError,
  KeyturnError,
  KeyVerificationError,
  MalformedSecretValueError,
  NoCurrentVersionError,
  PendingValueMissingError,
  ProviderError,
  RotationError,
  RotationNotEnabledError,
  UnknownVersionError,
  VersionNotPendingError,
} from '../../lambdas/core/errors';
import {
  InvalidRetirementRequestError,
  RetirementConfigurationError,
  RetirementError,
  RevocationFailedError,
  RevocationNotProvenError,
} from '../../lambdas/core/retirement-errors';

const S = 'keyturn/prod/billing-api';

test('rule: every error is named after its class, whatever the subclass, and keeps its cause', () => {
  const cause = new Error('underlying');
  class Custom extends KeyturnError {}
  expect(new Custom('x').name).toBe('Custom');
  expect(new KeyturnError('x', { cause })).toMatchObject({ name: 'KeyturnError', message: 'x', cause });
  expect(new RotationError(S, 'step failed', { cause })).toMatchObject({
    name: 'RotationError',
    cause,
    secretId: S,
  });
  expect(new ProviderError('iam-access-key', 'refused', true, { cause }).cause).toBe(cause);
  expect(new RetirementError(S, 'v1', 'x', { cause }).cause).toBe(cause);
  expect(new RevocationFailedError(S, 'v1', 'x', { cause }).cause).toBe(cause);
  expect(new RetirementConfigurationError('partial settings').name).toBe('RetirementConfigurationError');
});

test('rule: rotation errors name the secret, the version or token, and what to do', () => {
  const cases: Array<[RotationError, string, string]> = [
    [
      new RotationNotEnabledError(S),
      'RotationNotEnabledError',
      `Rotation is not enabled on this secret (secret ${S})`,
    ],
    [
      new UnknownVersionError(S, 't1'),
      'UnknownVersionError',
      `Version t1 is not a version of this secret (secret ${S})`,
    ],
    [
      new VersionNotPendingError(S, 't1'),
      'VersionNotPendingError',
      `Version t1 is neither AWSCURRENT nor AWSPENDING (secret ${S})`,
    ],
    [
      new NoCurrentVersionError(S),
      'NoCurrentVersionError',
      `The secret has no AWSCURRENT version (secret ${S})`,
    ],
    [
      new MalformedSecretValueError(S, 'v1', 'not JSON'),
      'MalformedSecretValueError',
      `Version v1 holds a malformed value: not JSON (secret ${S})`,
    ],
    [
      new PendingValueMissingError(S, 't1'),
      'PendingValueMissingError',
      `Version t1 has no value yet: run createSecret first (secret ${S})`,
    ],
    [
      new KeyVerificationError(S, 't1', 'HTTP 401'),
      'KeyVerificationError',
      `The pending key of version t1 was not accepted: HTTP 401 (secret ${S})`,
    ],
    [
      new KeyConfigurationError(S, 'tag keyturn:tier is missing'),
      'KeyConfigurationError',
      `Invalid keyturn configuration on the secret: tag keyturn:tier is missing (secret ${S})`,
    ],
  ];
  for (const [error, name, message] of cases) {
    expect(error).toBeInstanceOf(RotationError);
    expect([error.name, error.message, error.secretId]).toEqual([name, message, S]);
  }
});

test('rule: an invalid event or request lists every issue', () => {
  const event = new InvalidRotationEventError(['Step: required', 'SecretId: required']);
  expect([event.message, event.issues]).toEqual([
    'Invalid rotation event: Step: required; SecretId: required',
    ['Step: required', 'SecretId: required'],
  ]);
  const request = new InvalidRetirementRequestError(['secretId: required', 'versionId: required']);
  expect([request.name, request.message, request.issues]).toEqual([
    'InvalidRetirementRequestError',
    'Invalid retirement request: secretId: required; versionId: required',
    ['secretId: required', 'versionId: required'],
  ]);
});

test('rule: a provider error names the provider and says whether a retry may succeed', () => {
  const retryable = new ProviderError('api-gateway-key', 'throttled', true);
  expect([retryable.message, retryable.provider, retryable.retryable]).toEqual([
    'api-gateway-key: throttled',
    'api-gateway-key',
    true,
  ]);
  expect(new ProviderError('api-gateway-key', 'no such key', false).retryable).toBe(false);
});

test('rule: retirement errors name the secret and version, and what failed', () => {
  const failed = new RevocationFailedError(S, 'v1', 'provider refused');
  expect(failed).toBeInstanceOf(RetirementError);
  expect([failed.name, failed.message, failed.secretId, failed.versionId]).toEqual([
    'RevocationFailedError',
    `Revoking the old key failed: provider refused (secret ${S}, version v1)`,
    S,
    'v1',
  ]);
  const unproven = new RevocationNotProvenError(S, 'v1', 'the provider still accepts it');
  expect(unproven).toBeInstanceOf(RetirementError);
  expect([unproven.name, unproven.message]).toEqual([
    'RevocationNotProvenError',
    `The old key still works after revocation: the provider still accepts it (secret ${S}, version v1)`,
  ]);
});
