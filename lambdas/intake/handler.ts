/**
 * The secret scanning intake (lib/scanning-intake.ts): API Gateway HTTP API routes POST …/report (the partner's
 * leak reports) and POST …/validity (is this token live?). Thin: decode the event, call lambdas/core/intake, log
 * counts and public ids only (never a token), answer. Clients and caches live at module scope: one per container.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { registryFromEnv } from '../aws/registry-from-env';
import { SecretsManagerSecretStore } from '../aws/secret-store';
import { FUNCTION_METRICS, GITHUB_SCANNING_KEYS_URL, INTAKE_ENV } from '../core/constants';
import { ReplayGuard, TokenBucket } from '../core/intake/guards';
import { handleIntake, type IntakeDeps, type IntakeRequest } from '../core/intake/intake';
import { PartnerKeyRing } from '../core/intake/signature';
import { TokenIndex } from '../core/intake/token-index';
import type { KeyRegistry } from '../core/registry';
import { createLogger, createMetrics, describeError } from '../shared/powertools';
import { HttpPartnerKeySource } from './github-keys';
import { StepFunctionsLeakStarter } from './leak-starter';
import { RegistryManagedKeys } from './managed-keys';

export const logger = createLogger('keyturn-intake');
export const metrics = createMetrics('keyturn-intake');

export interface HttpApiEvent {
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** The registry is the deployed one (REGISTRY_ENV.table) unless a test hands in another. */
export function buildDeps(
  env: NodeJS.ProcessEnv = process.env,
  registry: KeyRegistry = registryFromEnv(env),
): IntakeDeps {
  const sm = new SecretsManagerClient({});
  return {
    keys: new PartnerKeyRing(
      new HttpPartnerKeySource(env[INTAKE_ENV.publicKeysUrl] ?? GITHUB_SCANNING_KEYS_URL),
    ),
    index: new TokenIndex(new RegistryManagedKeys(registry, new SecretsManagerSecretStore(sm))),
    leak: new StepFunctionsLeakStarter(new SFNClient({}), env[INTAKE_ENV.stateMachineArn] ?? ''),
    bucket: new TokenBucket(Number(env[INTAKE_ENV.ratePerSecond] ?? 10), Number(env[INTAKE_ENV.burst] ?? 20)),
    replays: new ReplayGuard(),
    now: () => new Date(),
  };
}

let deps: IntakeDeps | undefined;
/** For tests: replace the module-scope dependencies. */
export function setDeps(next: IntakeDeps | undefined): void {
  deps = next;
}

export function toRequest(event: HttpApiEvent): IntakeRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  const raw = event.body ?? '';
  return {
    route: (event.rawPath ?? '').endsWith('/validity') ? 'validity' : 'report',
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
    keyId: headers['github-public-key-identifier'],
    signature: headers['github-public-key-signature'],
  };
}

export async function intake(event: HttpApiEvent) {
  deps ??= buildDeps();
  try {
    const outcome = await handleIntake(deps, toRequest(event));
    logger.info('secret scanning request', { status: outcome.status, ...outcome.summary });
    metrics.addMetric(
      outcome.status === 200 ? FUNCTION_METRICS.scanReportAnswered : FUNCTION_METRICS.scanReportRefused,
      MetricUnit.Count,
      1,
    );
    if (outcome.summary.started)
      metrics.addMetric(FUNCTION_METRICS.scanLeakStarted, MetricUnit.Count, outcome.summary.started);
    return {
      statusCode: outcome.status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: outcome.body,
    };
  } catch (error) {
    logger.error('secret scanning request failed', describeError(error));
    metrics.addMetric(FUNCTION_METRICS.scanReportFailed, MetricUnit.Count, 1);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"error"}' };
  }
}

export const handler = middy(intake)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
