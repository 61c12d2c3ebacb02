/**
 * The rules of the key set a verifier accepts (lambdas/verifier/key-set.ts), against an in-memory secret store:
 * AWSCURRENT and an un-retired AWSPREVIOUS are accepted, a version without a usable key never is, a key that left
 * the accepted set is remembered as retired (newest first, at most four), each version's value is read once per
 * container, and the set holds SHA-256 digests, never the keys.
 */
import { createHash } from 'node:crypto';
import { LEAK_TAGS, RETIREMENT_TAGS, STAGE } from '../../lambdas/core/constants';
import { generateApiKey } from '../../lambdas/core/key-material';
import { digestOf, KeySetLoader, type KeySet } from '../../lambdas/verifier/key-set';
import { ARN, MemoryStore, NAME } from '../mutation/core-world';
import { addKey, rotate } from './memory-secret';

const { current: CURRENT, previous: PREVIOUS, pending: PENDING } = STAGE;

const sha = (key: string) => createHash('sha256').update(key).digest();
const hex = (digests: Buffer[]) => digests.map((d) => d.toString('hex'));
const acceptedOf = (set: KeySet) => set.accepted.map((a) => [a.versionId, a.digest.toString('hex')]);

test('rule: the digest is SHA-256 of the key, 32 bytes', () => {
  const key = generateApiKey('kt_live_');
  expect(digestOf(key)).toEqual(sha(key));
  expect(digestOf(key)).toHaveLength(32);
  expect(digestOf(`${key}x`)).not.toEqual(sha(key));
});

test('rule: AWSCURRENT (first) and an un-retired AWSPREVIOUS are accepted; AWSPENDING and unlabelled versions are not', async () => {
  const store = new MemoryStore();
  const previous = addKey(store, 'v-prev', [PREVIOUS]);
  const current = addKey(store, 'v-cur', [CURRENT]);
  addKey(store, 'v-pend', [PENDING]);
  addKey(store, 'v-old', []);
  const set = await new KeySetLoader(store, ARN).load();
  expect(set.secretName).toBe(NAME);
  expect(acceptedOf(set)).toEqual([
    ['v-cur', sha(current).toString('hex')],
    ['v-prev', sha(previous).toString('hex')],
  ]);
  expect(set.retired).toEqual([]);
  expect(store.reads.sort()).toEqual(['v-cur', 'v-prev']);
});

test('rule: the set holds digests only, never a key', async () => {
  const store = new MemoryStore();
  const current = addKey(store, 'v-cur', [CURRENT]);
  const set = await new KeySetLoader(store, ARN).load();
  const text = JSON.stringify(set, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
      ? Buffer.from((v as { data: number[] }).data).toString('latin1')
      : v,
  );
  expect(text).not.toContain(current);
  expect(text).not.toContain(current.slice(8, 30));
});

test('rule: a version without a usable key (no value, bootstrap placeholder, malformed, not a key) is never accepted', async () => {
  for (const value of [
    undefined,
    JSON.stringify({ keyturn: 1, bootstrap: true }),
    '{"keyturn":1,"key":"x"}',
    'not json',
  ]) {
    const store = new MemoryStore();
    store.addVersion('v-cur', [CURRENT], value);
    const previous = addKey(store, 'v-prev', [PREVIOUS]);
    const set = await new KeySetLoader(store, ARN).load();
    expect(acceptedOf(set)).toEqual([['v-prev', sha(previous).toString('hex')]]);
  }
});

test('rule: a version leaked (keyturn:revoked-versions) is not accepted, even while AWSCURRENT', async () => {
  const store = new MemoryStore();
  addKey(store, 'v-cur', [CURRENT]);
  const previous = addKey(store, 'v-prev', [PREVIOUS]);
  store.tags[LEAK_TAGS.revokedVersions] = 'v-cur';
  const set = await new KeySetLoader(store, ARN).load();
  expect(acceptedOf(set)).toEqual([['v-prev', sha(previous).toString('hex')]]);
});

test('rule: each version is read once per loader: a reload reads only versions it has not seen', async () => {
  const store = new MemoryStore();
  addKey(store, 'v-prev', [PREVIOUS]);
  addKey(store, 'v-cur', [CURRENT]);
  store.addVersion('v-empty', [PENDING]);
  const loader = new KeySetLoader(store, ARN);
  await loader.load();
  await loader.load();
  expect(store.reads.sort()).toEqual(['v-cur', 'v-prev']);
  rotate(store, 'v-next');
  await loader.load();
  expect(store.reads.sort()).toEqual(['v-cur', 'v-next', 'v-prev']);
  // A version that held no usable key is remembered as such, not read again.
  const placeholder = new MemoryStore();
  placeholder.addVersion('v-cur', [CURRENT], JSON.stringify({ keyturn: 1, bootstrap: true }));
  const second = new KeySetLoader(placeholder, ARN);
  await second.load();
  await second.load();
  expect(placeholder.reads).toEqual(['v-cur']);
});

test('rule: the version the retirement tag names is retired, not accepted, even while it holds AWSPREVIOUS', async () => {
  const store = new MemoryStore();
  const previous = addKey(store, 'v-prev', [PREVIOUS]);
  const current = addKey(store, 'v-cur', [CURRENT]);
  store.tags[RETIREMENT_TAGS.retiredVersion] = 'v-prev';
  const set = await new KeySetLoader(store, ARN).load();
  expect(acceptedOf(set)).toEqual([['v-cur', sha(current).toString('hex')]]);
  expect(hex(set.retired)).toEqual(hex([sha(previous)]));
});

test('rule: a tag naming AWSCURRENT never retires it', async () => {
  const store = new MemoryStore();
  const current = addKey(store, 'v-cur', [CURRENT]);
  store.tags[RETIREMENT_TAGS.retiredVersion] = 'v-cur';
  const set = await new KeySetLoader(store, ARN).load();
  expect(acceptedOf(set)).toEqual([['v-cur', sha(current).toString('hex')]]);
  expect(set.retired).toEqual([]);
});

test('rule: a key that left the accepted set is remembered as retired; one still pending is neither', async () => {
  const store = new MemoryStore();
  const first = addKey(store, 'v-1', [CURRENT]);
  const loader = new KeySetLoader(store, ARN);
  await loader.load();
  rotate(store, 'v-2');
  let set = await loader.load();
  expect(set.retired).toEqual([]); // v-1 is AWSPREVIOUS: still accepted
  rotate(store, 'v-3'); // v-1 loses every label
  set = await loader.load();
  expect(set.accepted.map((a) => a.versionId)).toEqual(['v-3', 'v-2']);
  expect(hex(set.retired)).toEqual(hex([sha(first)]));

  // A version this loader saw that is now only AWSPENDING is not retired (it may become current).
  const pending = new MemoryStore();
  addKey(pending, 'v-a', [CURRENT]);
  addKey(pending, 'v-b', [PREVIOUS]);
  const watcher = new KeySetLoader(pending, ARN);
  await watcher.load();
  pending.versions['v-b'] = [PENDING];
  set = await watcher.load();
  expect(set.accepted.map((a) => a.versionId)).toEqual(['v-a']);
  expect(set.retired).toEqual([]);
});

test('rule: the four most recently retired keys are remembered, the newest first; older ones are forgotten', async () => {
  const store = new MemoryStore();
  const keys = [addKey(store, 'v-0', [CURRENT])];
  const loader = new KeySetLoader(store, ARN);
  await loader.load();
  for (let i = 1; i <= 6; i++) {
    keys.push(rotate(store, `v-${i}`));
    await loader.load();
  }
  // v-6 current, v-5 previous; v-4 … v-0 left the set in that order (v-0 first).
  const set = await loader.load();
  expect(set.accepted.map((a) => a.versionId)).toEqual(['v-6', 'v-5']);
  expect(hex(set.retired)).toEqual(hex([keys[4], keys[3], keys[2], keys[1]].map(sha)));

  // Forgotten means forgotten: a forgotten retired key is not remembered again on the next load.
  const again = await loader.load();
  expect(hex(again.retired)).toEqual(hex(set.retired));
});

test('rule: a retired version whose key was never read (tagged on a fresh loader) is read once to be recognised', async () => {
  const store = new MemoryStore();
  addKey(store, 'v-cur', [CURRENT]);
  const old = addKey(store, 'v-old', []);
  store.tags[RETIREMENT_TAGS.retiredVersion] = 'v-old';
  const loader = new KeySetLoader(store, ARN);
  const set = await loader.load();
  expect(hex(set.retired)).toEqual(hex([sha(old)]));
  await loader.load();
  expect(store.reads.filter((r) => r === 'v-old')).toEqual(['v-old']);
  // An unlabelled version that was never accepted here and is not tagged is not read at all.
  const quiet = new MemoryStore();
  addKey(quiet, 'v-cur', [CURRENT]);
  addKey(quiet, 'v-gone', []);
  const fresh = await new KeySetLoader(quiet, ARN).load();
  expect(fresh.retired).toEqual([]);
  expect(quiet.reads).toEqual(['v-cur']);
});

test('rule: a retired version without a usable key is remembered but holds no digest', async () => {
  const store = new MemoryStore();
  addKey(store, 'v-cur', [CURRENT]);
  store.addVersion('v-old', [], JSON.stringify({ keyturn: 1, bootstrap: true }));
  store.tags[RETIREMENT_TAGS.retiredVersion] = 'v-old';
  const set = await new KeySetLoader(store, ARN).load();
  expect(set.retired).toEqual([]);
  expect(set.accepted.map((a) => a.versionId)).toEqual(['v-cur']);
});
