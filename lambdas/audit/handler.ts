/**
 * The daily audit EventBridge Scheduler invokes: list every managed secret, apply the rules and the drift report
 * against the deployed registry, send one notice
 * (critical topic when a finding is critical), emit metrics, record the run in the ledger. Reads no secret value.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { ledgerFromEnv } from '../aws/ledger-from-env';
import { registryFromEnv } from '../aws/registry-from-env';
import { SnsNotifier } from '../aws/notifier';
import { SecretInventory } from '../aws/secret-inventory';
import { ENV, REGISTRY_ENV } from '../core/constants';
import { runAudit, type AuditDeps, type AuditResult } from '../core/audit/run';
import { auditRunId, auditSettingsFromEnv } from '../core/audit/settings';
import { createLogger, createMetrics } from '../shared/powertools';

const logger = createLogger('keyturn-audit');
const metrics = createMetrics('keyturn-audit');

const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});

export const deps: AuditDeps = {
  inventory: new SecretInventory(new SecretsManagerClient({}), {
    secretPrefix: process.env[ENV.secretNamePrefix],
  }),
  // The drift report: registered keys against the listed secrets (a planted, retagged or re-created secret).
  ...(process.env[REGISTRY_ENV.table] ? { registry: registryFromEnv(process.env) } : {}),
  notify: (notice) => notifier.publish({ ...notice, kind: 'audit' }),
  metric: (name, value, rule) => {
    if (!rule) {
      metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    const single = metrics.singleMetric();
    single.addDimension('Rule', rule);
    single.addMetric(name, MetricUnit.Count, value);
  },
  ledger: ledgerFromEnv(process.env),
  now: () => new Date(),
  settings: auditSettingsFromEnv(process.env),
};

export async function audit(event: unknown): Promise<Omit<AuditResult, 'findings'> & { findings: number }> {
  const runId = auditRunId(event, deps.now());
  logger.appendKeys({ runId });
  const result = await runAudit(deps, runId);
  // Rule and key names only: findings never carry secret values.
  logger.info('audit done', {
    checked: result.checked,
    findings: result.findings.map((f) => `${f.environment}/${f.keyName}:${f.rule}`),
  });
  return { ...result, findings: result.findings.length };
}

export const handler = middy(audit)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
