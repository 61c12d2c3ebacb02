/**
 * Rules of one fleet evaluator run (lambdas/core/notify/evaluate.ts): each source is queried for the last whole
 * window behind its own lag, usage findings every run, read anomalies and a baseline save once per window (a retried
 * run of a learned window learns nothing), every finding claimed under its dedupe key and published once, the
 * outcome's counts, and a run that fails to page neither keeps its claims nor teaches the baselines (its retry pages).
 */
import { Deduplicator } from '../../lambdas/core/notify/dedupe';
import {
  EVALUATION_MINUTES,
  evaluateFleet,
  SOURCE_LAG_MINUTES,
  windowEndingBefore,
  type BaselineSnapshot,
  type EvaluateDeps,
} from '../../lambdas/core/notify/evaluate';
import { findingDedupeKey, type FindingNotification } from '../../lambdas/core/notify/findings';
import { LEARNING_PERIODS, type Baseline, type UsageRow, type Window } from '../../lambdas/core/notify/usage';
import * as s from '../monitoring/cloudtrail-samples';
import { policyKey, policyOf } from './policy-fixture';

const policy = policyOf(policyKey());
const [key] = policy.policy.keys;
const NOW = new Date('2026-12-01T10:07:30Z');
const hot: UsageRow = { service: 'api', keyName: 'billing-api', accepted: 5 * 2000, rejected: 0, retired: 0 };

function world(
  o: { snapshot?: BaselineSnapshot; usage?: UsageRow[]; reads?: number; withUsage?: boolean } = {},
) {
  const queried: Array<[string, Window]> = [];
  const saved: BaselineSnapshot[] = [];
  const claimed: string[] = [];
  const published: FindingNotification[] = [];
  const held = new Set<string>();
  const deps: EvaluateDeps = {
    policy,
    queryReads: async (w) => {
      queried.push(['reads', w]);
      return [{ secretId: s.SECRET_ARN, reads: o.reads ?? 0 }];
    },
    loadBaselines: async () => o.snapshot ?? { baselines: new Map() },
    saveBaselines: async (snapshot) => void saved.push(snapshot),
    dedupe: new Deduplicator(3_600_000, {
      claim: async (k) => {
        claimed.push(k);
        if (held.has(k)) return false;
        held.add(k);
        return true;
      },
      release: async (k) => void held.delete(k),
    }),
    publish: async (n) => void published.push(n),
  };
  if (o.withUsage !== false) {
    deps.queryUsage = async (w) => {
      queried.push(['usage', w]);
      return o.usage ?? [];
    };
  }
  return { deps, queried, saved, claimed, published };
}

describe('rule: the windows', () => {
  test('rule: the last whole five-minute window ending at least the lag before now', () => {
    expect(EVALUATION_MINUTES).toBe(5);
    expect(windowEndingBefore(NOW, 1)).toEqual({
      from: new Date('2026-12-01T10:00:00Z'),
      to: new Date('2026-12-01T10:05:00Z'),
    });
    expect(windowEndingBefore(NOW, 15)).toEqual({
      from: new Date('2026-12-01T09:45:00Z'),
      to: new Date('2026-12-01T09:50:00Z'),
    });
    // Exactly on a boundary, that boundary ends the window; a millisecond earlier it does not.
    expect(windowEndingBefore(new Date('2026-12-01T10:06:00Z'), 1).to).toEqual(
      new Date('2026-12-01T10:05:00Z'),
    );
    expect(windowEndingBefore(new Date('2026-12-01T10:05:59.999Z'), 1).to).toEqual(
      new Date('2026-12-01T10:00:00Z'),
    );
    expect(windowEndingBefore(new Date('2026-12-01T10:05:00Z'), 0).to).toEqual(
      new Date('2026-12-01T10:05:00Z'),
    );
  });

  test('rule: usage is read a minute behind, reads fifteen minutes behind (CloudTrail lags)', async () => {
    expect(SOURCE_LAG_MINUTES).toEqual({ usage: 1, reads: 15 });
    const w = world();
    await evaluateFleet(w.deps, NOW);
    expect(w.queried.sort()).toEqual([
      ['reads', windowEndingBefore(NOW, 15)],
      ['usage', windowEndingBefore(NOW, 1)],
    ]);
  });
});

describe('rule: reads teach the baselines once per window', () => {
  test('rule: a new window learns from its reads and saves the baselines stamped with its end', async () => {
    const w = world({ reads: 4 });
    const out = await evaluateFleet(w.deps, NOW);
    expect(out.learned).toBe(true);
    expect(w.saved).toEqual([
      {
        windowEnd: '2026-12-01T09:50:00.000Z',
        baselines: new Map([[key.secretName, { mean: 4, variance: 0, n: 1, streak: 0 }]]),
      },
    ]);
  });

  test('rule: a window already learned learns nothing, saves nothing and reports no read anomaly', async () => {
    const spiking: Baseline = { mean: 5, variance: 1, n: LEARNING_PERIODS, streak: 2 };
    const snapshot = {
      windowEnd: '2026-12-01T09:50:00.000Z',
      baselines: new Map([[key.secretName, spiking]]),
    };
    const w = world({ snapshot, reads: 500 });
    const out = await evaluateFleet(w.deps, NOW);
    expect(out).toEqual({ findings: [], published: 0, deduplicated: 0, learned: false });
    expect(w.saved).toEqual([]);
    // The next window does learn, and this spike's third window pages.
    const later = world({ snapshot, reads: 500 });
    const next = await evaluateFleet(later.deps, new Date(NOW.getTime() + 5 * 60_000));
    expect(next.findings.map((f) => f.kind)).toEqual(['read-anomaly']);
    expect(next.learned).toBe(true);
    expect(later.published.map((n) => n.kind)).toEqual(['read-anomaly']);
  });
});

describe('rule: each finding is claimed once and published', () => {
  test('rule: usage findings are judged every run and published under their dedupe key', async () => {
    const w = world({ usage: [hot] });
    const out = await evaluateFleet(w.deps, NOW);
    expect(out.findings.map((f) => f.kind)).toEqual(['requests']);
    expect(w.claimed).toEqual([findingDedupeKey(out.findings[0])]);
    expect(w.published.map((n) => n.subject)).toEqual([
      '[keyturn critical] Request rate high: prod/billing-api',
    ]);
    expect(out).toMatchObject({ published: 1, deduplicated: 0 });
  });

  test('rule: a finding already paged in the dedupe window is counted, not published', async () => {
    const w = world({ usage: [hot, { ...hot, accepted: 0, retired: 3 }] });
    await w.deps.dedupe.firstSighting('finding|requests|critical|keyturn/prod/billing-api');
    const out = await evaluateFleet(w.deps, NOW);
    expect(out.findings.map((f) => f.kind)).toEqual(['requests', 'retired-key-presented']);
    expect(out).toMatchObject({ published: 1, deduplicated: 1 });
    expect(w.published.map((n) => n.kind)).toEqual(['retired-key-presented']);
  });

  test('rule: without a verifier log group usage is not queried; reads still are', async () => {
    const w = world({ withUsage: false, usage: [hot] });
    const out = await evaluateFleet(w.deps, NOW);
    expect(w.queried.map(([what]) => what)).toEqual(['reads']);
    expect(out).toEqual({ findings: [], published: 0, deduplicated: 0, learned: true });
  });

  test('rule: a run that fails to page saves no baselines and gives its claim back: its retry pages', async () => {
    // The third window of a spike: the run that fails to publish must not teach the baselines (streak 3), or its
    // retry would see the window as learned and the read anomaly would never page.
    const spiking: Baseline = { mean: 5, variance: 1, n: LEARNING_PERIODS, streak: 2 };
    const snapshot = {
      windowEnd: '2026-12-01T09:45:00.000Z',
      baselines: new Map([[key.secretName, spiking]]),
    };
    const w = world({ snapshot, reads: 500, usage: [hot] });
    const sent: FindingNotification[] = [];
    let down = true;
    w.deps.publish = async (n) => (down ? Promise.reject(new Error('sns throttled')) : void sent.push(n));
    await expect(evaluateFleet(w.deps, NOW)).rejects.toThrow('sns throttled');
    expect(w.saved).toEqual([]);
    down = false;
    const retried = await evaluateFleet(w.deps, NOW);
    expect(sent.map((n) => n.kind)).toEqual(['requests', 'read-anomaly']);
    expect(retried).toMatchObject({ published: 2, deduplicated: 0, learned: true });
    expect(w.saved).toHaveLength(1);
  });

  test('rule: baselines are saved after the pages, once per run that learns', async () => {
    const order: string[] = [];
    const w = world({ reads: 3, usage: [hot] });
    w.deps.publish = async () => void order.push('publish');
    w.deps.saveBaselines = async () => void order.push('save');
    await evaluateFleet(w.deps, NOW);
    expect(order).toEqual(['publish', 'save']);
  });
});
