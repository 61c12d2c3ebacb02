/**
 * Figure 6: 10,000 keys on one cadence: the peak Secrets Manager call rate keyturn's schedules produce, per
 * quota group, beside the documented quota. The calls of one rotation and of one retirement are measured by
 * running the real code against the stateful fake; the fleet is then laid out on a timeline: Secrets Manager
 * starts each key's rotation somewhere in its rotation window (modelled as uniform), the retirement fires one
 * overlap later (laid on the same day as the next batch's rotations: the worst case). The daily audit pages
 * ListSecrets one call in flight at a time: its rate is one call per round trip, whatever the fleet. A rotation's and a retirement's calls are all counted in the second
 * they start (a rotation's four steps take about a second: a pessimistic bucketing).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerRetirementMarks } from '../lambdas/aws/retirement-marks';
import { SecretsManagerSecretStore } from '../lambdas/aws/secret-store';
import { BOOTSTRAP_SECRET_VALUE, STAGE, TIERS } from '../lambdas/core/constants';
import { retireVersion } from '../lambdas/core/retire';
import { runRotationStep } from '../lambdas/core/rotation';
import { RotationMemo } from '../lambdas/core/rotation-memo';
import { LIST_PAGE_SIZE } from '../lambdas/aws/secret-inventory';
import { MapProviderRegistry } from '../lambdas/providers/registry';
import { SelfIssuedProvider } from '../lambdas/providers/self-issued';
import { MemoryIssuanceLog } from '../test/helpers/issuance';
import { managedTags } from '../test/helpers/keys';
import { FakeSecretsManager } from '../test/helpers/secrets-manager-fake';
import { deployedRegistry } from '../test/helpers/registry';
import { installTagResource } from '../test/retire/fakes';
import { median, type BenchRow } from './table';

const FLEET = 10_000;
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** Documented per-account, per-Region quotas (requests per second) of the calls keyturn's schedules make. */
export const QUOTAS = {
  GetSecretValue: 10_000,
  DescribeSecret: 40_000,
  'PutSecretValue + UpdateSecretVersionStage': 50,
  'TagResource + UntagResource': 50,
  ListSecrets: 100,
} as const;
type QuotaGroup = keyof typeof QUOTAS;

const GROUP_OF: Record<string, QuotaGroup> = {
  GetSecretValue: 'GetSecretValue',
  DescribeSecret: 'DescribeSecret',
  PutSecretValue: 'PutSecretValue + UpdateSecretVersionStage',
  UpdateSecretVersionStage: 'PutSecretValue + UpdateSecretVersionStage',
  TagResource: 'TagResource + UntagResource',
  ListSecrets: 'ListSecrets',
};

type CallMix = Partial<Record<QuotaGroup, number>>;

function mixOf(sm: FakeSecretsManager): CallMix {
  const mix: CallMix = {};
  for (const call of sm.mock.calls()) {
    const command = (call.args[0] as object).constructor.name.replace(/Command$/, '');
    const group = GROUP_OF[command];
    if (!group) throw new Error(`bench: no quota group for ${command}`);
    mix[group] = (mix[group] ?? 0) + 1;
  }
  return mix;
}

/** One rotation and one retirement of a self-issued key, through the real code: their calls by quota group. */
async function measureMixes(): Promise<{ rotation: CallMix; retirement: CallMix }> {
  const sm = new FakeSecretsManager();
  installTagResource(sm);
  const client = new SecretsManagerClient({ region: 'eu-west-1' });
  const store = new SecretsManagerSecretStore(client);
  const providers = new MapProviderRegistry([new SelfIssuedProvider()]);
  const registry = deployedRegistry(sm);
  const secret = sm.addSecret('keyturn/prod/fleet', { value: BOOTSTRAP_SECRET_VALUE, tags: managedTags() });
  const rotate = async () => {
    const token = sm.beginRotation(secret.arn);
    const memo = new RotationMemo();
    for (const Step of STEPS)
      await runRotationStep(
        { store, providers, memo, registry },
        { Step, SecretId: secret.arn, ClientRequestToken: token },
      );
  };
  await rotate();
  sm.mock.resetHistory();
  await rotate();
  const rotation = mixOf(sm);
  const previous = sm.versionWith(secret.arn, STAGE.previous);
  if (!previous) throw new Error('bench: no AWSPREVIOUS after two rotations');
  sm.mock.resetHistory();
  const result = await retireVersion(
    {
      store,
      marks: new SecretsManagerRetirementMarks(client),
      providers,
      registry,
      // Self-issued keys are revoked per version: the issuance records are not read.
      issuance: new MemoryIssuanceLog(),
      sleep: async () => {},
    },
    { secretId: secret.arn, versionId: previous },
  );
  if (result.outcome !== 'retired') throw new Error(`bench: the retirement ended ${result.outcome}`);
  return { rotation, retirement: mixOf(sm) };
}

/** A small seeded generator (mulberry32): the same fleet layout for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Peak calls per second of each quota group over one day of the fleet. */
function peakRates(
  mixes: { rotation: CallMix; retirement: CallMix },
  windowSeconds: number,
  seed: number,
): Record<QuotaGroup, number> {
  const next = random(seed);
  const perSecond = new Map<number, CallMix>();
  const add = (second: number, mix: CallMix) => {
    const bucket = perSecond.get(second) ?? {};
    for (const [group, n] of Object.entries(mix) as Array<[QuotaGroup, number]>)
      bucket[group] = (bucket[group] ?? 0) + n;
    perSecond.set(second, bucket);
  };
  for (let i = 0; i < FLEET; i++) {
    add(Math.floor(next() * windowSeconds), mixes.rotation);
    // The previous batch's retirement: one overlap after its rotation, at the same offset in the window.
    add(Math.floor(next() * windowSeconds), mixes.retirement);
  }
  const peaks = Object.fromEntries(Object.keys(QUOTAS).map((g) => [g, 0])) as Record<QuotaGroup, number>;
  for (const bucket of perSecond.values()) {
    for (const [group, n] of Object.entries(bucket) as Array<[QuotaGroup, number]>)
      peaks[group] = Math.max(peaks[group], n);
  }
  return peaks;
}

export async function benchFleet(opts: { quick: boolean }): Promise<BenchRow[]> {
  const mixes = await measureMixes();
  const tier = TIERS.critical;
  const windowSeconds = tier.windowHours * 3600;
  const seeds = opts.quick ? [1, 2, 3] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const runs = seeds.map((seed) => peakRates(mixes, windowSeconds, seed));
  const describeMix = (m: CallMix) =>
    Object.entries(m)
      .map(([g, n]) => `${g} ${n}`)
      .join(', ');
  const rows: BenchRow[] = [
    {
      figure: '6. fleet: calls of one rotation / one retirement',
      measured: `rotation: ${describeMix(mixes.rotation)}; retirement: ${describeMix(mixes.retirement)}`,
      goal: '(input to the model)',
      met: 'n/a',
    },
  ];
  for (const group of Object.keys(QUOTAS) as QuotaGroup[]) {
    const peaks = runs.map((r) => r[group]);
    if (peaks.every((p) => p === 0)) continue;
    const peak = median(peaks);
    rows.push({
      figure: `6. fleet of ${FLEET.toLocaleString('en')} (${tier.rotateEveryDays}-day cadence, ${tier.windowHours} h window): peak ${group}`,
      measured: `${peak}/s (${Math.min(...peaks)}–${Math.max(...peaks)} over ${seeds.length} layouts), ${((100 * peak) / QUOTAS[group]).toFixed(1)} % of quota`,
      goal: `< ${QUOTAS[group].toLocaleString('en')}/s (documented quota)`,
      met: Math.max(...peaks) < QUOTAS[group],
    });
  }
  rows.push({
    figure: `6. fleet of ${FLEET.toLocaleString('en')}: the daily audit`,
    measured: `${Math.ceil(FLEET / LIST_PAGE_SIZE)} ListSecrets calls, one in flight (the rate is one per round trip)`,
    goal: `< ${QUOTAS.ListSecrets}/s`,
    met: 'n/a',
    notes: 'not simulated: under the quota whenever a round trip takes over 10 ms',
  });
  return rows;
}
