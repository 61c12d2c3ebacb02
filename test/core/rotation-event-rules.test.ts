/**
 * The rotation event's rules (lambdas/core/rotation-event.ts) at their edges: every step Secrets Manager sends is
 * accepted, each field's bound is accepted and one past it refused, the secret id is used trimmed, and a refusal
 * lists each problem as `<field>: <expectation>` (`event` for the event itself) without echoing the value.
 */
import { InvalidRotationEventError } from '../../lambdas/core/errors';
import { parseRotationEvent } from '../../lambdas/core/rotation-event';
import { VALID_ROTATION_EVENT as valid } from '../helpers/rotation-events';

function issuesOf(event: unknown): string[] {
  try {
    parseRotationEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRotationEventError);
    return (error as InvalidRotationEventError).issues;
  }
  return [];
}
const fieldsOf = (event: unknown) => issuesOf(event).map((issue) => issue.slice(0, issue.indexOf(':')));

describe('rule: the event Secrets Manager sends is accepted, at every bound', () => {
  test.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])('step %s is accepted', (Step) => {
    expect(parseRotationEvent({ ...valid, Step }).Step).toBe(Step);
  });

  test('a secret id of 2048 characters is accepted, 2049 refused', () => {
    expect(issuesOf({ ...valid, SecretId: 's'.repeat(2048) })).toEqual([]);
    expect(fieldsOf({ ...valid, SecretId: 's'.repeat(2049) })).toEqual(['SecretId']);
  });

  test('the secret id is used trimmed: surrounding blanks do not make another secret', () => {
    expect(parseRotationEvent({ ...valid, SecretId: `  ${valid.SecretId}\t` }).SecretId).toBe(valid.SecretId);
  });

  test('a RotationToken of 1 to 256 characters is passed on; empty or 257 is refused', () => {
    expect(parseRotationEvent({ ...valid, RotationToken: 'r' }).RotationToken).toBe('r');
    expect(parseRotationEvent({ ...valid, RotationToken: 'r'.repeat(256) }).RotationToken).toHaveLength(256);
    expect(fieldsOf({ ...valid, RotationToken: '' })).toEqual(['RotationToken']);
    expect(fieldsOf({ ...valid, RotationToken: 'r'.repeat(257) })).toEqual(['RotationToken']);
  });

  test('a token with a tab or a DEL character is refused like any control character', () => {
    for (const bad of ['\t', '\u007f', '\u2066']) {
      expect(issuesOf({ ...valid, ClientRequestToken: `${'a'.repeat(40)}${bad}` })).toEqual([
        'ClientRequestToken: must not contain control or bidi characters',
      ]);
    }
  });
});

describe('rule: a refusal names each field and expectation, never the value', () => {
  test('every problem of the event is listed, each as <field>: <expectation>', () => {
    const issues = issuesOf({ ...valid, Step: 'deleteSecret', SecretId: '' });
    expect(issues.map((i) => i.split(': ')[0])).toEqual(['Step', 'SecretId']);
    for (const issue of issues) expect(issue).toMatch(/^\w+: \S/);
  });

  test('an event that is no object is refused as `event`, and the message joins the issues', () => {
    let error: InvalidRotationEventError | undefined;
    try {
      parseRotationEvent('createSecret');
    } catch (e) {
      error = e as InvalidRotationEventError;
    }
    expect(error?.issues).toHaveLength(1);
    expect(error?.issues[0]).toMatch(/^event: \S/);
    expect(error?.message).toBe(`Invalid rotation event: ${error?.issues[0]}`);
  });

  test('a refused token is not echoed (it becomes the log correlation id)', () => {
    const hostile = `${'a'.repeat(32)}\n{"level":"ERROR","msg":"forged"}`;
    const issues = issuesOf({ ...valid, ClientRequestToken: hostile });
    expect(issues.join(' ')).not.toContain('forged');
  });
});
