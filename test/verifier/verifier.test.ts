/**
 * The verifier consumers embed: accepts AWSCURRENT and (until retired) AWSPREVIOUS, rejects malformed keys with no
 * AWS call, refreshes at most once per interval, serves a cached set through a Secrets Manager outage, compares in
 * constant time, and measures per key.
 */
import * as crypto from 'node:crypto';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateApiKey } from '../../lambdas/core/key-material';
import { BOOTSTRAP_SECRET_VALUE } from '../../lambdas/core/constants';
import { retireVersion } from '../../lambdas/core/retire';
import { runRotationStep } from '../../lambdas/core/rotation';
import { SecretsManagerRetirementMarks } from '../../lambdas/aws/retirement-marks';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { ApiKeyVerifier, PowertoolsVerifierMetrics, type VerifierMetricName } from '../../lambdas/verifier';
import { MemoryIssuanceLog } from '../helpers/issuance';
import { managedTags } from '../helpers/keys';
import { captureOutput } from '../helpers/lambda';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { installTagResource } from '../retire/fakes';

// node:crypto's exports cannot be spied on in place: wrap timingSafeEqual (real behaviour) to observe its calls.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const sm = new FakeSecretsManager();
const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));
const providers = new MapProviderRegistry([new SelfIssuedProvider()]);
const registry = deployedRegistry(sm);
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const TTL = 300_000;
const INTERVAL = 30_000;

let clock: number;
let counted: Array<[VerifierMetricName, string]>;

beforeEach(() => {
  sm.reset();
  installTagResource(sm);
  clock = Date.parse('2026-03-01T10:00:00Z');
  counted = [];
});

async function rotate(arn: string): Promise<string> {
  const token = sm.beginRotation(arn);
  for (const Step of STEPS)
    await runRotationStep({ store, providers, registry }, { Step, SecretId: arn, ClientRequestToken: token });
  return token;
}

/** A managed self-issued key rotated twice: the second key is AWSCURRENT, the first AWSPREVIOUS (overlap). */
async function keyInOverlap() {
  const s = sm.addSecret('keyturn/prod/billing-api', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  const old = await rotate(s.arn);
  const current = await rotate(s.arn);
  const keyOf = (v: string) => JSON.parse(s.versions.get(v)!.value!).key as string;
  return { arn: s.arn, old, current, oldKey: keyOf(old), currentKey: keyOf(current) };
}

function verifierFor(arn: string, options: Partial<ConstructorParameters<typeof ApiKeyVerifier>[0]> = {}) {
  return new ApiKeyVerifier({
    keys: [{ name: 'billing-api', secretId: arn, prefix: 'kt_live_' }],
    client: new SecretsManagerClient({}),
    ttlMs: TTL,
    minRefreshIntervalMs: INTERVAL,
    now: () => clock,
    metrics: { count: (metric, keyName) => counted.push([metric, keyName]) },
    ...options,
  });
}

const describes = () => sm.callCount('DescribeSecret');

test('rule: during the overlap both the current and the previous key are accepted; an unknown key is not', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  await expect(verifier.verify(k.currentKey)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
  await expect(verifier.verify(k.oldKey)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
  await expect(verifier.verify(generateApiKey('kt_live_'))).resolves.toEqual({
    valid: false,
    reason: 'unknown',
  });
  expect(counted).toEqual([
    ['KeyAccepted', 'billing-api'],
    ['KeyAccepted', 'billing-api'],
    ['KeyRejected', 'billing-api'],
  ]);
});

test('rule: after retirement the previous key is refused (and counted as a retired key presented); the current still passes', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  await expect(verifier.verify(k.oldKey)).resolves.toMatchObject({ valid: true });

  await retireVersion(
    {
      store,
      marks: new SecretsManagerRetirementMarks(new SecretsManagerClient({})),
      providers,
      registry,
      issuance: new MemoryIssuanceLog(),
    },
    { secretId: k.arn, versionId: k.old },
  );
  clock += TTL; // the cached set expires

  await expect(verifier.verify(k.oldKey)).resolves.toEqual({ valid: false, reason: 'retired' });
  await expect(verifier.verify(k.currentKey)).resolves.toMatchObject({ valid: true });
  expect(counted).toContainEqual(['RetiredKeyPresented', 'billing-api']);
});

test('rule: a malformed key (bad checksum, wrong prefix, not a string) costs zero AWS calls, even on a cold verifier', async () => {
  const k = await keyInOverlap();
  const callsBefore = sm.callCount();
  const verifier = verifierFor(k.arn);
  const flipped = k.currentKey.slice(0, -1) + (k.currentKey.endsWith('A') ? 'B' : 'A');
  for (const bad of [
    flipped,
    k.currentKey.replace('kt_live_', 'kt_test_'),
    '',
    undefined,
    42,
    'x'.repeat(10_000),
  ]) {
    await expect(verifier.verify(bad)).resolves.toEqual({ valid: false, reason: 'malformed' });
  }
  expect(sm.callCount()).toBe(callsBefore);
});

test('rule: 10,000 random bad keys cost no AWS call; 10,000 well-formed unknown keys at most one refresh per interval', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  await verifier.warm();
  const base = describes();

  for (let i = 0; i < 10_000; i++)
    await verifier.verify(`kt_live_${crypto.randomBytes(24).toString('base64url')}`);
  expect(describes()).toBe(base);

  const intervals = 5;
  const unknown = Array.from({ length: 10_000 }, () => generateApiKey('kt_live_'));
  for (let i = 0; i < unknown.length; i++) {
    if (i % (unknown.length / intervals) === 0) clock += INTERVAL; // spread the spray over 5 intervals
    await verifier.verify(unknown[i]);
  }
  expect(describes() - base).toBeLessThanOrEqual(intervals);
  expect(describes() - base).toBeGreaterThan(0); // misses did refresh, once per interval
});

test('rule: concurrent misses share one refresh (single-flight)', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  const base = describes();
  const results = await Promise.all(
    Array.from({ length: 200 }, () => verifier.verify(generateApiKey('kt_live_'))),
  );
  expect(results.every((r) => !r.valid)).toBe(true);
  expect(describes() - base).toBe(1);
});

test('rule: a key rotated in after the cache was loaded is accepted on the first miss, without waiting for the TTL', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  await verifier.warm();
  const next = await rotate(k.arn);
  clock += INTERVAL;
  const nextKey = JSON.parse(sm.find(k.arn).versions.get(next)!.value!).key;
  await expect(verifier.verify(nextKey)).resolves.toMatchObject({ valid: true });
});

test('rule: a Secrets Manager outage keeps the cached set working, up to maxStaleMs; then the verifier fails closed', async () => {
  const k = await keyInOverlap();
  const errors: string[] = [];
  const verifier = verifierFor(k.arn, {
    maxStaleMs: 3_600_000,
    onRefreshError: (e) => errors.push((e as Error).name),
  });
  await verifier.warm();
  for (let i = 0; i < 1000; i++)
    sm.faults.push({ command: 'DescribeSecret', when: 'before', error: throttling() });

  clock += TTL + 1;
  await expect(verifier.verify(k.currentKey)).resolves.toMatchObject({ valid: true });
  await expect(verifier.verify(k.oldKey)).resolves.toMatchObject({ valid: true });
  expect(errors).toEqual(['ThrottlingException']);
  expect(counted).toContainEqual(['KeySetRefreshFailed', 'billing-api']);

  clock += 3_600_000;
  await expect(verifier.verify(k.currentKey)).resolves.toEqual({ valid: false, reason: 'unavailable' });
});

test('guard: with no cached set and Secrets Manager down, keys are refused (fail closed)', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  sm.faults.push({ command: 'DescribeSecret', when: 'before', error: throttling() });
  await expect(verifier.verify(k.currentKey)).resolves.toEqual({ valid: false, reason: 'unavailable' });
});

test('rule: comparison is constant-time by construction: timingSafeEqual on 32-byte digests, every accepted entry compared', async () => {
  const k = await keyInOverlap();
  const verifier = verifierFor(k.arn);
  await verifier.warm();
  const spy = crypto.timingSafeEqual as unknown as jest.Mock;
  spy.mockClear();
  try {
    await verifier.verify(k.currentKey); // matches the first entry…
    expect(spy).toHaveBeenCalledTimes(2); // …and still compares the second
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  } finally {
    spy.mockClear();
  }
});

test('guard: the options are validated, naming the field and the fix', () => {
  expect(() => verifierFor('arn:x', { keys: [] })).toThrow('keys: list at least one key');
  expect(() => verifierFor('arn:x', { keys: [{ name: 'a', secretId: 'arn:x', prefix: 'BAD' }] })).toThrow(
    'keys[a].prefix',
  );
  expect(() => verifierFor('arn:x', { ttlMs: -1 })).toThrow('ttlMs: must be >= 0 ms');
  expect(() => verifierFor('arn:x')).not.toThrow();
});

test('rule: Powertools metrics carry KeyName as a property, not a dimension (no series per key), and never the key', async () => {
  const k = await keyInOverlap();
  const output = captureOutput();
  try {
    const metrics = new PowertoolsVerifierMetrics(
      new Metrics({ namespace: 'Keyturn', serviceName: 'billing' }),
    );
    const verifier = verifierFor(k.arn, { metrics });
    await verifier.verify(k.currentKey);
    await verifier.verify(k.currentKey.slice(0, -1));
    metrics.flush();
  } finally {
    output.restore();
  }
  const emf = output
    .lines()
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((l) => l._aws);
  expect(emf).toEqual([
    expect.objectContaining({ KeyName: 'billing-api', KeyAccepted: 1 }),
    expect.objectContaining({ KeyName: 'billing-api', KeyRejected: 1 }),
  ]);
  for (const record of emf)
    expect(record._aws.CloudWatchMetrics[0].Dimensions.flat()).not.toContain('KeyName');
  expect(output.text()).not.toContain(k.currentKey.slice(8, 40));
});
