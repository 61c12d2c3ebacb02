/**
 * Figure: what monitoring costs per month, computed from the synthesized assembly (every template, nested key
 * shards included) against the price table in bench/cost-prices.ts, for 10, 1,000 and 10,000 keys. Counted from
 * the templates: alarms and their metrics, custom metric series the alarms and metric filters imply, Contributor
 * Insights rules, rules, dashboards, trails; from the traffic assumptions: the notify function's invocations, the
 * evaluator's runs and queries, log ingestion and scanning, DynamoDB baselines, a second trail's copy of events.
 * Goal: at most $0.20 per key per month at 1,000 keys (issue 16), the secret's own $0.40 excluded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildKeyturnApp } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import base from '../bin/keyturn.config.json';
import { PRICES as P, TRAFFIC as T } from './cost-prices';
import type { BenchRow } from './table';

type Resource = { Type: string; Properties?: Record<string, unknown> };
export interface AssemblyCounts {
  keys: number;
  templates: number;
  alarms: number;
  alarmMetrics: number;
  customSeries: number;
  insightRules: number;
  rules: number;
  dashboards: number;
  metricFilters: number;
  createsTrail: boolean;
  verifierServices: number;
}

export function costConfig(keyCount: number, options: { existingTrail?: boolean; shards?: number } = {}) {
  const [critical, standard] = base.keys;
  const keys = Array.from({ length: keyCount }, (_, i) => ({
    ...(i % 2 ? standard : critical),
    name: `api-${String(i).padStart(5, '0')}`,
    // Keys of a fleet share a few verifying services (the per-service metric series are the fixed part).
    alarms: { verifierService: `service-${i % 10}` },
  }));
  return parseConfig({
    ...base,
    pipeline: { ...base.pipeline, ...(options.shards ? { keyShards: options.shards } : {}) },
    monitoring: {
      ...(options.existingTrail
        ? { existingTrail: { logGroupName: 'org-trail-logs', trailName: 'org-trail' } }
        : { createTrail: true }),
      verifierLogGroups: ['/aws/lambda/service-0'],
    },
    keys,
  });
}

/** Synthesize (bundling skipped) and read every template of the assembly. */
export function synthTemplates(
  config: ReturnType<typeof parseConfig>,
): Array<{ file: string; body: string }> {
  const { app } = buildKeyturnApp(config, new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  const assembly = app.synth();
  return readdirSync(assembly.directory)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => ({ file: f, body: readFileSync(path.join(assembly.directory, f), 'utf8') }));
}

export function countAssembly(
  templates: Array<{ body: string }>,
  keys: number,
  verifierServices: number,
): AssemblyCounts {
  const resources = templates.flatMap((t) =>
    Object.values((JSON.parse(t.body) as { Resources: Record<string, Resource> }).Resources),
  );
  const of = (type: string) => resources.filter((r) => r.Type === type);
  const series = new Set<string>();
  let alarmMetrics = 0;
  for (const a of of('AWS::CloudWatch::Alarm')) {
    const p = a.Properties ?? {};
    const metrics = (p.Metrics as Array<Record<string, unknown>> | undefined) ?? [];
    const stats = metrics.filter((m) => m.MetricStat);
    alarmMetrics += p.MetricName ? 1 : stats.length;
    if (metrics.some((m) => String(m.Expression ?? '').includes('ANOMALY_DETECTION_BAND'))) alarmMetrics += 2;
    const ids = p.MetricName
      ? [{ ns: p.Namespace, name: p.MetricName, dims: p.Dimensions }]
      : stats.map((m) => {
          const metric = (m.MetricStat as { Metric: Record<string, unknown> }).Metric;
          return { ns: metric.Namespace, name: metric.MetricName, dims: metric.Dimensions };
        });
    // AWS/* namespaces are vended metrics (free); everything else is a custom series.
    for (const id of ids) if (!String(id.ns).startsWith('AWS/')) series.add(JSON.stringify(id));
  }
  let filterSeries = 0;
  for (const f of of('AWS::Logs::MetricFilter')) {
    const t = ((f.Properties?.MetricTransformations as Array<Record<string, unknown>>) ?? [])[0] ?? {};
    // A dimensioned filter writes one series per distinct value: the keys, at the least.
    const key = JSON.stringify({ ns: t.MetricNamespace, name: t.MetricName, dims: undefined });
    if (t.Dimensions) filterSeries += keys;
    else if (!series.has(key)) filterSeries += 1;
  }
  return {
    keys,
    templates: templates.length,
    alarms: of('AWS::CloudWatch::Alarm').length,
    alarmMetrics,
    customSeries: series.size + filterSeries + 3 * verifierServices,
    insightRules: of('AWS::CloudWatch::InsightRule').length,
    rules: of('AWS::Events::Rule').length,
    dashboards: of('AWS::CloudWatch::Dashboard').length,
    metricFilters: of('AWS::Logs::MetricFilter').length,
    createsTrail: of('AWS::CloudTrail::Trail').length > 0,
    verifierServices,
  };
}

export interface CostBreakdown {
  template: number;
  traffic: number;
  secondTrail: number;
  lines: Record<string, number>;
}

/** Monthly USD for one assembly's counts under the traffic assumptions. */
export function monthlyCost(c: AssemblyCounts): CostBreakdown {
  const GB = 2 ** 30;
  const runs = (30 * 24 * 60) / 5;
  const reads = c.keys * T.secretReadsPerKey;
  const usage = c.keys * T.verifierRequestsPerKey;
  const lines: Record<string, number> = {
    'alarm metrics': c.alarmMetrics * P.alarmMetric,
    'custom metric series': c.customSeries * P.customMetricSeries,
    'Contributor Insights rules': c.insightRules * P.contributorInsightsRule,
    dashboards: c.dashboards * P.dashboard,
    'notify invocations (consumer reads)':
      (reads / 1e6) * P.lambdaPerMillionRequests + reads * (T.notifyMs / 1000) * 0.25 * P.lambdaPerGbSecond,
    'evaluator runs':
      (runs / 1e6) * P.lambdaPerMillionRequests +
      runs * ((T.evaluatorMsPer1000Keys * Math.max(c.keys, 100)) / 1000 / 1000) * 0.5 * P.lambdaPerGbSecond,
    'Logs Insights scanned':
      (((T.accountManagementEvents + reads) * T.trailRecordBytes + usage * T.usageRecordBytes) / GB) *
      P.logsInsightsScannedPerGb,
    'verifier usage records ingested': ((usage * T.usageRecordBytes) / GB) * P.logsIngestedPerGb,
    'trail log ingestion (reads)': c.createsTrail
      ? ((reads * T.trailRecordBytes) / GB) * P.logsIngestedPerGb
      : 0,
    'baselines (DynamoDB)':
      runs *
      Math.ceil(c.keys / 400) *
      ((28 * P.dynamoPerMillionWrites) / 1e6 + (7 * P.dynamoPerMillionReads) / 1e6),
  };
  const template =
    lines['alarm metrics'] +
    lines['custom metric series'] +
    lines['Contributor Insights rules'] +
    lines.dashboards;
  const traffic = Object.values(lines).reduce((a, b) => a + b, 0) - template;
  // A second trail pays for its copy of every management event (the first copy in an account is free).
  const secondTrail = c.createsTrail
    ? ((T.accountManagementEvents + reads) / 1e5) * P.secondTrailPer100kEvents
    : 0;
  return { template, traffic, secondTrail, lines };
}

const usd = (n: number) => `$${n < 1 ? n.toFixed(3) : n.toFixed(2)}`;

export async function benchCost(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const sizes = options.quick ? [10, 1000] : [10, 1000, 10_000];
  const results = sizes.map((keys) => {
    const templates = synthTemplates(
      costConfig(keys, { existingTrail: true, shards: keys > 40 ? Math.ceil(keys / 100) : undefined }),
    );
    const counts = countAssembly(templates, keys, Math.min(keys, 10));
    return { keys, counts, cost: monthlyCost(counts) };
  });
  // Fixed: what does not grow with the keys (the linear fit through the smallest and largest fleet, at 0 keys).
  const [small, large] = [results[0], results[results.length - 1]];
  const total = (r: (typeof results)[number]) => r.cost.template + r.cost.traffic;
  const perKeySlope = (total(large) - total(small)) / (large.keys - small.keys);
  const fixed = total(small) - perKeySlope * small.keys;
  const rows: BenchRow[] = results.map((r) => {
    const perKey = (total(r) - fixed) / r.keys;
    return {
      figure: `monitoring cost per key per month, ${r.keys.toLocaleString('en-US')} keys (secret's $0.40 excluded)`,
      measured: `${usd(perKey)} per key; ${usd(total(r))} in all`,
      goal: r.keys === 1000 ? '≤ $0.20 per key at 1,000 keys' : 'n/a',
      met: r.keys === 1000 ? perKey <= 0.2 : 'n/a',
      notes:
        `${r.counts.alarms} alarms (${r.counts.alarmMetrics} metrics), ${r.counts.customSeries} custom series, ` +
        `${r.counts.rules} rules, ${r.counts.insightRules} Contributor Insights rules, ${r.counts.dashboards} dashboard, ` +
        `${r.counts.templates} templates; existing trail; prices us-east-1 ${P.source.recorded}`,
    };
  });
  rows.push({
    figure: 'monitoring fixed cost per pipeline per month',
    measured: usd(fixed),
    goal: 'n/a',
    met: 'n/a',
    notes: 'alarms, pipeline metric series, dashboard, evaluator base runs, scanning the account trail',
  });
  const own = monthlyCost(countAssembly(synthTemplates(costConfig(10, { existingTrail: false })), 10, 10));
  rows.push({
    figure: 'a second trail created by keyturn (monitoring.createTrail), per month',
    measured: `${usd(own.secondTrail - (10 * T.secretReadsPerKey * P.secondTrailPer100kEvents) / 1e5)} fixed + ${usd((T.secretReadsPerKey * P.secondTrailPer100kEvents) / 1e5)} per key`,
    goal: 'reuse an existing trail',
    met: 'n/a',
    notes: `$${P.secondTrailPer100kEvents} per 100,000 events: ${T.accountManagementEvents.toLocaleString('en-US')} account events + ${T.secretReadsPerKey.toLocaleString('en-US')} reads per key assumed; free if it is the account's only trail`,
  });
  return rows;
}

if (require.main === module) {
  benchCost({ quick: process.argv.includes('--quick') })
    .then((rows) => {
      for (const r of rows) console.log(`${r.figure}: ${r.measured} (${r.notes ?? ''})`);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
