import { InvalidRotationEventError } from '../../lambdas/core/errors';
import { rotationTokenFor } from '../../lambdas/core/leak/steps';
import { parseRotationEvent, ROTATION_TOKEN_LENGTH } from '../../lambdas/core/rotation-event';
import { MALFORMED_ROTATION_EVENTS, VALID_ROTATION_EVENT as valid } from '../helpers/rotation-events';

describe('rotation event validation', () => {
  test('a well-formed event passes, RotationToken optional', () => {
    expect(parseRotationEvent(valid)).toEqual(valid);
    expect(parseRotationEvent({ ...valid, RotationToken: 'tok' }).RotationToken).toBe('tok');
  });

  test('a ClientRequestToken is any 32–64 character string the RotateSecret caller sent, not only a UUID', () => {
    const leakToken = rotationTokenFor('inc-20261201T131415-7c1d9a6e5f4b');
    for (const token of [
      leakToken,
      'a'.repeat(ROTATION_TOKEN_LENGTH.min),
      'Z'.repeat(ROTATION_TOKEN_LENGTH.max),
      'keyturn-cli_2026.12.01+manual:rotation',
    ]) {
      expect(parseRotationEvent({ ...valid, ClientRequestToken: token }).ClientRequestToken).toBe(token);
    }
  });

  test.each(MALFORMED_ROTATION_EVENTS)('rejects %s with InvalidRotationEventError', (_name, event, field) => {
    let caught: unknown;
    try {
      parseRotationEvent(event);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidRotationEventError);
    expect((caught as Error).name).toBe('InvalidRotationEventError');
    expect((caught as Error).message).toMatch(field);
  });
});
