/**
 * Rules of the fleet evaluator's decisions (lambdas/core/notify/usage.ts) at their boundaries: which key a usage row
 * counts for, request rate and rejected share strictly above each threshold, the minimum request count, a retired
 * key presented once, read counts summed over every spelling of a secret, and the read baseline: how it learns
 * (cumulative, then exponential), when it may report, the band's strict edge, and one page on the third window.
 */
import {
  ANOMALY_PERIODS,
  BASELINE_HORIZON,
  LEARNING_PERIODS,
  MIN_ANOMALOUS_READS,
  MIN_REQUESTS_FOR_SHARE,
  readAnomalies,
  readsPerKey,
  usageFindings,
  type Baseline,
  type UsageRow,
} from '../../lambdas/core/notify/usage';
import * as s from '../monitoring/cloudtrail-samples';
import { policyKey, policyOf } from './policy-fixture';

const window = { from: new Date('2026-12-01T10:00:00Z'), to: new Date('2026-12-01T10:05:00Z') };
const span = { from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T10:05:00.000Z' };

const policy = policyOf(
  policyKey(),
  policyKey({
    secretName: 'keyturn/staging/billing-api',
    environment: 'staging',
    verifierService: 'api-staging',
  }),
  policyKey({ secretName: 'keyturn/prod/search', keyName: 'search', verifierService: 'search' }),
);
// The parsed policy's own key objects: the evaluator keys its maps by them.
const [, , other] = policy.policy.keys;

const row = (o: Partial<UsageRow> = {}): UsageRow => ({
  service: 'search',
  keyName: 'search',
  accepted: 0,
  rejected: 0,
  retired: 0,
  ...o,
});
const kinds = (rows: UsageRow[], w = window) =>
  usageFindings(policy, rows, w).map(
    (f) => `${f.key.secretName} ${f.kind} ${f.severity} ${f.observed} ${f.threshold}`,
  );

describe('rule: which key a usage row counts for', () => {
  test('rule: a key name shared by environments is told apart by the verifying service', () => {
    const hot = { accepted: 5 * 1001 };
    expect(kinds([row({ keyName: 'billing-api', service: 'api', ...hot })])).toEqual([
      'keyturn/prod/billing-api requests critical 1001 1000',
    ]);
    expect(kinds([row({ keyName: 'billing-api', service: 'api-staging', ...hot })])).toEqual([
      'keyturn/staging/billing-api requests critical 1001 1000',
    ]);
  });

  test('rule: a shared name with an unknown service counts for no key; a unique name counts whatever the service', () => {
    expect(kinds([row({ keyName: 'billing-api', service: 'elsewhere', accepted: 1e6 })])).toEqual([]);
    expect(kinds([row({ keyName: 'search', service: 'elsewhere', accepted: 5 * 1001 })])).toEqual([
      'keyturn/prod/search requests critical 1001 1000',
    ]);
    expect(kinds([row({ keyName: 'unknown', accepted: 1e6, retired: 5 })])).toEqual([]);
  });

  test("rule: a key's rows are summed (every count, every row) before any decision", () => {
    const rows = [
      row({ accepted: 5 * 300, rejected: 5 * 100 }),
      row({ accepted: 5 * 50, rejected: 5 * 25, retired: 5 * 26 }),
    ];
    const found = usageFindings(policy, rows, window);
    expect(found.map((f) => [f.kind, f.observed])).toEqual([
      ['requests', 501],
      ['rejected-share', (100 * 5 * 151) / (5 * 501)],
      ['retired-key-presented', 130],
    ]);
  });
});

describe('rule: request rate, strictly above each threshold', () => {
  test.each([
    [5 * 500, []],
    [5 * 500 + 1, ['keyturn/prod/search requests notice 500.2 500']],
    [5 * 1000, ['keyturn/prod/search requests notice 1000 500']],
    [5 * 1000 + 1, ['keyturn/prod/search requests critical 1000.2 1000']],
  ])('rule: %d requests in five minutes', (accepted, expected) => {
    expect(kinds([row({ accepted })])).toEqual(expected);
  });

  test('rule: rejected and retired requests count as requests; the rate is per minute of the window', () => {
    const ten = { from: window.from, to: new Date('2026-12-01T10:10:00Z') };
    const f = usageFindings(policy, [row({ accepted: 4000, rejected: 600, retired: 410 })], ten);
    expect(f[0]).toEqual({
      kind: 'requests',
      key: other,
      severity: 'notice',
      observed: 501,
      threshold: 500,
      from: '2026-12-01T10:00:00.000Z',
      to: '2026-12-01T10:10:00.000Z',
    });
  });
});

describe('rule: rejected share, strictly above each threshold, from the minimum request count', () => {
  test('rule: below the minimum request count no share is judged; at it, it is', () => {
    expect(MIN_REQUESTS_FOR_SHARE).toBe(20);
    expect(kinds([row({ rejected: MIN_REQUESTS_FOR_SHARE - 1 })])).toEqual([]);
    expect(kinds([row({ rejected: MIN_REQUESTS_FOR_SHARE })])).toEqual([
      'keyturn/prod/search rejected-share critical 100 10',
    ]);
  });

  test.each([
    [{ accepted: 95, rejected: 5 }, []],
    [{ accepted: 94, rejected: 6 }, ['keyturn/prod/search rejected-share notice 6 5']],
    [{ accepted: 90, rejected: 10 }, ['keyturn/prod/search rejected-share notice 10 5']],
    [{ accepted: 89, rejected: 11 }, ['keyturn/prod/search rejected-share critical 11 10']],
  ])('rule: %o', (counts, expected) => {
    expect(kinds([row(counts)])).toEqual(expected);
  });

  test('rule: a retired key presented counts as rejected in the share', () => {
    const f = usageFindings(policy, [row({ accepted: 94, retired: 6 })], window);
    expect(f[0]).toEqual({
      kind: 'rejected-share',
      key: other,
      severity: 'notice',
      observed: 6,
      threshold: 5,
      ...span,
    });
  });
});

describe('rule: a retired key presented', () => {
  test('rule: once is a notice naming the count; none is nothing', () => {
    expect(usageFindings(policy, [row({ accepted: 10, retired: 1 })], window)).toEqual([
      { kind: 'retired-key-presented', key: other, severity: 'notice', observed: 1, threshold: 1, ...span },
    ]);
    expect(usageFindings(policy, [row({ accepted: 10, rejected: 3 })], window)).toEqual([]);
  });
});

describe('rule: reads are summed per key over every spelling of its secret', () => {
  test('rule: name, partial ARN and full ARN count for one key; unmanaged secrets for none', () => {
    const perKey = readsPerKey(policy, [
      { secretId: s.SECRET_NAME, reads: 2 },
      { secretId: `${s.PARTIAL_ARN_PREFIX}${s.SECRET_NAME}`, reads: 3 },
      { secretId: s.SECRET_ARN, reads: 5 },
      { secretId: 'keyturn/prod/search', reads: 7 },
      { secretId: s.UNMANAGED_SECRET_ARN, reads: 100 },
    ]);
    expect([...perKey.entries()].map(([k, n]) => [k.secretName, n])).toEqual([
      [s.SECRET_NAME, 10],
      ['keyturn/prod/search', 7],
    ]);
  });
});

describe('rule: the read baseline', () => {
  const one = policyOf(policyKey());
  const [prod] = one.policy.keys;
  const step = (reads: number, b?: Baseline) =>
    readAnomalies(one, new Map([[prod, reads]]), b ? new Map([[prod.secretName, b]]) : new Map(), window);
  const learnedAt = (b: Baseline, reads: number) => step(reads, b).baselines.get(prod.secretName)!;

  test('rule: every managed key learns each window, a key without reads learns 0; other baselines are dropped', () => {
    const out = readAnomalies(
      policy,
      new Map([[other, 4]]),
      new Map([['keyturn/gone', { mean: 9, variance: 0, n: 99, streak: 2 }]]),
      window,
    );
    expect([...out.baselines.keys()].sort()).toEqual([
      'keyturn/prod/billing-api',
      'keyturn/prod/search',
      'keyturn/staging/billing-api',
    ]);
    expect(out.baselines.get(prod.secretName)).toEqual({ mean: 0, variance: 0, n: 1, streak: 0 });
    expect(out.baselines.get(other.secretName)).toEqual({ mean: 4, variance: 0, n: 1, streak: 0 });
    expect(out.findings).toEqual([]);
  });

  test('rule: while young it is the plain mean and population variance of the windows seen', () => {
    let b: Baseline | undefined;
    for (const x of [2, 4, 6]) b = step(x, b).baselines.get(prod.secretName);
    expect(b!.mean).toBeCloseTo(4, 10);
    expect(b!.variance).toBeCloseTo(8 / 3, 10);
    expect(b).toMatchObject({ n: 3, streak: 0 });
  });

  test('rule: past the horizon it forgets exponentially, one part in BASELINE_HORIZON', () => {
    expect(BASELINE_HORIZON).toBe(288);
    const old: Baseline = { mean: 10, variance: 100, n: 500, streak: 0 };
    const next = learnedAt(old, 10 + 28.8); // within the band (10 + 3 × 10)
    const a = 1 / BASELINE_HORIZON;
    expect(next.mean).toBeCloseTo(10.1, 10);
    expect(next.variance).toBeCloseTo((1 - a) * (100 + a * 28.8 * 28.8), 10);
    expect(next).toMatchObject({ n: 501, streak: 0 });
    // At the horizon itself the weight is the same one part in 288; just before it, one in 288 as well (n + 1).
    expect(learnedAt({ ...old, n: BASELINE_HORIZON - 1 }, 38.8).mean).toBeCloseTo(10.1, 10);
    expect(learnedAt({ ...old, n: BASELINE_HORIZON - 2 }, 10 + 28.7).mean).toBeCloseTo(10.1, 10);
  });

  test('rule: a baseline that has not learned LEARNING_PERIODS windows learns even a spike, and never reports', () => {
    expect(LEARNING_PERIODS).toBe(36);
    const young: Baseline = { mean: 5, variance: 1, n: LEARNING_PERIODS - 1, streak: 0 };
    const out = step(500, young);
    expect(out.findings).toEqual([]);
    expect(out.baselines.get(prod.secretName)).toMatchObject({ n: LEARNING_PERIODS, streak: 0 });
    expect(out.baselines.get(prod.secretName)!.mean).toBeGreaterThan(5);
  });

  test('rule: a learned baseline counts a spike without learning from it', () => {
    const learned: Baseline = { mean: 5, variance: 1, n: LEARNING_PERIODS, streak: 0 };
    expect(learnedAt(learned, 500)).toEqual({ ...learned, streak: 1 });
  });

  test('rule: the band edge is strict, and a spike needs at least MIN_ANOMALOUS_READS reads', () => {
    expect(MIN_ANOMALOUS_READS).toBe(10);
    const flat: Baseline = { mean: 20, variance: 0, n: LEARNING_PERIODS, streak: 0 };
    expect(learnedAt(flat, 20).streak).toBe(0);
    expect(learnedAt(flat, 21).streak).toBe(1);
    const silent: Baseline = { mean: 0, variance: 0, n: LEARNING_PERIODS, streak: 0 };
    expect(learnedAt(silent, MIN_ANOMALOUS_READS - 1)).toMatchObject({ streak: 0, n: LEARNING_PERIODS + 1 });
    expect(learnedAt(silent, MIN_ANOMALOUS_READS)).toEqual({ ...silent, streak: 1 });
  });

  test("rule: the band is the key's own mean + its band width standard deviations", () => {
    const b: Baseline = { mean: 10, variance: 4, n: LEARNING_PERIODS, streak: 0 };
    // width 3: band 16; width 5: band 20.
    expect(learnedAt(b, 17).streak).toBe(1);
    const widePolicy = policyOf(policyKey({ readAnomalyBandWidth: 5 }));
    const [wide] = widePolicy.policy.keys;
    const out = readAnomalies(widePolicy, new Map([[wide, 17]]), new Map([[wide.secretName, b]]), window);
    expect(out.baselines.get(wide.secretName)!.streak).toBe(0);
  });

  test(`rule: the ${ANOMALY_PERIODS}rd window in a row above the band pages once, critical, with the band rounded`, () => {
    expect(ANOMALY_PERIODS).toBe(3);
    const b: Baseline = { mean: 5, variance: 2, n: LEARNING_PERIODS, streak: ANOMALY_PERIODS - 2 };
    expect(step(50, b).findings).toEqual([]);
    const third = step(50, { ...b, streak: ANOMALY_PERIODS - 1 });
    expect(third.findings).toEqual([
      {
        kind: 'read-anomaly',
        key: prod,
        severity: 'critical',
        observed: 50,
        threshold: 9.2, // 5 + 3 × √2 = 9.243
        ...span,
      },
    ]);
    expect(step(50, { ...b, streak: ANOMALY_PERIODS }).findings).toEqual([]);
  });

  test('rule: a window back within the band resets the streak', () => {
    const b: Baseline = { mean: 5, variance: 1, n: LEARNING_PERIODS, streak: 2 };
    expect(learnedAt(b, 5)).toMatchObject({ streak: 0, n: LEARNING_PERIODS + 1 });
  });
});
