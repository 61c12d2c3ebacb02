/**
 * One run of the fleet evaluator (every EVALUATION_MINUTES): count each key's verifier usage and secret reads in
 * the last complete window with two grouped queries, decide against the deployed policy (lambdas/core/notify/
 * usage.ts), page each finding once per dedupe window, and advance the read baselines once per window (a retried
 * run of the same window neither double-counts nor pages twice). Pure orchestration over injected ports.
 */
import { publishOrRelease, type Deduplicator } from './dedupe';
import { findingDedupeKey, formatFinding, type FindingNotification } from './findings';
import type { PolicyIndex } from './policy';
import {
  readAnomalies,
  readsPerKey,
  usageFindings,
  type Baseline,
  type Finding,
  type UsageRow,
  type Window,
} from './usage';

/** Length of one evaluation window, in minutes (the schedule's rate). */
export const EVALUATION_MINUTES = 5;
/** How far behind "now" each source's window ends: verifier logs land in seconds, CloudTrail in ~5–15 minutes. */
export const SOURCE_LAG_MINUTES = { usage: 1, reads: 15 } as const;

export interface BaselineSnapshot {
  /** End of the last window the baselines learned from (ISO 8601); none before the first run. */
  windowEnd?: string;
  baselines: Map<string, Baseline>;
}

export interface EvaluateDeps {
  policy: PolicyIndex;
  /** GetSecretValue counts per secret id (as callers spelled it) in the window. */
  queryReads(window: Window): Promise<Array<{ secretId: string; reads: number }>>;
  /** The verifier's usage per service and key in the window; undefined when no verifier log group is configured. */
  queryUsage?(window: Window): Promise<UsageRow[]>;
  loadBaselines(): Promise<BaselineSnapshot>;
  saveBaselines(snapshot: BaselineSnapshot): Promise<void>;
  dedupe: Deduplicator;
  publish(n: FindingNotification): Promise<unknown>;
}

export interface EvaluateOutcome {
  findings: Finding[];
  published: number;
  deduplicated: number;
  /** Whether this run taught the baselines (false: the window was already learned). */
  learned: boolean;
}

/** The last complete window that ends `lagMinutes` before `now`, aligned to EVALUATION_MINUTES. */
export function windowEndingBefore(now: Date, lagMinutes: number): Window {
  const step = EVALUATION_MINUTES * 60_000;
  const end = Math.floor((now.getTime() - lagMinutes * 60_000) / step) * step;
  return { from: new Date(end - step), to: new Date(end) };
}

export async function evaluateFleet(deps: EvaluateDeps, now: Date): Promise<EvaluateOutcome> {
  const usageWindow = windowEndingBefore(now, SOURCE_LAG_MINUTES.usage);
  const readsWindow = windowEndingBefore(now, SOURCE_LAG_MINUTES.reads);
  const [usage, reads, snapshot] = await Promise.all([
    deps.queryUsage ? deps.queryUsage(usageWindow) : Promise.resolve([]),
    deps.queryReads(readsWindow),
    deps.loadBaselines(),
  ]);
  const findings = usageFindings(deps.policy, usage, usageWindow);
  const learned = snapshot.windowEnd !== readsWindow.to.toISOString();
  const anomalies = learned
    ? readAnomalies(deps.policy, readsPerKey(deps.policy, reads), snapshot.baselines, readsWindow)
    : undefined;
  if (anomalies) findings.push(...anomalies.findings);
  let published = 0;
  let deduplicated = 0;
  for (const f of findings) {
    const key = findingDedupeKey(f);
    if (!(await deps.dedupe.firstSighting(key))) {
      deduplicated++;
      continue;
    }
    await publishOrRelease(deps.dedupe, key, () => deps.publish(formatFinding(f)));
    published++;
  }
  // Saved only once every finding is published: a run that fails to page is retried on the same window, and
  // recomputes its read anomalies from the same baselines (saved first, the retry would learn nothing and lose them).
  if (anomalies) {
    await deps.saveBaselines({ windowEnd: readsWindow.to.toISOString(), baselines: anomalies.baselines });
  }
  return { findings, published, deduplicated, learned };
}
