/**
 * The leak response's task function: the state machine (lib/leak-response.ts) invokes it once per step with
 * `{ task, ... }`. One function for every task: they share clients and grants, and one warm container serves the
 * whole response, which matters when seconds count. Thin: parse, dispatch to lambdas/core/leak, log, measure.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { CloudTrailLookup } from '../aws/cloudtrail-lookup';
import { DynamoIncidentStore } from '../aws/incident-store';
import { DynamoRevocationStore } from '../aws/revocation-store';
import { issuanceFromEnv } from '../aws/issuance-from-env';
import { ledgerFromEnv } from '../aws/ledger-from-env';
import { SecretsManagerLeakSecrets } from '../aws/leak-secrets';
import { DynamoRevocationBudget } from '../aws/revocation-budget';
import { registryFromEnv } from '../aws/registry-from-env';
import { SnsNotifier } from '../aws/notifier';
import {
  BLAST_RADIUS_DEFAULTS,
  DEFAULT_SECRET_PREFIX,
  ENV,
  FUNCTION_METRICS,
  LEAK_ENV,
} from '../core/constants';
import { contain } from '../core/leak/contain';
import { approvalDenied, approvalGranted, approvalTimedOut, awaitApproval } from '../core/leak/gate';
import type { LeakDeps } from '../core/leak/ports';
import type { LeakState } from '../core/leak/state';
import {
  audit,
  checkRotation,
  conclude,
  escalate,
  revokeLeaked,
  rotate,
  rotateLinked,
  secondCheck,
} from '../core/leak/steps';
import { defaultProviders } from '../providers/registry';
import { createLogger, createMetrics, describeError } from '../shared/powertools';
import { reportUnissued } from '../shared/refusal';
import { deniedAnswer, parseLeakRequest, redactedAnswer, type LeakRequest } from './request';

export const logger = createLogger('keyturn-leak');
export const metrics = createMetrics('keyturn-leak');

const secretPrefix = process.env[ENV.secretNamePrefix] ?? DEFAULT_SECRET_PREFIX;
const notifier = new SnsNotifier(new SNSClient({}), {
  critical: process.env[ENV.criticalTopicArn] ?? '',
  notice: process.env[ENV.noticeTopicArn] ?? '',
});

const dynamo = new DynamoDBClient({});
const documents = DynamoDBDocumentClient.from(dynamo);
const incidentTable = process.env[LEAK_ENV.incidentTable] ?? '';
const revocationTable = process.env[LEAK_ENV.revocationTable];

export const deps: LeakDeps = {
  secrets: new SecretsManagerLeakSecrets(new SecretsManagerClient({}), { secretPrefix }),
  providers: defaultProviders(),
  registry: registryFromEnv(process.env),
  issuance: issuanceFromEnv(process.env),
  reportUnissued: (error) =>
    reportUnissued('leak', error, { logger, metrics, notify: (n) => notifier.publish(n) }),
  incidents: new DynamoIncidentStore(documents, incidentTable),
  // Never off: without its variables the function keeps the default cap.
  budget: new DynamoRevocationBudget(documents, incidentTable, {
    maxRevocations: Number(process.env[LEAK_ENV.blastRadiusMax] ?? BLAST_RADIUS_DEFAULTS.maxRevocations),
    windowSeconds: Number(
      process.env[LEAK_ENV.blastRadiusWindowSeconds] ?? BLAST_RADIUS_DEFAULTS.windowMinutes * 60,
    ),
  }),
  trail: new CloudTrailLookup(new CloudTrailClient({})),
  notify: (n) => notifier.publish(n),
  ledger: ledgerFromEnv(process.env),
  ...(revocationTable ? { revocations: new DynamoRevocationStore(dynamo, revocationTable) } : {}),
  now: () => new Date(),
  secretPrefix,
  dedupeWindowSeconds: Number(process.env[LEAK_ENV.dedupeWindowSeconds] ?? 3600),
};

function dispatch(request: LeakRequest): Promise<LeakState> {
  switch (request.task) {
    case 'contain':
      return contain(deps, request.event);
    case 'rotate':
      return rotate(deps, request.state);
    case 'check-rotation':
      return checkRotation(deps, request.state);
    case 'revoke-leaked':
      return revokeLeaked(deps, request.state);
    case 'audit':
      return audit(deps, request.state);
    case 'rotate-linked':
      return rotateLinked(deps, request.state);
    case 'conclude':
      return conclude(deps, request.state);
    case 'escalate':
      return escalate(deps, request.state, request.error);
    case 'second-check':
      return secondCheck(deps, request.state);
    case 'await-approval':
      return awaitApproval(deps, request.state, request.taskToken, request.timeoutSeconds);
    case 'approved':
      return approvalGranted(deps, request.state, redactedAnswer(request.answer));
    case 'denied':
      return approvalDenied(deps, request.state, deniedAnswer(request.answer));
    case 'approval-timed-out':
      return approvalTimedOut(deps, request.state);
  }
}

export async function leakTask(input: unknown): Promise<LeakState> {
  let request: LeakRequest;
  try {
    request = parseLeakRequest(input);
  } catch (error) {
    logger.error('malformed leak task request rejected', describeError(error));
    metrics.addMetric(FUNCTION_METRICS.leakTaskRejected, MetricUnit.Count, 1);
    throw error;
  }
  metrics.addDimension('Task', request.task);
  try {
    const state = await dispatch(request);
    logger.setCorrelationId(state.incidentId);
    logger.info('leak task done', {
      task: request.task,
      incidentId: state.incidentId,
      decision: state.decision,
      revoked: state.revoked,
      rotation: state.rotation,
    });
    metrics.addMetric(FUNCTION_METRICS.leakTaskSucceeded, MetricUnit.Count, 1);
    return state;
  } catch (error) {
    logger.error('leak task failed', { task: request.task, ...describeError(error) });
    metrics.addMetric(FUNCTION_METRICS.leakTaskFailed, MetricUnit.Count, 1);
    throw error;
  }
}

export const handler = middy(leakTask)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
