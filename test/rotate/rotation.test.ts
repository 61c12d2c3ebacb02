/**
 * The rotation protocol end to end through the rotate handler and the stateful Secrets Manager fake.
 */
import { randomUUID } from 'node:crypto';
import { BOOTSTRAP_SECRET_VALUE } from '../../lambdas/core/constants';
import {
  InvalidRotationEventError,
  MalformedSecretValueError,
  PendingValueMissingError,
  RotationNotEnabledError,
  UnknownVersionError,
  VersionNotPendingError,
} from '../../lambdas/core/errors';
import { UnregisteredSecretError } from '../../lambdas/core/registry';
import { isWellFormedApiKey } from '../../lambdas/core/key-material';
import { runRotationStep } from '../../lambdas/core/rotation';
import type { IssuedKey, KeyProvider, Verification } from '../../lambdas/core/provider';
import { parseSecretContent, type StoredKey } from '../../lambdas/core/stored-key';
import { deps, handler } from '../helpers/rotate-handler';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { deployedRegistry } from '../helpers/registry';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { MALFORMED_ROTATION_EVENTS } from '../helpers/rotation-events';
import { FakeSecretsManager, timeout } from '../helpers/secrets-manager-fake';

const sm = new FakeSecretsManager();
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
let output: ReturnType<typeof captureOutput>;

beforeEach(() => {
  sm.reset();
  deps.registry = deployedRegistry(sm);
  output = captureOutput();
});
afterEach(() => output.restore());

const invoke = (Step: string, SecretId: string, ClientRequestToken: string) =>
  handler({ Step, SecretId, ClientRequestToken }, lambdaContext());

function keyOf(value: string | undefined): StoredKey {
  const parsed = parseSecretContent(value ?? '');
  if (!parsed.ok || parsed.content.kind !== 'key') throw new Error('expected a stored key');
  return parsed.content.key;
}

async function rotate(secretId: string): Promise<string> {
  const token = sm.beginRotation(secretId);
  for (const step of STEPS) await invoke(step, secretId, token);
  return token;
}

function managedSecret(value = BOOTSTRAP_SECRET_VALUE, tags = managedTags()) {
  return sm.addSecret('keyturn/prod/billing-api', { value, tags });
}

test('a full rotation leaves the new version AWSCURRENT, the old AWSPREVIOUS, and a new well-formed key', async () => {
  const s = managedSecret();
  const first = await rotate(s.arn);
  const firstKey = keyOf(sm.valueAt(s.arn, 'AWSCURRENT')).key;
  const second = await rotate(s.arn);

  expect(sm.versionWith(s.arn, 'AWSCURRENT')).toBe(second);
  expect(sm.versionWith(s.arn, 'AWSPREVIOUS')).toBe(first);
  const secondKey = keyOf(sm.valueAt(s.arn, 'AWSCURRENT'));
  expect(isWellFormedApiKey(secondKey.key, 'kt_live_')).toBe(true);
  expect(isWellFormedApiKey(firstKey, 'kt_live_')).toBe(true);
  expect(secondKey.key).not.toBe(firstKey);
  expect(secondKey.provider).toBe('self-issued');
});

test('one rotation of a self-issued key makes 7 Secrets Manager calls in one container', async () => {
  const s = managedSecret();
  await rotate(s.arn);
  expect(sm.callCount()).toBe(7);
  expect(sm.callCount('DescribeSecret')).toBe(3);
  expect(sm.callCount('PutSecretValue')).toBe(1);
  expect(sm.callCount('UpdateSecretVersionStage')).toBe(1);
});

test('every step run twice in a row ends in the same state as running it once', async () => {
  const initial = randomUUID();
  const once = sm.addSecret('keyturn/prod/once', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags(),
    versionId: initial,
  });
  const twice = sm.addSecret('keyturn/prod/twice', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags(),
    versionId: initial,
  });
  const token = randomUUID();
  sm.beginRotation(once.arn, token);
  sm.beginRotation(twice.arn, token);
  for (const step of STEPS) {
    await invoke(step, once.arn, token);
    await invoke(step, twice.arn, token);
    await invoke(step, twice.arn, token);
    const stagesOf = (arn: string) =>
      [...sm.find(arn).versions.entries()].map(([id, v]) => [id, [...v.stages].sort()]);
    expect(stagesOf(twice.arn)).toEqual(stagesOf(once.arn));
  }
  expect(sm.find(twice.arn).versions.size).toBe(2);
});

test('createSecret retried after PutSecretValue timed out (value stored) creates no second version', async () => {
  const s = managedSecret();
  const token = sm.beginRotation(s.arn);
  sm.faults.push({ command: 'PutSecretValue', when: 'after', error: timeout() });
  await expect(invoke('createSecret', s.arn, token)).rejects.toThrow('socket hang up');
  const stored = sm.find(s.arn).versions.get(token)?.value;
  expect(stored).toBeDefined();

  await invoke('createSecret', s.arn, token);
  expect(sm.find(s.arn).versions.size).toBe(2);
  expect(sm.find(s.arn).versions.get(token)?.value).toBe(stored);
});

/** A provider with side effects that counts the keys it issues, to prove a retry issues no second one. */
class CountingProvider implements KeyProvider {
  readonly kind = 'self-issued';
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = true;
  readonly issued: string[] = [];
  private readonly inner = new SelfIssuedProvider();
  async create(ctx: Parameters<KeyProvider['create']>[0]): Promise<IssuedKey> {
    const key = await this.inner.create(ctx);
    this.issued.push(key.keyId);
    return key;
  }
  verify(ctx: Parameters<KeyProvider['verify']>[0], key: StoredKey): Promise<Verification> {
    return this.inner.verify(ctx, key);
  }
  async revoke(): Promise<void> {}
}

test('createSecret retried after a lost response issues no second provider key', async () => {
  const provider = new CountingProvider();
  const rotationDeps = { ...deps, providers: new MapProviderRegistry([provider]) };
  const s = managedSecret();
  const token = sm.beginRotation(s.arn);
  const event = { Step: 'createSecret' as const, SecretId: s.arn, ClientRequestToken: token };
  sm.faults.push({ command: 'PutSecretValue', when: 'after', error: timeout() });
  await expect(runRotationStep(rotationDeps, event)).rejects.toThrow();
  await expect(runRotationStep(rotationDeps, event)).resolves.toBe('already-created');
  expect(provider.issued).toHaveLength(1);
  expect(keyOf(sm.find(s.arn).versions.get(token)?.value).keyId).toBe(provider.issued[0]);
});

describe('pre-step checks: typed errors, state unchanged', () => {
  test.each(STEPS)('%s on a secret with rotation disabled → RotationNotEnabledError', async (step) => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn);
    s.rotationEnabled = false;
    const before = sm.snapshot();
    await expect(invoke(step, s.arn, token)).rejects.toBeInstanceOf(RotationNotEnabledError);
    expect(sm.snapshot()).toEqual(before);
  });

  test.each(STEPS)('%s with a token that is not a version → UnknownVersionError', async (step) => {
    const s = managedSecret();
    sm.beginRotation(s.arn);
    const before = sm.snapshot();
    await expect(invoke(step, s.arn, randomUUID())).rejects.toBeInstanceOf(UnknownVersionError);
    expect(sm.snapshot()).toEqual(before);
  });

  test.each(STEPS)('%s with a version neither current nor pending → VersionNotPendingError', async (step) => {
    const s = managedSecret();
    const old = await rotate(s.arn);
    await rotate(s.arn); // `old` is now AWSPREVIOUS
    const before = sm.snapshot();
    await expect(invoke(step, s.arn, old)).rejects.toBeInstanceOf(VersionNotPendingError);
    expect(sm.snapshot()).toEqual(before);
  });

  test.each(STEPS)('%s with a version already AWSCURRENT does nothing', async (step) => {
    const s = managedSecret();
    const token = await rotate(s.arn);
    const before = sm.snapshot();
    await expect(invoke(step, s.arn, token)).resolves.toBe('already-current');
    expect(sm.snapshot()).toEqual(before);
  });

  test('the error names the secret and never its value', async () => {
    const s = managedSecret();
    await rotate(s.arn);
    const key = keyOf(sm.valueAt(s.arn, 'AWSCURRENT')).key;
    s.rotationEnabled = false;
    const error = await invoke('createSecret', s.arn, sm.versionWith(s.arn, 'AWSCURRENT')!).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toContain(s.arn);
    expect((error as Error).message).not.toContain(key);
  });
});

describe('out of order and half-finished rotations', () => {
  test('finishSecret before createSecret refuses to promote an empty version', async () => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn);
    const before = sm.snapshot();
    await expect(invoke('finishSecret', s.arn, token)).rejects.toBeInstanceOf(PendingValueMissingError);
    await expect(invoke('testSecret', s.arn, token)).rejects.toBeInstanceOf(PendingValueMissingError);
    expect(sm.snapshot()).toEqual(before);
  });

  test("finishSecret retried after the promotion re-arranges the old key's retirement", async () => {
    const afterPromotion = jest.fn().mockResolvedValueOnce(undefined).mockResolvedValueOnce(undefined);
    const rotationDeps = { ...deps, afterPromotion };
    const s = managedSecret();
    const first = await rotate(s.arn);
    const token = sm.beginRotation(s.arn);
    for (const Step of ['createSecret', 'testSecret', 'finishSecret', 'finishSecret'] as const) {
      await runRotationStep(rotationDeps, { Step, SecretId: s.arn, ClientRequestToken: token });
    }
    expect(afterPromotion).toHaveBeenCalledTimes(2);
    expect(afterPromotion.mock.calls.map((c) => c[1])).toEqual([first, first]);
  });

  test('a pending value that is not a keyturn key is a typed error that does not quote it', async () => {
    const s = managedSecret();
    const token = sm.beginRotation(s.arn);
    sm.find(s.arn).versions.get(token)!.value = 'kt_live_not-json-secret';
    const error = await invoke('testSecret', s.arn, token).catch((e: Error) => e);
    expect(error).toBeInstanceOf(MalformedSecretValueError);
    expect((error as Error).message).not.toContain('kt_live_not-json-secret');
  });

  test('a secret the deployment did not register is refused before anything is created', async () => {
    const s = sm.addSecret('keyturn/prod/untagged', { value: BOOTSTRAP_SECRET_VALUE, tags: {} });
    const token = sm.beginRotation(s.arn);
    const before = sm.snapshot();
    await expect(invoke('createSecret', s.arn, token)).rejects.toBeInstanceOf(UnregisteredSecretError);
    expect(sm.snapshot()).toEqual(before);
  });

  test('a tagged secret outside the managed name prefix is refused; inside it, accepted', async () => {
    const rotationDeps = { ...deps, secretPrefix: 'keyturn/' };
    const outside = sm.addSecret('other/prod/billing-api', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags(),
    });
    const token = sm.beginRotation(outside.arn);
    const event = { Step: 'createSecret' as const, SecretId: outside.arn, ClientRequestToken: token };
    await expect(runRotationStep(rotationDeps, event)).rejects.toThrow(
      /outside the managed prefix "keyturn\/"/,
    );
    const inside = managedSecret();
    const insideToken = sm.beginRotation(inside.arn);
    await expect(
      runRotationStep(rotationDeps, {
        Step: 'createSecret',
        SecretId: inside.arn,
        ClientRequestToken: insideToken,
      }),
    ).resolves.toBe('created');
  });

  test('a tagged provider the function does not know is refused', async () => {
    const s = managedSecret(BOOTSTRAP_SECRET_VALUE, managedTags({ 'keyturn:provider': 'nope' }));
    const token = sm.beginRotation(s.arn);
    await expect(invoke('createSecret', s.arn, token)).rejects.toThrow(/unknown provider "nope"/);
  });
});

describe('malformed events are rejected before any SDK call', () => {
  test.each(MALFORMED_ROTATION_EVENTS)('%s', async (_name, event) => {
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(InvalidRotationEventError);
    expect(sm.callCount()).toBe(0);
  });
});

test('logs are JSON with the token as correlation id, and metrics record step outcome and duration', async () => {
  const s = managedSecret();
  const token = await rotate(s.arn);
  const records = output.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  const logs = records.filter((r) => r.message === 'rotation step done');
  expect(logs).toHaveLength(4);
  for (const log of logs)
    expect(log).toMatchObject({ correlation_id: token, secretId: s.arn, level: 'INFO' });
  const metrics = records.filter((r) => '_aws' in r);
  expect(metrics.map((m) => m.Step)).toEqual([...STEPS]);
  for (const m of metrics) {
    expect(m.RotationStepSucceeded).toBe(1);
    expect(typeof m.RotationStepDuration).toBe('number');
  }
});
