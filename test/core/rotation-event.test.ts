import { InvalidRotationEventError } from '../../lambdas/core/errors';
import { parseRotationEvent } from '../../lambdas/core/rotation-event';
import { MALFORMED_ROTATION_EVENTS, VALID_ROTATION_EVENT as valid } from '../helpers/rotation-events';

describe('rotation event validation', () => {
  test('a well-formed event passes, RotationToken optional', () => {
    expect(parseRotationEvent(valid)).toEqual(valid);
    expect(parseRotationEvent({ ...valid, RotationToken: 'tok' }).RotationToken).toBe('tok');
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
