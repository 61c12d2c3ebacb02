/**
 * What the verifier measures, per key name: accepted, rejected, and "retired key presented" (a strong sign of a
 * leaked old key or a client that never picked up the new one). Powertools is optional: pass any VerifierMetrics.
 *
 * Each count is one EMF record whose metric is dimensioned by the service only (a few series for the whole fleet)
 * and which carries the key's name as a property: keyturn's fleet evaluator sums the records per key with Logs
 * Insights (usageQuery in lambdas/core/constants.ts), so no custom metric series exists per key (issue 16).
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { VERIFIER_METRICS } from '../core/constants';

export type VerifierMetricName = (typeof VERIFIER_METRICS)[
  'accepted' | 'rejected' | 'retiredKeyPresented' | 'refreshFailed'];

export interface VerifierMetrics {
  count(metric: VerifierMetricName, keyName: string): void;
  /** Emit what was counted (the middleware calls it once per request). */
  flush?(): void;
}

/** Counts in memory and, on flush, emits one EMF record per key name and metric, with a `KeyName` dimension. */
export class PowertoolsVerifierMetrics implements VerifierMetrics {
  private readonly counts = new Map<string, Map<VerifierMetricName, number>>();

  constructor(private readonly metrics: Pick<Metrics, 'singleMetric'>) {}

  count(metric: VerifierMetricName, keyName: string): void {
    const perKey = this.counts.get(keyName) ?? new Map<VerifierMetricName, number>();
    perKey.set(metric, (perKey.get(metric) ?? 0) + 1);
    this.counts.set(keyName, perKey);
  }

  flush(): void {
    for (const [keyName, perKey] of this.counts) {
      for (const [metric, value] of perKey) {
        // A single metric publishes on addMetric. `KeyName` is metadata (a property of the record, not a
        // dimension): per-key series would cost $0.30 each a month. 'Count' is MetricUnit.Count: the literal keeps
        // Powertools a type-only dependency of this library.
        const single = this.metrics.singleMetric();
        single.addMetadata(VERIFIER_METRICS.keyProperty, keyName);
        single.addMetric(metric, 'Count' as never, value);
      }
    }
    this.counts.clear();
  }
}
