/**
 * The token index's rules, with an in-memory source of managed key versions and a hand-driven clock: a token is a
 * managed key only when its HMAC matches a stored key; the answer never carries the key; the index is rebuilt after
 * its TTL, on a miss at most once per refresh interval, once for concurrent lookups, and again after a failure.
 */
import { TokenIndex, type ManagedKeyVersion } from '../../lambdas/core/intake/token-index';

const v = (key: string, versionId: string, live = true): ManagedKeyVersion => ({
  secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbCdEf',
  secretName: 'keyturn/prod/billing-api',
  versionId,
  keyId: `sha256:${versionId}`,
  live,
  key,
});
const publicPart = ({ key: _key, ...rest }: ManagedKeyVersion) => rest;

class Source {
  lists = 0;
  versions: ManagedKeyVersion[] = [];
  failure?: Error;
  async list(): Promise<ManagedKeyVersion[]> {
    this.lists++;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
    return this.versions.map((x) => ({ ...x }));
  }
}

const CURRENT = v('kt_live_current0000000000000000000000', 'v2');
const PREVIOUS = v('kt_live_previous000000000000000000000', 'v1', false);
const ROTATED_IN = v('kt_live_rotatedin00000000000000000000', 'v3');
let t: number;
const now = () => t;
let source: Source;
beforeEach(() => {
  t = 10_000_000;
  source = new Source();
  source.versions = [CURRENT, PREVIOUS];
});

test('rule: a token is the managed key version that stores it, without the key; anything else is undefined', async () => {
  const index = new TokenIndex(source, { now });
  const found = await index.lookup([
    PREVIOUS.key,
    'kt_live_stranger00000000000000000000',
    CURRENT.key,
    '',
    `${CURRENT.key} `,
  ]);
  expect(found).toEqual([publicPart(PREVIOUS), undefined, publicPart(CURRENT), undefined, undefined]);
  expect(JSON.stringify(found)).not.toContain('kt_live_');
});

test('rule: a key stored in two versions is reported as the first version listed', async () => {
  source.versions = [CURRENT, { ...CURRENT, versionId: 'v-copy', keyId: 'sha256:copy' }];
  const index = new TokenIndex(source, { now });
  expect(await index.lookup([CURRENT.key])).toEqual([publicPart(CURRENT)]);
});

test('rule: the index is rebuilt once it is five minutes old (by default), not before', async () => {
  const index = new TokenIndex(source, { now });
  await index.lookup([CURRENT.key]);
  t += 300_000 - 1;
  await index.lookup([CURRENT.key]);
  expect(source.lists).toBe(1);
  source.versions = [{ ...CURRENT, live: false }];
  t += 1;
  expect(await index.lookup([CURRENT.key])).toEqual([{ ...publicPart(CURRENT), live: false }]);
  expect(source.lists).toBe(2);
});

test('rule: a miss rebuilds at most once per 30 s (by default), so a key rotated in since is found; hits never rebuild', async () => {
  const index = new TokenIndex(source, { now });
  await index.lookup([CURRENT.key]);
  source.versions = [ROTATED_IN, CURRENT];
  t += 30_000 - 1;
  expect(await index.lookup([ROTATED_IN.key])).toEqual([undefined]);
  expect(await index.lookup([CURRENT.key, PREVIOUS.key])).toEqual([
    publicPart(CURRENT),
    publicPart(PREVIOUS),
  ]);
  expect(source.lists).toBe(1);
  t += 1;
  expect(await index.lookup([CURRENT.key, ROTATED_IN.key])).toEqual([
    publicPart(CURRENT),
    publicPart(ROTATED_IN),
  ]);
  expect(source.lists).toBe(2);
  // Hits alone rebuild nothing before the TTL.
  t += 200_000;
  await index.lookup([CURRENT.key]);
  expect(source.lists).toBe(2);
});

test('rule: a cold lookup with a miss lists the managed keys once', async () => {
  const index = new TokenIndex(source, { now });
  expect(await index.lookup(['kt_live_stranger00000000000000000000'])).toEqual([undefined]);
  expect(source.lists).toBe(1);
});

test('rule: concurrent lookups share one rebuild, and a later due lookup rebuilds again', async () => {
  const index = new TokenIndex(source, { now, ttlMs: 1000, minRefreshMs: 1000 });
  const found = await Promise.all([
    index.lookup([CURRENT.key]),
    index.lookup(['kt_live_stranger00000000000000000000']),
    index.lookup([PREVIOUS.key]),
  ]);
  expect(found).toEqual([[publicPart(CURRENT)], [undefined], [publicPart(PREVIOUS)]]);
  expect(source.lists).toBe(1);
  t += 1000;
  await index.lookup([CURRENT.key]);
  expect(source.lists).toBe(2);
});

test('rule: lookups that miss while a rebuild is under way wait for it and find a key rotated in', async () => {
  const index = new TokenIndex(source, { now });
  await index.lookup([CURRENT.key]);
  source.versions = [ROTATED_IN, CURRENT];
  t += 30_000;
  const found = await Promise.all([index.lookup([ROTATED_IN.key]), index.lookup([ROTATED_IN.key])]);
  expect(found).toEqual([[publicPart(ROTATED_IN)], [publicPart(ROTATED_IN)]]);
  expect(source.lists).toBe(2);
});

test('rule: a failed listing fails the lookup, and the next lookup lists again', async () => {
  const index = new TokenIndex(source, { now });
  const down = new Error('Secrets Manager down');
  source.failure = down;
  await expect(index.lookup([CURRENT.key])).rejects.toBe(down);
  source.failure = undefined;
  expect(await index.lookup([CURRENT.key])).toEqual([publicPart(CURRENT)]);
  expect(source.lists).toBe(2);
});

test('rule: the clock is Date.now unless given', async () => {
  const spy = jest.spyOn(Date, 'now').mockReturnValue(50_000_000);
  try {
    const index = new TokenIndex(source);
    await index.lookup([CURRENT.key]);
    spy.mockReturnValue(50_000_000 + 300_000);
    await index.lookup([CURRENT.key]);
    expect(source.lists).toBe(2);
  } finally {
    spy.mockRestore();
  }
});
