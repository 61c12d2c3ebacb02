/**
 * Formats keyturn's EventBridge incidents (rotation failures, destructive changes, unexpected readers) into one
 * clear SNS message each, without storms: duplicates within the window are dropped.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDedupeClaims } from '../aws/dedupe-table';
import { SnsNotifier } from '../aws/notifier';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { ENV, NOTIFY_ENV, NOTIFY_METRICS } from '../core/constants';
import { Deduplicator } from '../core/notify/dedupe';
import { notifyIncident, type NotifyDeps } from '../core/notify/notify';
import { createLogger, createMetrics, describeError } from '../shared/powertools';
import { loadPolicyIndex } from './policy-file';

export const logger = createLogger('keyturn-notify');
export const metrics = createMetrics('keyturn-notify');

const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));
const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});
const table = process.env[NOTIFY_ENV.dedupeTable];
export const deps: NotifyDeps = {
  describe: (id) => store.describe(id),
  dedupe: new Deduplicator(
    Number(process.env[NOTIFY_ENV.dedupeWindowSeconds] ?? 600) * 1000,
    table ? new DynamoDedupeClaims(new DynamoDBClient({}), table) : undefined,
  ),
  publish: (n) => notifier.publish(n),
  policy: loadPolicyIndex(),
};
if (!deps.policy) logger.warn('no monitoring policy file: every read by a non-keyturn principal pages');

export async function notify(event: unknown): Promise<string> {
  const outcome = await notifyIncident(deps, event, (error) =>
    logger.warn('secret not described; notifying without owner details', describeError(error)),
  );
  logger.info('incident handled', {
    status: outcome.status,
    kind: outcome.incident.kind,
    eventId: outcome.incident.eventId,
  });
  metrics.addMetric(NOTIFY_METRICS[outcome.status], MetricUnit.Count, 1);
  return outcome.status;
}

export const handler = middy(notify)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
