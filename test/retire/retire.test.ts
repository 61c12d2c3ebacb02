/**
 * The retire function, through its handler: acts only on versions that are no longer current, revokes, proves the
 * revocation, records it, and pages on-call (and throws, for the retry and DLQ) when the old key still works.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../lambdas/aws/notifier';
import { BOOTSTRAP_SECRET_VALUE, RETIREMENT_TAGS } from '../../lambdas/core/constants';
import type { Ledger, LedgerEntry } from '../../lambdas/core/ports';
import type { KeyProvider } from '../../lambdas/core/provider';
import {
  InvalidRetirementRequestError,
  RevocationFailedError,
  RevocationNotProvenError,
} from '../../lambdas/core/retirement-errors';
import { runRotationStep, type RotationDeps } from '../../lambdas/core/rotation';
import { deps, handler } from '../../lambdas/retire/handler';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { managedTags } from '../helpers/keys';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { deployedRegistry } from '../helpers/registry';
import { UnregisteredSecretError } from '../../lambdas/core/registry';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { fakeSns, installTagResource, RevocableProvider } from './fakes';

const sm = new FakeSecretsManager();
const sns = fakeSns();
const TOPICS = {
  critical: 'arn:aws:sns:eu-west-1:111122223333:critical',
  notice: 'arn:aws:sns:eu-west-1:111122223333:notice',
};
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const original = { ...deps };
let output: ReturnType<typeof captureOutput>;
let ledger: LedgerEntry[];

function useProvider(provider: KeyProvider) {
  deps.providers = new MapProviderRegistry([provider]);
}

beforeEach(() => {
  sm.reset();
  installTagResource(sm);
  sns.reset();
  ledger = [];
  const memoryLedger: Ledger = {
    append: async (entry) => {
      if (!ledger.some((e) => e.idempotencyKey === entry.idempotencyKey)) ledger.push(entry);
    },
    history: async () => ledger,
  };
  Object.assign(deps, {
    registry: deployedRegistry(sm),
    // Shared with the rotations below, as the rotate and retire functions share the ledger table.
    issuance: new MemoryIssuanceLog(),
    sleep: async () => undefined,
    ledger: memoryLedger,
    alert: (alert: Parameters<SnsNotifier['publish']>[0]) =>
      new SnsNotifier(new SNSClient({}), TOPICS).publish(alert),
  });
  output = captureOutput();
});
afterEach(() => output.restore());
afterAll(() => Object.assign(deps, original));

const retire = (event: unknown) => handler(event, lambdaContext('keyturn-retire'));

/** Two rotations: [first key version, second key version]; the second is AWSCURRENT, the first AWSPREVIOUS. */
async function twoRotations(
  provider: KeyProvider,
  tags = managedTags({ 'keyturn:provider': provider.kind }),
) {
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags });
  const rotationDeps: RotationDeps = {
    store: deps.store,
    registry: deps.registry,
    issuance: deps.issuance,
    providers: new MapProviderRegistry([provider]),
  };
  const versions: string[] = [];
  for (let i = 0; i < 2; i++) {
    const token = sm.beginRotation(s.arn);
    for (const Step of STEPS)
      await runRotationStep(rotationDeps, { Step, SecretId: s.arn, ClientRequestToken: token });
    versions.push(token);
  }
  return { arn: s.arn, old: versions[0], current: versions[1] };
}

function keyAt(arn: string, versionId: string) {
  return JSON.parse(sm.find(arn).versions.get(versionId)!.value!) as { key: string; keyId: string };
}

test('guard: a malformed request is refused with zero AWS calls', async () => {
  for (const event of [
    {},
    { secretId: 'not-an-arn', versionId: 'x' },
    { secretId: 'arn:x', versionId: '1'.repeat(36), extra: 1 },
  ]) {
    await expect(retire(event)).rejects.toBeInstanceOf(InvalidRetirementRequestError);
  }
  expect(sm.callCount()).toBe(0);
});

test('guard: a version that became AWSCURRENT again is never revoked', async () => {
  const provider = new RevocableProvider();
  useProvider(provider);
  const { arn, old, current } = await twoRotations(provider);
  // Roll back: the old version is current again.
  sm.find(arn).versions.get(old)!.stages = new Set(['AWSCURRENT']);
  sm.find(arn).versions.get(current)!.stages = new Set(['AWSPREVIOUS']);
  const before = sm.snapshot();

  await expect(retire({ secretId: arn, versionId: old })).resolves.toMatchObject({
    outcome: 'skipped-current',
  });
  expect(provider.revoked).toEqual([]);
  expect(sm.snapshot()).toEqual(before);
  expect(sm.find(arn).tags[RETIREMENT_TAGS.retiredVersion]).toBeUndefined();
});

test('rule: retire revokes the old key at the provider, proves it is refused, and records it', async () => {
  const provider = new RevocableProvider();
  useProvider(provider);
  const { arn, old, current } = await twoRotations(provider);
  const oldKey = keyAt(arn, old);

  await expect(retire({ secretId: arn, versionId: old })).resolves.toMatchObject({
    outcome: 'retired',
    keyName: 'billing-api',
  });

  expect(provider.revoked).toEqual([oldKey.keyId]);
  expect(provider.live.has(oldKey.keyId)).toBe(false);
  expect(provider.live.has(keyAt(arn, current).keyId)).toBe(true);
  expect([...sm.find(arn).versions.get(old)!.stages]).toEqual([]);
  expect(sm.versionWith(arn, 'AWSCURRENT')).toBe(current);
  expect(sm.find(arn).tags[RETIREMENT_TAGS.retiredVersion]).toBe(old);
  expect(ledger).toEqual([
    expect.objectContaining({ kind: 'retirement', outcome: 'verified-refused', versionId: old }),
  ]);
  expect(output.text()).toContain('"RetirementProven"');
  expect(sns.messages()).toEqual([]);
});

test('rule: a second run of a proven retirement does nothing', async () => {
  const provider = new RevocableProvider();
  useProvider(provider);
  const { arn, old } = await twoRotations(provider);
  await retire({ secretId: arn, versionId: old });
  await expect(retire({ secretId: arn, versionId: old })).resolves.toMatchObject({
    outcome: 'already-retired',
  });
  expect(provider.revoked).toHaveLength(1);
});

test('rule: a key the provider still accepts sends a notice and throws (retry, then the DLQ alarm pages once); no retired mark', async () => {
  const provider = new RevocableProvider();
  provider.ignoreRevoke = true;
  useProvider(provider);
  const { arn, old } = await twoRotations(provider);
  const oldKey = keyAt(arn, old);
  const verify = jest.spyOn(provider, 'verify');

  await expect(retire({ secretId: arn, versionId: old })).rejects.toBeInstanceOf(RevocationNotProvenError);

  expect(verify).toHaveBeenCalledTimes(6); // REVOCATION_PROOF_RETRY.attempts: time to propagate first
  expect(sm.find(arn).tags[RETIREMENT_TAGS.retiredVersion]).toBeUndefined();
  const [alarm] = sns.messages();
  expect(alarm).toMatchObject({
    TopicArn: TOPICS.notice,
    MessageAttributes: { kind: { StringValue: 'retirement-failed' } },
  });
  expect(alarm.Message).toContain(old);
  expect(alarm.Message).toContain(oldKey.keyId);
  for (const value of sm.allValues()) {
    const key = JSON.parse(value).key as string | undefined;
    if (!key) continue;
    expect(JSON.stringify(alarm)).not.toContain(key);
    expect(output.text()).not.toContain(key);
  }
  expect(output.text()).toContain('"RetirementFailed"');
  expect(ledger).toEqual([expect.objectContaining({ outcome: 'failed', versionId: old })]);
});

test('rule: a failed revoke raises the alarm and throws; the retry completes the retirement', async () => {
  const provider = new RevocableProvider();
  provider.failRevoke = Object.assign(new Error('Throttling: Rate exceeded'), { name: 'Throttling' });
  useProvider(provider);
  const { arn, old } = await twoRotations(provider);

  await expect(retire({ secretId: arn, versionId: old })).rejects.toBeInstanceOf(RevocationFailedError);
  expect(sns.messages()).toHaveLength(1);

  provider.failRevoke = undefined;
  await expect(retire({ secretId: arn, versionId: old })).resolves.toMatchObject({ outcome: 'retired' });
  expect(sm.find(arn).tags[RETIREMENT_TAGS.retiredVersion]).toBe(old);
});

test('rule: a self-issued key is retired by the mark itself: AWSPREVIOUS removed, tag written, no provider call', async () => {
  const provider = new SelfIssuedProvider();
  useProvider(provider);
  const { arn, old, current } = await twoRotations(provider);
  const verify = jest.spyOn(provider, 'verify');

  await expect(retire({ secretId: arn, versionId: old })).resolves.toMatchObject({ outcome: 'retired' });
  expect(verify).not.toHaveBeenCalled();
  expect(sm.versionWith(arn, 'AWSPREVIOUS')).toBeUndefined();
  expect(sm.versionWith(arn, 'AWSCURRENT')).toBe(current);
  expect(sm.find(arn).tags[RETIREMENT_TAGS.retiredVersion]).toBe(old);
});

test('rule: a version holding no key (bootstrap placeholder) needs no revocation', async () => {
  const provider = new RevocableProvider();
  useProvider(provider);
  const s = sm.addSecret('keyturn/prod/billing-api', {
    value: BOOTSTRAP_SECRET_VALUE,
    tags: managedTags({ 'keyturn:provider': provider.kind }),
  });
  const bootstrap = sm.versionWith(s.arn, 'AWSCURRENT')!;
  const token = sm.beginRotation(s.arn);
  for (const Step of STEPS)
    await runRotationStep(
      { store: deps.store, registry: deps.registry, providers: deps.providers },
      { Step, SecretId: s.arn, ClientRequestToken: token },
    );

  await expect(retire({ secretId: s.arn, versionId: bootstrap })).resolves.toMatchObject({
    outcome: 'no-key',
  });
  expect(provider.revoked).toEqual([]);
  expect(sm.versionWith(s.arn, 'AWSPREVIOUS')).toBeUndefined();
});

test('rule: a secret the deployment did not register is refused with a notice and throws; nothing is revoked', async () => {
  const provider = new RevocableProvider();
  useProvider(provider);
  const s = sm.addSecret('keyturn/prod/unmanaged', { value: BOOTSTRAP_SECRET_VALUE, tags: {} });
  await expect(retire({ secretId: s.arn, versionId: sm.versionWith(s.arn, 'AWSCURRENT')! })).rejects.toThrow(
    UnregisteredSecretError,
  );
  expect(sns.messages()).toHaveLength(1);
  expect(JSON.stringify(sns.messages()[0])).toContain('refused a secret it does not manage');
  expect(provider.revoked).toEqual([]);
  expect(ledger).toEqual([]);
});
