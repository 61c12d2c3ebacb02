/**
 * What the verifier measures, per key name: accepted, rejected, and "retired key presented" (a strong sign of a
 * leaked old key or a client that never picked up the new one). Powertools is optional: pass any VerifierMetrics.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';

export type VerifierMetricName =
  'KeyAccepted' | 'KeyRejected' | 'RetiredKeyPresented' | 'KeySetRefreshFailed';

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
        // A single metric publishes on addMetric, with its own KeyName dimension. 'Count' is MetricUnit.Count:
        // the literal keeps Powertools a type-only dependency of this library.
        const single = this.metrics.singleMetric();
        single.addDimension('KeyName', keyName);
        single.addMetric(metric, 'Count' as never, value);
      }
    }
    this.counts.clear();
  }
}
