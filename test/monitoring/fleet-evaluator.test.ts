/**
 * The fleet evaluator's detections, each for the right key among 1,000 and for no other: requests per minute,
 * rejected share (with its minimum-requests guard), retired keys presented, and reads far above a key's own
 * baseline; per-key overrides and tier defaults; one page per finding per window; a retried run learns nothing twice.
 */
import { Deduplicator } from '../../lambdas/core/notify/dedupe';
import { evaluateFleet, windowEndingBefore, type BaselineSnapshot } from '../../lambdas/core/notify/evaluate';
import { formatFinding } from '../../lambdas/core/notify/findings';
import { parseMonitoringPolicy, PolicyIndex } from '../../lambdas/core/notify/policy';
import {
  ANOMALY_PERIODS,
  LEARNING_PERIODS,
  MIN_ANOMALOUS_READS,
  MIN_REQUESTS_FOR_SHARE,
  readAnomalies,
  usageFindings,
  type Baseline,
  type UsageRow,
} from '../../lambdas/core/notify/usage';
import { policyKeyFor } from '../../lib/monitoring/policy';
import { configWith, exampleConfig } from '../helpers/synth';

const KEYS = 1000;
const base = exampleConfig();
function fleet(overrides: (i: number) => Record<string, unknown> = () => ({})) {
  const template = JSON.parse(JSON.stringify(base.keys[0]));
  const config = configWith({
    ...JSON.parse(JSON.stringify(base)),
    keys: Array.from({ length: KEYS }, (_, i) => ({
      ...template,
      name: `key-${i}`,
      environment: 'prod',
      provider: { kind: 'self-issued', prefix: 'kt_live_' },
      alarms: { verifierService: 'api' },
      ...overrides(i),
    })),
  });
  // Exactly what the stack writes into the layer, parsed by the function's own schema.
  return new PolicyIndex(
    parseMonitoringPolicy(
      JSON.stringify({
        version: 1,
        secretPrefix: 'keyturn/',
        keys: config.keys.map((k) => policyKeyFor('keyturn/', k, config.monitoring)),
      }),
    ),
  );
}
const policy = fleet();
const window = { from: new Date('2026-12-01T10:00:00Z'), to: new Date('2026-12-01T10:05:00Z') };
const quiet: UsageRow[] = Array.from({ length: KEYS }, (_, i) => ({
  service: 'api',
  keyName: `key-${i}`,
  accepted: 100,
  rejected: 0,
  retired: 0,
}));
const withRow = (i: number, row: Partial<UsageRow>) => quiet.map((r, j) => (j === i ? { ...r, ...row } : r));
const names = (fs: Array<{ key: { keyName: string }; kind: string; severity: string }>) =>
  fs.map((f) => `${f.key.keyName} ${f.kind} ${f.severity}`);

describe('usage findings (verifier records, one window)', () => {
  test('a quiet fleet has no findings', () => {
    expect(usageFindings(policy, quiet, window)).toEqual([]);
  });

  test('requests per minute: warning above 500/min, critical above 1,000/min, for that key only', () => {
    expect(names(usageFindings(policy, withRow(321, { accepted: 5 * 501 }), window))).toEqual([
      'key-321 requests notice',
    ]);
    expect(names(usageFindings(policy, withRow(321, { accepted: 5 * 1001 }), window))).toEqual([
      'key-321 requests critical',
    ]);
    expect(usageFindings(policy, withRow(321, { accepted: 5 * 500 }), window)).toEqual([]);
  });

  test('rejected share: critical above 10 %, ignored below the minimum request count', () => {
    const share = usageFindings(policy, withRow(7, { accepted: 80, rejected: 15, retired: 5 }), window);
    expect(names(share)).toEqual(['key-7 rejected-share critical', 'key-7 retired-key-presented notice']);
    expect(share[0].observed).toBe(20);
    const few = usageFindings(
      policy,
      withRow(7, { accepted: 0, rejected: MIN_REQUESTS_FOR_SHARE - 1, retired: 0 }),
      window,
    );
    expect(few).toEqual([]);
    const enough = usageFindings(
      policy,
      withRow(7, { accepted: 0, rejected: MIN_REQUESTS_FOR_SHARE, retired: 0 }),
      window,
    );
    expect(names(enough)).toEqual(['key-7 rejected-share critical']);
  });

  test('a retired key presented once is a notice naming the key', () => {
    expect(names(usageFindings(policy, withRow(999, { retired: 1 }), window))).toEqual([
      'key-999 retired-key-presented notice',
    ]);
  });

  test("a key's own override and its tier's defaults win over the pipeline defaults", () => {
    const tuned = fleet((i) =>
      i === 5 ? { alarms: { verifierService: 'api', requestsPerMinute: { warning: 10, critical: 20 } } } : {},
    );
    expect(names(usageFindings(tuned, withRow(5, { accepted: 5 * 25 }), window))).toEqual([
      'key-5 requests critical',
    ]);
    const sixOnly = [{ service: 'api', keyName: 'key-6', accepted: 5 * 25, rejected: 0, retired: 0 }];
    expect(usageFindings(tuned, sixOnly, window)).toEqual([]);
    const tiered = (() => {
      const template = JSON.parse(JSON.stringify(base.keys[0]));
      const config = configWith({
        ...JSON.parse(JSON.stringify(base)),
        monitoring: { tierDefaults: { critical: { requestsPerMinute: { warning: 30, critical: 60 } } } },
        keys: ['critical', 'standard'].map((tier) => ({
          ...template,
          name: `k-${tier}`,
          tier,
          provider: { kind: 'self-issued', prefix: 'kt_live_' },
          alarms: { verifierService: 'api' },
        })),
      });
      return new PolicyIndex(
        parseMonitoringPolicy(
          JSON.stringify({
            version: 1,
            secretPrefix: 'keyturn/',
            keys: config.keys.map((k) => policyKeyFor('keyturn/', k, config.monitoring)),
          }),
        ),
      );
    })();
    const rows = ['critical', 'standard'].map((t) => ({
      service: 'api',
      keyName: `k-${t}`,
      accepted: 5 * 40,
      rejected: 0,
      retired: 0,
    }));
    expect(names(usageFindings(tiered, rows, window))).toEqual(['k-critical requests notice']);
  });

  test('the page names key, owner, window, measurement and threshold, and never a key', () => {
    const [f] = usageFindings(policy, withRow(42, { accepted: 5 * 2000 }), window);
    const n = formatFinding(f);
    expect(n.subject).toBe('[keyturn critical] Request rate high: prod/key-42');
    expect(n.message).toContain('2,000 requests per minute (window average), above 1,000.');
    expect(n.message).toContain(`Owner:         ${base.keys[0].owner}`);
    expect(n.message).toContain('Window:        2026-12-01T10:00:00.000Z to 2026-12-01T10:05:00.000Z');
    expect(n.message).not.toMatch(/kt_live_[A-Za-z0-9]{8}/);
  });

  test('rows for keys the deployment does not manage are ignored', () => {
    expect(
      usageFindings(
        policy,
        [{ service: 'api', keyName: 'planted', accepted: 1e6, rejected: 0, retired: 9 }],
        window,
      ),
    ).toEqual([]);
  });
});

describe('read anomalies (CloudTrail reads against each key own baseline)', () => {
  const key = (i: number) => policy.policy.keys[i];
  function learn(windows: number, readsOf: (i: number, w: number) => number) {
    let baselines = new Map<string, Baseline>();
    for (let w = 0; w < windows; w++) {
      const reads = new Map(policy.policy.keys.map((k, i) => [k, readsOf(i, w)]));
      baselines = readAnomalies(policy, reads, baselines, window).baselines;
    }
    return baselines;
  }
  const usual = (i: number, w: number) => 5 + ((i + w) % 3); // 5–7 reads per window
  const learned = learn(LEARNING_PERIODS, usual);

  function spike(baselines: Map<string, Baseline>, i: number, reads: number, windows: number) {
    const found: string[] = [];
    let b = baselines;
    for (let w = 0; w < windows; w++) {
      const r = new Map(policy.policy.keys.map((k, j) => [k, j === i ? reads : usual(j, w)]));
      const out = readAnomalies(policy, r, b, window);
      found.push(...out.findings.map((f) => `${f.key.keyName} w${w}`));
      b = out.baselines;
    }
    return found;
  }

  test(`${ANOMALY_PERIODS} windows far above its band page for that key once, on the ${ANOMALY_PERIODS}rd`, () => {
    expect(spike(learned, 613, 200, 5)).toEqual([`key-613 w${ANOMALY_PERIODS - 1}`]);
  });

  test('a spike shorter than the required windows does not page', () => {
    expect(spike(learned, 613, 200, ANOMALY_PERIODS - 1)).toEqual([]);
  });

  test('reads within the band, or below the minimum count, never page', () => {
    expect(spike(learned, 613, 8, 6)).toEqual([]);
    const quietKey = learn(LEARNING_PERIODS, (i) => (i === 1 ? 0 : 5));
    expect(spike(quietKey, 1, MIN_ANOMALOUS_READS - 1, 6)).toEqual([]);
  });

  test('a baseline still learning does not page', () => {
    expect(spike(learn(LEARNING_PERIODS - ANOMALY_PERIODS - 1, usual), 613, 200, 3)).toEqual([]);
  });

  test('a spike does not teach the baseline (its band does not chase it)', () => {
    let b = learned;
    for (let w = 0; w < 10; w++) {
      b = readAnomalies(policy, new Map([[key(613), 200]]), b, window).baselines;
    }
    expect(b.get(key(613).secretName)!.mean).toBeLessThan(8);
  });
});

describe('one run of the evaluator', () => {
  function deps(snapshot: BaselineSnapshot, usage: UsageRow[]) {
    const published: string[] = [];
    const saved: BaselineSnapshot[] = [];
    const claims = new Set<string>();
    return {
      published,
      saved,
      deps: {
        policy,
        queryReads: async () => [{ secretId: 'keyturn/prod/key-1', reads: 3 }],
        queryUsage: async () => usage,
        loadBaselines: async () => snapshot,
        saveBaselines: async (s: BaselineSnapshot) => void saved.push(s),
        dedupe: new Deduplicator(3_600_000, {
          claim: async (k: string) => !claims.has(k) && claims.add(k).has(k),
          release: async (k: string) => void claims.delete(k),
        }),
        publish: async (n: { subject: string }) => void published.push(n.subject),
      },
    };
  }
  const now = new Date('2026-12-01T10:07:30Z');

  test('windows are whole five-minute steps behind each source lag', () => {
    expect(windowEndingBefore(now, 1)).toEqual({
      from: new Date('2026-12-01T10:00:00Z'),
      to: new Date('2026-12-01T10:05:00Z'),
    });
    expect(windowEndingBefore(now, 15).to).toEqual(new Date('2026-12-01T09:50:00Z'));
  });

  test('a finding pages once; the same window run again learns nothing and pages nothing', async () => {
    const d = deps({ baselines: new Map() }, withRow(42, { accepted: 5 * 2000 }));
    const first = await evaluateFleet(d.deps, now);
    expect(first).toMatchObject({ published: 1, learned: true });
    expect(d.published).toEqual(['[keyturn critical] Request rate high: prod/key-42']);
    const retried = deps(d.saved[0], withRow(42, { accepted: 5 * 2000 }));
    retried.deps.dedupe = d.deps.dedupe;
    const second = await evaluateFleet(retried.deps, now);
    expect(second).toMatchObject({ published: 0, deduplicated: 1, learned: false });
    expect(retried.saved).toEqual([]);
  });

  test('without verifier log groups only reads are evaluated', async () => {
    const d = deps({ baselines: new Map() }, []);
    const out = await evaluateFleet({ ...d.deps, queryUsage: undefined }, now);
    expect(out.findings).toEqual([]);
    expect(d.saved[0].baselines.size).toBe(KEYS);
  });
});
