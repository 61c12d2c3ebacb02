/** Generated key material never appears in a log line, an error message or a metric. */
import { BOOTSTRAP_SECRET_VALUE } from '../../lambdas/core/constants';
import { parseSecretContent } from '../../lambdas/core/stored-key';
import { deps, handler } from '../helpers/rotate-handler';
import { deployedRegistry } from '../helpers/registry';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager, throttling, timeout } from '../helpers/secrets-manager-fake';

const sm = new FakeSecretsManager();
beforeEach(() => {
  deps.registry = deployedRegistry(sm);
});
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

test('no key, and no fragment of one, reaches output or errors across rotations and failures', async () => {
  const output = captureOutput();
  const errors: string[] = [];
  const run = async (event: Record<string, unknown>) => {
    try {
      await handler(event, lambdaContext());
    } catch (error) {
      errors.push(
        `${(error as Error).name}: ${(error as Error).message} ${String((error as Error).cause ?? '')}`,
      );
    }
  };
  try {
    const s = sm.addSecret('keyturn/prod/billing-api', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags(),
    });
    for (let i = 0; i < 3; i++) {
      const token = sm.beginRotation(s.arn);
      sm.faults.push({ command: 'PutSecretValue', when: 'after', error: timeout() });
      sm.faults.push({ command: 'GetSecretValue', when: 'before', error: throttling() });
      for (const Step of STEPS) await run({ Step, SecretId: s.arn, ClientRequestToken: token });
      for (const Step of STEPS) await run({ Step, SecretId: s.arn, ClientRequestToken: token });
    }
    // A corrupted pending value (a raw key where JSON belongs) must not be echoed either.
    const token = sm.beginRotation(s.arn);
    sm.find(s.arn).versions.get(token)!.value = 'kt_live_rawvaluethatmustnotleak0000000000000';
    for (const Step of STEPS) await run({ Step, SecretId: s.arn, ClientRequestToken: token });
  } finally {
    output.restore();
  }

  const keys = sm.allValues().flatMap((value) => {
    const parsed = parseSecretContent(value);
    if (parsed.ok && parsed.content.kind === 'key') return [parsed.content.key.key];
    return parsed.ok ? [] : [value];
  });
  expect(keys.length).toBeGreaterThanOrEqual(4);
  expect(errors.length).toBeGreaterThan(0);
  const haystack = output.text() + '\n' + errors.join('\n');
  expect(haystack).toContain('RotationStepSucceeded'); // the capture really holds logs and metrics
  for (const key of keys) {
    // The key's random body, whole or as any 16-character window, is nowhere.
    const body = key.replace(/^[a-z0-9]+_(?:[a-z0-9]+_)?/, '');
    for (let i = 0; i + 16 <= body.length; i += 4) expect(haystack).not.toContain(body.slice(i, i + 16));
  }
});
