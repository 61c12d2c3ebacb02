/**
 * The fleet evaluator (scheduled every 5 minutes): per-key usage findings and read anomalies for every managed key
 * from two Logs Insights queries, paged through the same topics as every incident (lambdas/core/notify/evaluate.ts).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDedupeClaims } from '../aws/dedupe-table';
import { SnsNotifier } from '../aws/notifier';
import { ENV, EVALUATOR_ENV, EVALUATOR_METRICS, NOTIFY_ENV, readsQuery, usageQuery } from '../core/constants';
import { Deduplicator } from '../core/notify/dedupe';
import { evaluateFleet, type EvaluateDeps } from '../core/notify/evaluate';
import { PolicyIndex } from '../core/notify/policy';

import { createLogger, createMetrics } from '../shared/powertools';
import { DynamoBaselineStore } from './baseline-store';
import { LogsInsights } from './logs-insights';
import { loadPolicyIndex } from './policy-file';

export const logger = createLogger('keyturn-evaluate');
export const metrics = createMetrics('keyturn-evaluate');

const dynamo = new DynamoDBClient({});
const table = process.env[NOTIFY_ENV.dedupeTable] ?? '';
const policy = loadPolicyIndex() ?? new PolicyIndex({ version: 1, secretPrefix: '', keys: [] });
const insights = new LogsInsights(new CloudWatchLogsClient({}));
const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});
const trailGroup = process.env[EVALUATOR_ENV.trailLogGroup] ?? '';
const verifierGroups = JSON.parse(process.env[EVALUATOR_ENV.verifierLogGroups] ?? '[]') as string[];
const baselines = new DynamoBaselineStore(dynamo, table, policy.size);
const num = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v));

export const deps: EvaluateDeps = {
  policy,
  queryReads: async (window) =>
    (await insights.run([trailGroup], readsQuery(policy.policy.secretPrefix), window)).map((r) => ({
      secretId: r.secretId ?? '',
      reads: num(r.reads),
    })),
  queryUsage: verifierGroups.length
    ? async (window) =>
        (await insights.run(verifierGroups, usageQuery(), window)).map((r) => ({
          service: r.service ?? '',
          keyName: r.KeyName ?? '',
          accepted: num(r.accepted),
          rejected: num(r.rejected),
          retired: num(r.retired),
        }))
    : undefined,
  loadBaselines: () => baselines.load(),
  saveBaselines: (s) => baselines.save(s),
  dedupe: new Deduplicator(
    Number(process.env[EVALUATOR_ENV.findingDedupeSeconds] ?? 3600) * 1000,
    table ? new DynamoDedupeClaims(dynamo, table) : undefined,
  ),
  publish: (n) => notifier.publish(n),
};

export async function evaluate(
  event: { time?: string } = {},
): Promise<{ findings: number; published: number }> {
  const now = event.time ? new Date(event.time) : new Date();
  const outcome = await evaluateFleet(deps, Number.isNaN(now.getTime()) ? new Date() : now);
  logger.info('fleet evaluated', {
    keys: policy.size,
    findings: outcome.findings.length,
    published: outcome.published,
    deduplicated: outcome.deduplicated,
    learned: outcome.learned,
  });
  metrics.addMetric(EVALUATOR_METRICS.keysEvaluated, MetricUnit.Count, policy.size);
  metrics.addMetric(EVALUATOR_METRICS.findings, MetricUnit.Count, outcome.findings.length);
  metrics.addMetric(EVALUATOR_METRICS.published, MetricUnit.Count, outcome.published);
  return { findings: outcome.findings.length, published: outcome.published };
}

export const handler = middy(evaluate)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
