/**
 * Figure 4: the verifier on one core: verifications per second for cache hits and for keys rejected by their
 * checksum, and Secrets Manager calls per million verifications across cache intervals (injected clock).
 */
import { performance } from 'node:perf_hooks';
import { generateApiKey } from '../lambdas/core/key-material';
import type { SecretDescription, SecretStore } from '../lambdas/core/ports';
import { keyIdOf } from '../lambdas/providers/self-issued';
import { ApiKeyVerifier } from '../lambdas/verifier';
import { median, spread, type BenchRow } from './table';

class CountingStore implements SecretStore {
  calls = 0;
  constructor(private readonly key: string) {}
  async describe(): Promise<SecretDescription> {
    this.calls++;
    return {
      arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/bench',
      name: 'keyturn/prod/bench',
      rotationEnabled: true,
      versions: { v1: ['AWSCURRENT'] },
      tags: {},
    };
  }
  async getValue(): Promise<string> {
    this.calls++;
    return JSON.stringify({
      keyturn: 1,
      provider: 'self-issued',
      keyId: keyIdOf(this.key),
      key: this.key,
      createdAt: new Date(0).toISOString(),
    });
  }
  async putPendingValue(): Promise<'stored'> {
    throw new Error('read only');
  }
  async promoteToCurrent(): Promise<void> {
    throw new Error('read only');
  }
}

async function rate(verify: () => Promise<unknown>, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await verify();
  return n / ((performance.now() - start) / 1000);
}

export async function benchVerifier(opts: { quick: boolean }): Promise<BenchRow[]> {
  const key = generateApiKey('kt_live_');
  const store = new CountingStore(key);
  let clock = 0;
  const verifier = new ApiKeyVerifier({
    keys: [{ name: 'bench', secretId: 'keyturn/prod/bench', prefix: 'kt_live_' }],
    store,
    now: () => clock,
  });
  await verifier.warm();
  const bad = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
  const n = opts.quick ? 50_000 : 300_000;
  const reps = opts.quick ? 3 : 7;
  const hits: number[] = [];
  const rejects: number[] = [];
  for (let r = 0; r < reps; r++) {
    hits.push(await rate(() => verifier.verify(key), n));
    rejects.push(await rate(() => verifier.verify(bad), n));
  }
  // One million verifications spread over 10 cache intervals (TTL 5 min): count the store calls.
  store.calls = 0;
  const million = opts.quick ? 100_000 : 1_000_000;
  for (let i = 0; i < million; i++) {
    clock = Math.floor((i / million) * 10 * 300_000);
    await verifier.verify(i % 10 ? key : bad);
  }
  const perInterval = store.calls / 10;
  const k = (v: number[]) => v.map((x) => x / 1000);
  return [
    {
      figure: '4. verifier: cache hits',
      measured: spread(k(hits), 'k/s', 0),
      goal: '> 1,000 k/s',
      met: median(hits) > 1_000_000,
    },
    {
      figure: '4. verifier: bad keys (checksum)',
      measured: spread(k(rejects), 'k/s', 0),
      goal: 'same order as hits',
      met: median(rejects) > median(hits) / 10,
    },
    {
      figure: `4. verifier: SM calls per ${million.toLocaleString('en')} verifications`,
      measured: `${store.calls} over 10 cache intervals (${perInterval} per interval: DescribeSecret + GetSecretValue)`,
      goal: 'one refresh per interval per container',
      met: perInterval <= 2,
    },
  ];
}
