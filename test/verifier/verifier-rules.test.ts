/**
 * The verifier's rules (lambdas/verifier/verifier.ts) against an in-memory secret store and revocation reader, with
 * an injected clock: a revoked, retired or unknown key is refused; during the overlap both keys are accepted, and
 * only while the set says so; refreshes are bounded (TTL, interval, staleness) and fail closed; the revocation
 * record is read every pollMs, retried every second, and its bound counts the read's latency; options are checked
 * at construction; metrics and error reports carry key names only, never a key.
 */
import { STAGE } from '../../lambdas/core/constants';
import * as keyMaterial from '../../lambdas/core/key-material';
import type { RevocationReader, RevokedVersions } from '../../lambdas/core/revocations';
import {
  ApiKeyVerifier,
  UNMATCHED_KEY,
  type ApiKeyVerifierOptions,
  type VerifierMetricName,
} from '../../lambdas/verifier';
import { ARN, MemoryStore, NAME } from '../mutation/core-world';
import { addKey, rotate } from './memory-secret';

// Wrap parseApiKey (real behaviour) to see whether the hot path parses a key.
jest.mock('../../lambdas/core/key-material', () => {
  const actual = jest.requireActual('../../lambdas/core/key-material');
  return { ...actual, parseApiKey: jest.fn(actual.parseApiKey) };
});
const parseSpy = keyMaterial.parseApiKey as unknown as jest.Mock;

const { current: CURRENT, previous: PREVIOUS } = STAGE;
const T0 = Date.parse('2026-12-01T10:00:00Z');
let clock: number;
let counted: Array<[VerifierMetricName, string]>;
let reported: Array<[string, string]>;

beforeEach(() => {
  clock = T0;
  counted = [];
  reported = [];
  parseSpy.mockClear();
});

/** Revoked versions per secret name; counts reads; can fail, hang, or take time (advancing the clock). */
class Reader implements RevocationReader {
  readonly records = new Map<string, string[]>();
  readonly reads: string[][] = [];
  failing = false;
  hanging = false;
  latencyMs = 0;
  async read(names: readonly string[]): Promise<RevokedVersions> {
    this.reads.push([...names]);
    if (this.hanging) return new Promise(() => undefined);
    clock += this.latencyMs;
    if (this.failing) throw Object.assign(new Error('store down'), { name: 'StoreDown' });
    return new Map(names.map((n) => [n, this.records.get(n) ?? []]));
  }
}

/** A secret in its overlap: `old` is AWSPREVIOUS, `current` AWSCURRENT. */
function overlap() {
  const store = new MemoryStore();
  const old = addKey(store, 'v-old', [PREVIOUS]);
  const current = addKey(store, 'v-cur', [CURRENT]);
  return { store, old, current };
}

function verifierOf(store: MemoryStore, options: Partial<ApiKeyVerifierOptions> = {}) {
  return new ApiKeyVerifier({
    keys: [{ name: 'billing-api', secretId: ARN, prefix: 'kt_live_' }],
    store,
    now: () => clock,
    metrics: { count: (metric, keyName) => counted.push([metric, keyName]) },
    onRefreshError: (error, keyName) => reported.push([(error as Error).name, keyName]),
    ...options,
  });
}

const failing = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

describe('rule: a key is accepted only while the accepted set holds it', () => {
  test('during the overlap both keys are accepted; once the previous key is retired it is refused as retired', async () => {
    const { store, old, current } = overlap();
    const verifier = verifierOf(store);
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    await expect(verifier.verify(old)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    rotate(store, 'v-next'); // v-old loses its label: retired
    clock += 300_000; // the default TTL: the set is re-read
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'retired' });
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(counted).toEqual([
      ['KeyAccepted', 'billing-api'],
      ['KeyAccepted', 'billing-api'],
      ['RetiredKeyPresented', 'billing-api'],
      ['KeyAccepted', 'billing-api'],
    ]);
  });

  test('an unknown well-formed key is refused as unknown and counted as rejected', async () => {
    const { store } = overlap();
    const verifier = verifierOf(store);
    await expect(verifier.verify(keyMaterial.generateApiKey('kt_live_'))).resolves.toEqual({
      valid: false,
      reason: 'unknown',
    });
    expect(counted).toEqual([['KeyRejected', 'billing-api']]);
  });

  test('a key retired five rotations ago is forgotten (unknown); the four since are refused as retired', async () => {
    const store = new MemoryStore();
    const keys = [addKey(store, 'v-0', [CURRENT])];
    const verifier = verifierOf(store, { ttlMs: 0, minRefreshIntervalMs: 0 });
    await verifier.warm();
    for (let i = 1; i <= 6; i++) {
      keys.push(rotate(store, `v-${i}`));
      await verifier.warm();
    }
    await expect(verifier.verify(keys[0])).resolves.toEqual({ valid: false, reason: 'unknown' });
    for (const key of keys.slice(1, 5))
      await expect(verifier.verify(key)).resolves.toEqual({ valid: false, reason: 'retired' });
    for (const key of keys.slice(5))
      await expect(verifier.verify(key)).resolves.toMatchObject({ valid: true });
  });

  test('a key longer than any key is malformed, without a lookup', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store);
    await verifier.warm();
    const describes = store.describes;
    for (const long of [current + 'A'.repeat(256 - current.length), `${current}${'A'.repeat(300)}`])
      await expect(verifier.verify(long)).resolves.toEqual({ valid: false, reason: 'malformed' });
    for (const notAString of [42, undefined, null, {}, ['kt_live_']])
      await expect(verifier.verify(notAString)).resolves.toEqual({ valid: false, reason: 'malformed' });
    expect(store.describes).toBe(describes);
  });

  test('a malformed key is counted under the key name with one key, under "unmatched" with several', async () => {
    const { store } = overlap();
    await verifierOf(store).verify('kt_live_nope');
    const other = new MemoryStore();
    addKey(other, 'v-1', [CURRENT], 'kt_test_');
    const two = verifierOf(store, {
      keys: [
        { name: 'billing-api', secretId: ARN, prefix: 'kt_live_' },
        { name: 'search-api', secretId: 'other', prefix: 'kt_test_' },
      ],
    });
    await expect(two.verify('kt_live_nope')).resolves.toEqual({ valid: false, reason: 'malformed' });
    expect(counted).toEqual([
      ['KeyRejected', 'billing-api'],
      ['KeyRejected', UNMATCHED_KEY],
    ]);
    expect(UNMATCHED_KEY).toBe('unmatched');
  });
});

describe('rule: with several keys, a presented key is matched to the key whose set holds it', () => {
  function twoSecrets() {
    const a = overlap();
    const b = overlap();
    const stores: Record<string, MemoryStore> = { a: a.store, b: b.store };
    const store = {
      describe: (id: string) => stores[id].describe(id),
      getValue: (id: string, v: string) => stores[id].getValue(id, v),
      putPendingValue: () => Promise.reject(new Error('read only')),
      promoteToCurrent: () => Promise.reject(new Error('read only')),
    };
    return { a, b, store };
  }

  test('the same prefix for two keys: each key is accepted under its own name, an unknown one rejected for both', async () => {
    const { a, b, store } = twoSecrets();
    const verifier = verifierOf(a.store, {
      store,
      keys: [
        { name: 'first', secretId: 'a', prefix: 'kt_live_' },
        { name: 'second', secretId: 'b', prefix: 'kt_live_' },
      ],
    });
    await expect(verifier.verify(b.current)).resolves.toEqual({ valid: true, keyName: 'second' });
    await expect(verifier.verify(a.old)).resolves.toEqual({ valid: true, keyName: 'first' });
    // Hot path (both sets fresh now):
    await expect(verifier.verify(b.old)).resolves.toEqual({ valid: true, keyName: 'second' });
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'first' });
    counted = [];
    await expect(verifier.verify(keyMaterial.generateApiKey('kt_live_'))).resolves.toEqual({
      valid: false,
      reason: 'unknown',
    });
    expect(counted).toEqual([
      ['KeyRejected', 'first'],
      ['KeyRejected', 'second'],
    ]);
  });

  test('one secret configured under two names: the first name is the one reported', async () => {
    const { a, store } = twoSecrets();
    const verifier = verifierOf(a.store, {
      store,
      keys: [
        { name: 'first', secretId: 'a', prefix: 'kt_live_' },
        { name: 'alias', secretId: 'a', prefix: 'kt_live_' },
      ],
    });
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'first' });
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'first' });
  });

  test('different prefixes: a key is looked up only in the sets of its own prefix', async () => {
    const a = overlap();
    const other = new MemoryStore();
    const test = addKey(other, 'v-t', [CURRENT], 'kt_test_');
    const stores: Record<string, MemoryStore> = { a: a.store, t: other };
    const verifier = verifierOf(a.store, {
      store: {
        describe: (id: string) => stores[id].describe(id),
        getValue: (id: string, v: string) => stores[id].getValue(id, v),
        putPendingValue: () => Promise.reject(new Error('read only')),
        promoteToCurrent: () => Promise.reject(new Error('read only')),
      },
      keys: [
        { name: 'live', secretId: 'a', prefix: 'kt_live_' },
        { name: 'test', secretId: 't', prefix: 'kt_test_' },
      ],
    });
    await expect(verifier.verify(test)).resolves.toEqual({ valid: true, keyName: 'test' });
    expect([a.store.describes, other.describes]).toEqual([0, 1]);
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'live' });
    expect([a.store.describes, other.describes]).toEqual([1, 1]);
  });
});

describe('rule: the hot path answers a fresh accepted key from the cache, without parsing or any call', () => {
  test('a key in a fresh set is accepted with no store call and no parse; a miss takes the full path', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store);
    await verifier.warm();
    const describes = store.describes;
    parseSpy.mockClear();
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(parseSpy).not.toHaveBeenCalled();
    expect(store.describes).toBe(describes);
    await verifier.verify(keyMaterial.generateApiKey('kt_live_'));
    expect(parseSpy).toHaveBeenCalled();
  });

  test('a stale set of the same prefix, or an unconfirmed revocation record, sends the key down the full path', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store, { ttlMs: 1_000 });
    await verifier.warm();
    clock += 1_000; // at the TTL: no longer fresh
    parseSpy.mockClear();
    await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
    expect(parseSpy).toHaveBeenCalled();

    const reader = new Reader();
    const guarded = verifierOf(store, { revocations: { reader, pollMs: 5_000, maxUnconfirmedMs: 20_000 } });
    await guarded.warm();
    parseSpy.mockClear();
    await guarded.verify(current);
    expect(parseSpy).not.toHaveBeenCalled();
    clock += 5_000; // the record is pollMs old: no longer fresh
    await guarded.verify(current);
    expect(parseSpy).toHaveBeenCalled();
  });

  test('a stale set of another prefix does not slow the hot path', async () => {
    const a = overlap();
    const other = new MemoryStore();
    addKey(other, 'v-t', [CURRENT], 'kt_test_');
    const stores: Record<string, MemoryStore> = { a: a.store, t: other };
    const verifier = verifierOf(a.store, {
      store: {
        describe: (id: string) => stores[id].describe(id),
        getValue: (id: string, v: string) => stores[id].getValue(id, v),
        putPendingValue: () => Promise.reject(new Error('read only')),
        promoteToCurrent: () => Promise.reject(new Error('read only')),
      },
      keys: [
        { name: 'test', secretId: 't', prefix: 'kt_test_' },
        { name: 'live', secretId: 'a', prefix: 'kt_live_' },
      ],
    });
    await verifier.verify(a.current); // loads `live` only; `test` has no set
    parseSpy.mockClear();
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'live' });
    expect(parseSpy).not.toHaveBeenCalled();
  });
});

describe('rule: refreshes are bounded by the TTL and the interval, and a failed one keeps the set until maxStaleMs', () => {
  test('the set is re-read at the TTL (default 5 minutes), not before', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store);
    await verifier.verify(current);
    clock += 299_999;
    await verifier.verify(current);
    expect(store.describes).toBe(1);
    clock += 1;
    await verifier.verify(current);
    expect(store.describes).toBe(2);
  });

  test('a miss refreshes at most once per interval (default 30 s), counted from the last attempt', async () => {
    const { store } = overlap();
    const verifier = verifierOf(store, { ttlMs: 3_600_000 });
    await verifier.warm();
    const unknown = keyMaterial.generateApiKey('kt_live_');
    clock += 29_999;
    await verifier.verify(unknown);
    expect(store.describes).toBe(1);
    clock += 1;
    await verifier.verify(unknown);
    expect(store.describes).toBe(2);
    await verifier.verify(unknown);
    expect(store.describes).toBe(2);
    // A key rotated in is accepted on the first miss after the interval.
    const next = rotate(store, 'v-next');
    await expect(verifier.verify(next)).resolves.toEqual({ valid: false, reason: 'unknown' });
    clock += 30_000;
    await expect(verifier.verify(next)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
  });

  test('with a zero interval, every miss refreshes', async () => {
    const { store } = overlap();
    const verifier = verifierOf(store, { ttlMs: 3_600_000, minRefreshIntervalMs: 0 });
    await verifier.warm();
    const unknown = keyMaterial.generateApiKey('kt_live_');
    await verifier.verify(unknown);
    await verifier.verify(unknown);
    expect(store.describes).toBe(3);
  });

  test('a failed refresh keeps serving the set up to TTL + maxStaleMs (default 1 hour), then every key is unavailable', async () => {
    const { store, old, current } = overlap();
    const verifier = verifierOf(store);
    await verifier.warm();
    store.onDescribe = () => {
      throw failing();
    };
    clock += 300_000 + 3_600_000; // exactly at the bound: still served
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    await expect(verifier.verify(old)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(reported).toEqual([['ThrottlingException', 'billing-api']]);
    expect(counted).toContainEqual(['KeySetRefreshFailed', 'billing-api']);
    clock += 1;
    await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'unavailable' });
    await expect(verifier.verify(keyMaterial.generateApiKey('kt_live_'))).resolves.toEqual({
      valid: false,
      reason: 'unavailable',
    });
  });

  test('a retired key past the stale bound is unavailable, not retired', async () => {
    const { store, old } = overlap();
    const verifier = verifierOf(store, { maxStaleMs: 0 });
    await verifier.warm();
    rotate(store, 'v-next');
    clock += 300_000;
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'retired' });
    store.onDescribe = () => {
      throw failing();
    };
    clock += 300_000; // the refresh fails; the set is exactly TTL + maxStaleMs old
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'retired' });
    clock += 1;
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'unavailable' });
  });

  test('concurrent requests on a cold verifier share one refresh', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store);
    const results = await Promise.all([verifier.verify(current), verifier.verify(current), verifier.warm()]);
    expect(results.slice(0, 2)).toEqual([
      { valid: true, keyName: 'billing-api' },
      { valid: true, keyName: 'billing-api' },
    ]);
    expect(store.describes).toBe(1);
  });
});

describe('rule: a revoked version is refused whatever the set says, and the record is read every pollMs', () => {
  const guarded = (store: MemoryStore, reader: Reader, extra: Partial<ApiKeyVerifierOptions> = {}) =>
    verifierOf(store, { revocations: { reader }, ...extra });

  test('a revoked version is refused (counted as a retired key presented); the other version of the overlap is still accepted', async () => {
    const { store, old, current } = overlap();
    const reader = new Reader();
    reader.records.set(NAME, ['v-old']);
    const verifier = guarded(store, reader);
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'revoked' });
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(counted).toEqual([
      ['RetiredKeyPresented', 'billing-api'],
      ['KeyAccepted', 'billing-api'],
    ]);
    // The hot path never accepts it either.
    await expect(verifier.verify(old)).resolves.toEqual({ valid: false, reason: 'revoked' });
  });

  test('a revoked version refuses only its own key: a stranger is still unknown', async () => {
    const { store } = overlap();
    const reader = new Reader();
    reader.records.set(NAME, ['v-old']);
    const verifier = guarded(store, reader);
    await expect(verifier.verify(keyMaterial.generateApiKey('kt_live_'))).resolves.toEqual({
      valid: false,
      reason: 'unknown',
    });
  });

  test('with several keys, the revoked one is counted as presented and the others as rejected', async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    reader.records.set(NAME, ['v-cur']);
    const verifier = guarded(store, reader, {
      keys: [
        { name: 'billing-api', secretId: ARN, prefix: 'kt_live_' },
        { name: 'alias', secretId: ARN, prefix: 'kt_live_' },
      ],
    });
    await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'revoked' });
    expect(counted).toEqual([
      ['RetiredKeyPresented', 'billing-api'],
      ['KeyRejected', 'alias'],
    ]);
  });

  test('the record is read by the secret name the set reports, before the first load by the name in the secret id', async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    reader.records.set(NAME, ['v-cur']);
    const verifier = guarded(store, reader, {
      keys: [{ name: 'billing-api', secretId: 'billing-alias', prefix: 'kt_live_' }],
    });
    await verifier.pollRevocations();
    expect(reader.reads).toEqual([['billing-alias']]);
    await verifier.warm();
    clock += 5_000;
    await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'revoked' });
    expect(reader.reads.at(-1)).toEqual([NAME]);
  });

  test('the record is re-read once pollMs (default 5 s) has passed, in the background: the request does not wait', async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    const verifier = guarded(store, reader);
    await verifier.warm();
    expect(reader.reads).toHaveLength(1);
    clock += 4_999;
    await verifier.verify(current);
    expect(reader.reads).toHaveLength(1);
    clock += 1;
    reader.hanging = true; // the read never answers: the request is still answered from the last read
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(reader.reads).toHaveLength(2);
  });

  test('past maxUnconfirmedMs (default 20 s) a request waits for a read: served when it answers, refused when it fails', async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    const verifier = guarded(store, reader);
    await verifier.warm();
    reader.failing = true;
    clock += 20_000;
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    clock += 1;
    await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'unavailable' });
    expect(counted.at(-1)).toEqual(['KeyRejected', 'billing-api']);
    reader.failing = false;
    clock += 1_000;
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
  });

  test('a failing record is retried after one second, not before and not only at pollMs', async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    const verifier = guarded(store, reader, {
      revocations: { reader, pollMs: 10_000, maxUnconfirmedMs: 30_000 },
    });
    await verifier.warm();
    reader.failing = true;
    clock += 10_000;
    await verifier.verify(current); // starts a read that fails
    expect(reader.reads).toHaveLength(2);
    clock += 999;
    await verifier.verify(current);
    expect(reader.reads).toHaveLength(2);
    clock += 1;
    await verifier.verify(current);
    expect(reader.reads).toHaveLength(3);
    expect(reported).toContainEqual(['StoreDown', 'billing-api']);
  });

  test("the bound counts the read's latency: a read is confirmed as of when it was sent", async () => {
    const { store, current } = overlap();
    const reader = new Reader();
    const verifier = guarded(store, reader);
    await verifier.warm();
    clock = T0 + 5_000;
    reader.latencyMs = 3_000; // sent at T0 + 5 s, back at T0 + 8 s
    await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
    await new Promise((resolve) => setImmediate(resolve)); // the background read settles
    reader.latencyMs = 0;
    expect(reader.reads).toHaveLength(2);
    clock = T0 + 9_999;
    await verifier.verify(current);
    expect(reader.reads).toHaveLength(2);
    clock = T0 + 10_000; // pollMs after it was sent, though only 2 s after it came back
    await verifier.verify(current);
    expect(reader.reads).toHaveLength(3);
  });

  test('a failed read is reported once for all keys and counted for each, by name', async () => {
    const { store } = overlap();
    const reader = new Reader();
    reader.failing = true;
    const verifier = guarded(store, reader, {
      keys: [
        { name: 'billing-api', secretId: ARN, prefix: 'kt_live_' },
        { name: 'alias', secretId: ARN, prefix: 'kt_live_' },
      ],
    });
    await verifier.pollRevocations();
    expect(reported).toEqual([['StoreDown', 'billing-api,alias']]);
    expect(counted).toEqual([
      ['KeySetRefreshFailed', 'billing-api'],
      ['KeySetRefreshFailed', 'alias'],
    ]);
  });

  test('without a revocation record, polling reads nothing and warm loads only the sets', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store);
    await verifier.pollRevocations();
    await verifier.warm();
    expect(store.describes).toBe(1);
    await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
  });
});

describe('rule: the verifier costs no call it does not need, and never throws for a failing dependency', () => {
  test('an accepted key off the hot path (record past pollMs) costs no Secrets Manager call', async () => {
    const { store, current } = overlap();
    const verifier = verifierOf(store, { revocations: { reader: new Reader() } });
    await verifier.warm();
    clock += 30_000; // past pollMs and the refresh interval, within the TTL
    await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });
    expect(store.describes).toBe(1);
  });

  test('a fresh record is not re-read for a request off the hot path', async () => {
    const { store } = overlap();
    const reader = new Reader();
    const verifier = verifierOf(store, { revocations: { reader } });
    await verifier.warm();
    clock += 2_000; // within pollMs, past the one-second retry
    await verifier.verify(keyMaterial.generateApiKey('kt_live_'));
    expect(reader.reads).toHaveLength(1);
  });

  test('warm on a fresh set reads nothing, even past the refresh interval', async () => {
    const { store } = overlap();
    const verifier = verifierOf(store);
    await verifier.warm();
    clock += 60_000;
    await verifier.warm();
    expect(store.describes).toBe(1);
  });

  test('past the bound, concurrent requests all wait for the one read in flight', async () => {
    const { store, current } = overlap();
    let answer: (value: RevokedVersions) => void = () => undefined;
    let reads = 0;
    const reader: RevocationReader = {
      read: (names) => {
        reads += 1;
        return reads === 1
          ? Promise.resolve(new Map(names.map((n) => [n, []])))
          : new Promise((resolve) => (answer = resolve));
      },
    };
    const verifier = verifierOf(store, { revocations: { reader } });
    await verifier.warm();
    clock += 20_001;
    const both = Promise.all([verifier.verify(current), verifier.verify(current)]);
    await new Promise((resolve) => setImmediate(resolve));
    answer(new Map([[NAME, []]]));
    await expect(both).resolves.toEqual([
      { valid: true, keyName: 'billing-api' },
      { valid: true, keyName: 'billing-api' },
    ]);
    expect(reads).toBe(2);
  });

  test('with several keys, one readable set makes a stranger unknown, not unavailable', async () => {
    const a = overlap();
    const stores: Record<string, MemoryStore> = { a: a.store };
    const verifier = verifierOf(a.store, {
      store: {
        describe: (id: string) => (stores[id] ? stores[id].describe(id) : Promise.reject(failing())),
        getValue: (id: string, v: string) => stores[id].getValue(id, v),
        putPendingValue: () => Promise.reject(new Error('read only')),
        promoteToCurrent: () => Promise.reject(new Error('read only')),
      },
      keys: [
        { name: 'broken', secretId: 'b', prefix: 'kt_live_' },
        { name: 'live', secretId: 'a', prefix: 'kt_live_' },
      ],
    });
    await expect(verifier.verify(keyMaterial.generateApiKey('kt_live_'))).resolves.toEqual({
      valid: false,
      reason: 'unknown',
    });
    await expect(verifier.verify(a.current)).resolves.toEqual({ valid: true, keyName: 'live' });
  });

  test('without metrics or an error callback, failing stores still give answers, never exceptions', async () => {
    const { store, current } = overlap();
    store.onDescribe = () => {
      throw failing();
    };
    const reader = new Reader();
    reader.failing = true;
    const verifier = new ApiKeyVerifier({
      keys: [{ name: 'billing-api', secretId: ARN, prefix: 'kt_live_' }],
      store,
      now: () => clock,
      revocations: { reader },
    });
    await expect(verifier.warm()).resolves.toBeUndefined();
    await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'unavailable' });
    await expect(verifier.verify('nope')).resolves.toEqual({ valid: false, reason: 'malformed' });
  });

  test('the clients given are the ones used', async () => {
    const sent: string[] = [];
    const client = (name: string) =>
      ({
        send: async (command: object) => {
          sent.push(`${name}:${command.constructor.name}`);
          throw failing();
        },
      }) as never;
    const verifier = new ApiKeyVerifier({
      keys: [{ name: 'billing-api', secretId: ARN, prefix: 'kt_live_' }],
      client: client('sm'),
      revocations: { tableName: 'revocations', client: client('ddb') },
      onRefreshError: () => undefined,
    });
    await verifier.warm();
    expect(sent.sort()).toEqual(['ddb:GetItemCommand', 'sm:DescribeSecretCommand']);
  });
});

describe('rule: the options are checked at construction, every problem named at once', () => {
  const build = (options: Partial<ApiKeyVerifierOptions>) => () =>
    new ApiKeyVerifier({
      keys: [{ name: 'k', secretId: 's', prefix: 'kt_live_' }],
      store: new MemoryStore(),
      ...options,
    });
  const problemsOf = (options: Partial<ApiKeyVerifierOptions>) => {
    try {
      build(options)();
      return 'accepted';
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return (error as Error).message;
    }
  };

  test('every bad key and duration is named, in one TypeError', () => {
    expect(
      problemsOf({
        keys: [
          { name: 'a', secretId: 's', prefix: 'BAD' },
          { name: 'b', secretId: 's', prefix: 'kt_' },
          { name: 'c', secretId: 's', prefix: 'also bad' },
        ],
        ttlMs: -1,
        minRefreshIntervalMs: Number.NaN,
        maxStaleMs: Number.POSITIVE_INFINITY,
      }),
    ).toBe(
      'ApiKeyVerifier: keys[a].prefix: Key prefix must look like "kt_live_" (lowercase letters and digits, ending in "_"), got "BAD"; ' +
        'keys[c].prefix: Key prefix must look like "kt_live_" (lowercase letters and digits, ending in "_"), got "also bad"; ' +
        'ttlMs: must be >= 0 ms, got -1; minRefreshIntervalMs: must be >= 0 ms, got NaN; maxStaleMs: must be >= 0 ms, got Infinity',
    );
    expect(problemsOf({ keys: [] })).toBe('ApiKeyVerifier: keys: list at least one key');
  });

  test('zero durations are allowed', () => {
    expect(problemsOf({ ttlMs: 0, minRefreshIntervalMs: 0, maxStaleMs: 0 })).toBe('accepted');
  });

  test.each([
    [{ pollMs: 999 }, 'revocations.pollMs: must be 1000 to 30000 ms, got 999'],
    [
      { pollMs: 30_001, maxUnconfirmedMs: 30_000 },
      'revocations.pollMs: must be 1000 to 30000 ms, got 30001; revocations.maxUnconfirmedMs: must be pollMs (30001) to 30000 ms, got 30000: it bounds how long a revoked key may still be accepted',
    ],
    [{ pollMs: Number.NaN }, 'revocations.pollMs: must be 1000 to 30000 ms, got NaN'],
    [
      { maxUnconfirmedMs: 30_001 },
      'revocations.maxUnconfirmedMs: must be pollMs (5000) to 30000 ms, got 30001: it bounds how long a revoked key may still be accepted',
    ],
    [
      { maxUnconfirmedMs: 4_999 },
      'revocations.maxUnconfirmedMs: must be pollMs (5000) to 30000 ms, got 4999: it bounds how long a revoked key may still be accepted',
    ],
    [
      { pollMs: 25_000 },
      'revocations.maxUnconfirmedMs: must be pollMs (25000) to 30000 ms, got 20000: it bounds how long a revoked key may still be accepted',
    ],
    [
      { maxUnconfirmedMs: Number.NaN },
      'revocations.maxUnconfirmedMs: must be pollMs (5000) to 30000 ms, got NaN: it bounds how long a revoked key may still be accepted',
    ],
  ])('revocations %o are refused: %s', (revocations, message) => {
    expect(problemsOf({ revocations: { reader: new Reader(), ...revocations } })).toBe(
      `ApiKeyVerifier: ${message}`,
    );
  });

  test('revocation bounds at their limits are allowed; a reader or a table name is required', () => {
    for (const revocations of [
      { pollMs: 1_000, maxUnconfirmedMs: 1_000 },
      { pollMs: 30_000, maxUnconfirmedMs: 30_000 },
      { maxUnconfirmedMs: 5_000 },
      {},
    ])
      expect(problemsOf({ revocations: { reader: new Reader(), ...revocations } })).toBe('accepted');
    expect(problemsOf({ revocations: { tableName: 'revocations' } })).toBe('accepted');
    expect(problemsOf({ revocations: {} })).toBe(
      'ApiKeyVerifier: revocations.tableName: name the revocation table (stack output RevocationTableName)',
    );
  });
});

describe('rule: metrics and error reports carry key names, never a key', () => {
  test('every count and report names a configured key (or "unmatched"); no key appears in them', async () => {
    const { store, old, current } = overlap();
    const reader = new Reader();
    reader.records.set(NAME, ['v-old']);
    const verifier = verifierOf(store, { revocations: { reader } });
    const presented = [
      current,
      old,
      `${current.slice(0, -1)}x`,
      keyMaterial.generateApiKey('kt_live_'),
      'nope',
    ];
    for (const key of presented) await verifier.verify(key);
    store.onDescribe = () => {
      throw Object.assign(new Error(`cannot read ${ARN}`), { name: 'AccessDenied' });
    };
    reader.failing = true;
    clock += 3_600_000;
    for (const key of presented) await verifier.verify(key);
    const text = JSON.stringify([counted, reported]);
    for (const key of [current, old]) expect(text).not.toContain(key.slice(8, 24));
    expect(new Set(counted.map(([, name]) => name))).toEqual(new Set(['billing-api']));
    expect(new Set(counted.map(([metric]) => metric))).toEqual(
      new Set(['KeyAccepted', 'KeyRejected', 'RetiredKeyPresented', 'KeySetRefreshFailed']),
    );
    expect(reported.map(([, name]) => name)).toEqual(['billing-api', 'billing-api']);
  });
});
