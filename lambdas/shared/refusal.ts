/**
 * One way every function reports a secret it refused (not in the deployed registry, not the registered secret, not
 * on keyturn's KMS key): a log line, the `SecretRefused` metric (dimension `Reason`), a notice. Never throws over
 * the refusal itself: the caller rethrows it. Also the refusal to revoke a key keyturn did not issue (reportUnissued).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  refusalNotice,
  SECRET_REFUSED_METRIC,
  UnregisteredSecretError,
  type RefusalNotice,
} from '../core/registry';
import {
  UNISSUED_KEY_METRIC,
  UnissuedKeyError,
  unissuedKeyNotice,
  type UnissuedKeyNotice,
} from '../core/issuance';
import { describeError } from './powertools';

interface RefusalReporting {
  logger: Logger;
  metrics: Metrics;
  notify?: (notice: RefusalNotice) => Promise<unknown>;
}

/** `true` when `error` was a refusal (and was reported). */
export async function reportRefusal(fn: string, error: unknown, to: RefusalReporting): Promise<boolean> {
  if (!(error instanceof UnregisteredSecretError)) return false;
  to.logger.error('secret refused: not a registered key', { reason: error.reason, ...describeError(error) });
  const single = to.metrics.singleMetric();
  single.addDimension('Reason', error.reason);
  single.addMetric(SECRET_REFUSED_METRIC, MetricUnit.Count, 1);
  try {
    await to.notify?.(refusalNotice(fn, error));
  } catch (notifyError) {
    to.logger.error('refusal notice not sent', describeError(notifyError));
  }
  return true;
}

/**
 * A key keyturn did not issue, refused before any revoke: a log line, the `UnissuedKeyRefused` metric, a critical
 * notice naming the secret and version (never the key id). `true` when `error` was that refusal (and was reported).
 */
export async function reportUnissued(
  fn: string,
  error: unknown,
  to: Omit<RefusalReporting, 'notify'> & { notify?: (notice: UnissuedKeyNotice) => Promise<unknown> },
): Promise<boolean> {
  if (!(error instanceof UnissuedKeyError)) return false;
  to.logger.error('revoke refused: keyturn did not issue this key', {
    secretId: error.secretId,
    versionId: error.versionId,
    errorName: error.name,
  });
  to.metrics.singleMetric().addMetric(UNISSUED_KEY_METRIC, MetricUnit.Count, 1);
  try {
    await to.notify?.(unissuedKeyNotice(fn, error));
  } catch (notifyError) {
    to.logger.error('unissued-key notice not sent', describeError(notifyError));
  }
  return true;
}
