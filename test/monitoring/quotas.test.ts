/**
 * Default quotas, checked on the synthesized assembly (every template, key shards included): 1,000 keys against
 * each quota the assembly touches, and 10,000 keys synthesize within them (shards pinned, bundling skipped).
 * Quotas: 300 rules per event bus, 100 metric filters per log group, 500 resources and 1,000,000 bytes per
 * template, 20 KB for a Lambda function's resource policy, 5,000 alarms per region (CloudWatch's default).
 */
import { costConfig, synthTemplates } from '../../bench/cost';

const QUOTAS = {
  rulesPerBus: 300,
  filtersPerLogGroup: 100,
  resources: 500,
  templateBytes: 1_000_000,
  policyBytes: 20_480,
  alarms: 5_000,
};

type Resource = { Type: string; Properties?: Record<string, unknown> };
function check(keys: number, shards: number) {
  const started = Date.now();
  const templates = synthTemplates(costConfig(keys, { existingTrail: false, shards }));
  const parsed = templates.map((t) => ({
    ...t,
    json: JSON.parse(t.body) as { Resources: Record<string, Resource> },
  }));
  const all = parsed.flatMap((t) => Object.values(t.json.Resources));
  const of = (type: string) => all.filter((r) => r.Type === type);
  const rulesOnDefaultBus = of('AWS::Events::Rule').filter((r) => !r.Properties?.EventBusName).length;
  const filtersPerGroup = new Map<string, number>();
  for (const f of of('AWS::Logs::MetricFilter')) {
    const g = JSON.stringify(f.Properties?.LogGroupName);
    filtersPerGroup.set(g, (filtersPerGroup.get(g) ?? 0) + 1);
  }
  const permissionBytes = new Map<string, number>();
  for (const p of of('AWS::Lambda::Permission')) {
    const fn = JSON.stringify(p.Properties?.FunctionName);
    // A statement as Lambda stores it: ~350 bytes of fixed JSON plus the resolved ARNs (counted at full length).
    permissionBytes.set(fn, (permissionBytes.get(fn) ?? 0) + 350 + JSON.stringify(p.Properties).length);
  }
  return {
    ms: Date.now() - started,
    templates: parsed.length,
    rulesOnDefaultBus,
    maxFiltersPerGroup: Math.max(0, ...filtersPerGroup.values()),
    maxResources: Math.max(...parsed.map((t) => Object.keys(t.json.Resources).length)),
    maxTemplateBytes: Math.max(...parsed.map((t) => Buffer.byteLength(t.body))),
    maxPermissionBytes: Math.max(0, ...permissionBytes.values()),
    alarms: of('AWS::CloudWatch::Alarm').length,
  };
}

function expectWithin(r: ReturnType<typeof check>) {
  expect(r.rulesOnDefaultBus).toBeLessThanOrEqual(QUOTAS.rulesPerBus);
  expect(r.maxFiltersPerGroup).toBeLessThanOrEqual(QUOTAS.filtersPerLogGroup);
  expect(r.maxResources).toBeLessThanOrEqual(QUOTAS.resources);
  expect(r.maxTemplateBytes).toBeLessThanOrEqual(QUOTAS.templateBytes);
  expect(r.maxPermissionBytes).toBeLessThanOrEqual(QUOTAS.policyBytes);
  expect(r.alarms).toBeLessThanOrEqual(QUOTAS.alarms);
}

const figures: string[] = [];
afterAll(() => process.stdout.write(`${figures.join('\n')}\n`));

test('1,000 keys: every default quota the assembly touches holds, and monitoring does not grow with the keys', () => {
  const small = check(10, 0);
  const r = check(1000, 10);
  figures.push(`quota check, 1,000 keys: ${JSON.stringify(r)}`);
  expectWithin(r);
  // O(1): the same rules, alarms and filters for 10 keys and for 1,000.
  expect([r.rulesOnDefaultBus, r.alarms, r.maxFiltersPerGroup]).toEqual([
    small.rulesOnDefaultBus,
    small.alarms,
    small.maxFiltersPerGroup,
  ]);
}, 900_000);

test('10,000 keys synthesize within the same quotas (100 key shards)', () => {
  const r = check(10_000, 100);
  figures.push(`quota check, 10,000 keys: ${JSON.stringify(r)}`);
  expectWithin(r);
  expect(r.templates).toBe(101);
}, 1_800_000);
