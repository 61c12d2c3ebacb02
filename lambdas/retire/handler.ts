/**
 * The retire function the retirement schedule invokes after a key's overlap window: validate the request, retire
 * the version (revoke, prove, record), log and measure. A failure pages on-call and is thrown, so Lambda retries
 * the asynchronous invocation and finally dead-letters it.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { issuanceFromEnv } from '../aws/issuance-from-env';
import { ledgerFromEnv } from '../aws/ledger-from-env';
import { SecretsManagerRetirementMarks } from '../aws/retirement-marks';
import { registryFromEnv } from '../aws/registry-from-env';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { SnsNotifier } from '../aws/notifier';
import { DEFAULT_SECRET_PREFIX, ENV, FUNCTION_METRICS } from '../core/constants';
import { retireVersion, type RetireDeps, type RetireResult } from '../core/retire';
import { defaultProviders } from '../providers/registry';
import { createLogger, createMetrics, describeError } from '../shared/powertools';
import { UnissuedKeyError } from '../core/issuance';
import { reportRefusal, reportUnissued } from '../shared/refusal';
import { parseRetirementRequest } from './request';

const logger = createLogger('keyturn-retire');
const metrics = createMetrics('keyturn-retire');

const secrets = new SecretsManagerClient({});
const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});

const secretPrefix = process.env[ENV.secretNamePrefix] ?? DEFAULT_SECRET_PREFIX;

export const deps: RetireDeps = {
  store: new SecretsManagerSecretStore(secrets),
  marks: new SecretsManagerRetirementMarks(secrets),
  providers: defaultProviders(),
  registry: registryFromEnv(process.env),
  issuance: issuanceFromEnv(process.env),
  secretPrefix,
  alert: (alert) => notifier.publish(alert),
  ledger: ledgerFromEnv(process.env),
};

async function retire(event: unknown): Promise<RetireResult> {
  const request = parseRetirementRequest(event, secretPrefix);
  logger.appendKeys({ secretId: request.secretId, versionId: request.versionId });
  try {
    const result = await retireVersion(deps, request);
    logger.info('retirement done', { outcome: result.outcome, keyName: result.keyName });
    if (result.keyName) metrics.addDimension('KeyName', result.keyName);
    metrics.addMetric(
      result.outcome === 'retired' ? FUNCTION_METRICS.retirementProven : FUNCTION_METRICS.retirementSkipped,
      MetricUnit.Count,
      1,
    );
    return result;
  } catch (error) {
    const notify = (n: Parameters<SnsNotifier['publish']>[0]) => notifier.publish(n);
    // A key keyturn did not issue is never revoked; a retry cannot change that: page once (critical), do not retry.
    if (
      error instanceof UnissuedKeyError &&
      (await reportUnissued('retire', error, { logger, metrics, notify }))
    )
      return { outcome: 'refused-unissued', ...error.labels };
    if (!(await reportRefusal('retire', error, { logger, metrics, notify })))
      logger.error('retirement failed', describeError(error));
    metrics.addMetric(FUNCTION_METRICS.retirementFailed, MetricUnit.Count, 1);
    throw error;
  }
}

export const handler = middy(retire)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
