/**
 * The rotation function Secrets Manager invokes for every managed key, once per step.
 * Thin: validate the event, run one protocol step, log and measure the outcome.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { issuanceFromEnv } from '../aws/issuance-from-env';
import { ledgerFromEnv } from '../aws/ledger-from-env';
import { SnsNotifier } from '../aws/notifier';
import { registryFromEnv } from '../aws/registry-from-env';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { ENV, FUNCTION_METRICS } from '../core/constants';
import { parseRotationEvent } from '../core/rotation-event';
import { runRotationStep, type RotationDeps, type StepOutcome } from '../core/rotation';
import { RotationMemo } from '../core/rotation-memo';
import { defaultProviders } from '../providers/registry';
import { afterPromotionFromEnv } from '../retire/schedule-from-env';
import { createLogger, createMetrics, describeError } from '../shared/powertools';
import { reportRefusal } from '../shared/refusal';

export const logger = createLogger('keyturn-rotate');
export const metrics = createMetrics('keyturn-rotate');

const store = new SecretsManagerSecretStore(new SecretsManagerClient({}));
const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});
const notify = { publish: (n: Parameters<SnsNotifier['publish']>[0]) => notifier.publish(n) };

export const deps: RotationDeps = {
  store,
  providers: defaultProviders(),
  registry: registryFromEnv(process.env),
  // finishSecret schedules the old key's retirement after the overlap (lambdas/retire/schedule-from-env.ts).
  afterPromotion: afterPromotionFromEnv(process.env, store, { logger, metrics }),
  secretPrefix: process.env[ENV.secretNamePrefix],
  memo: new RotationMemo(),
  ledger: ledgerFromEnv(process.env),
  // createSecret records every key it issues: retirement and the leak response revoke only recorded keys.
  issuance: issuanceFromEnv(process.env),
};

async function rotate(event: unknown): Promise<StepOutcome> {
  let rotation;
  try {
    rotation = parseRotationEvent(event);
  } catch (error) {
    logger.error('malformed rotation event rejected', describeError(error));
    metrics.addMetric(FUNCTION_METRICS.rotationEventRejected, MetricUnit.Count, 1);
    throw error;
  }
  logger.setCorrelationId(rotation.ClientRequestToken);
  logger.appendKeys({ secretId: rotation.SecretId, step: rotation.Step });
  metrics.addDimension('Step', rotation.Step);
  const started = performance.now();
  try {
    const outcome = await runRotationStep(deps, rotation);
    logger.info('rotation step done', { outcome });
    metrics.addMetric(FUNCTION_METRICS.rotationStepSucceeded, MetricUnit.Count, 1);
    return outcome;
  } catch (error) {
    if (!(await reportRefusal('rotate', error, { logger, metrics, notify: (n) => notify.publish(n) })))
      logger.error('rotation step failed', describeError(error));
    metrics.addMetric(FUNCTION_METRICS.rotationStepFailed, MetricUnit.Count, 1);
    throw error;
  } finally {
    metrics.addMetric(
      FUNCTION_METRICS.rotationStepDuration,
      MetricUnit.Milliseconds,
      performance.now() - started,
    );
  }
}

export const handler = middy(rotate)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
