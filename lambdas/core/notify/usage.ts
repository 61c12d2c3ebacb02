/**
 * The fleet evaluator's decisions, per key, from counts of one window (issue 16): one scheduled function and two
 * grouped queries replace six CloudWatch alarms and up to six custom metric series per key. Pure: no AWS.
 *
 * - requests per minute: the window's requests / its minutes, against the key's warning / critical thresholds;
 * - rejected share: (rejected + retired presented) / requests over the window, ignored below
 *   MIN_REQUESTS_FOR_SHARE requests;
 * - retired key presented: at least one in the window;
 * - reads far above the key's usual pattern: the window's GetSecretValue count above its own baseline's mean +
 *   bandWidth standard deviations (and at least MIN_ANOMALOUS_READS) for ANOMALY_PERIODS windows in a row, once the
 *   baseline has learned for LEARNING_PERIODS windows.
 */
import type { PolicyIndex, PolicyKey } from './policy';

/** Rejected-share findings ignore windows with fewer requests than this (1 of 2 is not 50 % of anything). */
export const MIN_REQUESTS_FOR_SHARE = 20;
/** A read spike must be at least this many reads in one window (a key read 0–1 times has no useful band). */
export const MIN_ANOMALOUS_READS = 10;
/** Windows in a row above the band before a read anomaly is reported (the old alarm: 3 of 3 five-minute periods). */
export const ANOMALY_PERIODS = 3;
/** Windows a baseline learns before it may report (3 hours of five-minute windows). */
export const LEARNING_PERIODS = 36;
/** The baseline forgets with a horizon of about a day of five-minute windows. */
export const BASELINE_HORIZON = 288;

export type FindingKind = 'requests' | 'rejected-share' | 'retired-key-presented' | 'read-anomaly';
export type FindingSeverity = 'critical' | 'notice';

export interface Finding {
  kind: FindingKind;
  severity: FindingSeverity;
  key: PolicyKey;
  /** What was measured, e.g. 1,250 requests per minute. */
  observed: number;
  /** The threshold it crossed (for read anomalies: the band's upper edge). */
  threshold: number;
  /** The window, ISO 8601. */
  from: string;
  to: string;
}

/** One row of the verifier usage query: a key's counts in the window, as the verifier's records sum them. */
export interface UsageRow {
  service: string;
  keyName: string;
  accepted: number;
  rejected: number;
  retired: number;
}

/** A key's read baseline: running mean and variance of its per-window read counts. */
export interface Baseline {
  mean: number;
  variance: number;
  /** Windows learned. */
  n: number;
  /** Windows in a row above the band. */
  streak: number;
}

export interface Window {
  from: Date;
  to: Date;
}

const minutes = (w: Window) => (w.to.getTime() - w.from.getTime()) / 60_000;

/** The key a usage row belongs to: its name, and the service that verifies it when several keys share a name. */
function keyOfRow(policy: PolicyIndex, row: UsageRow): PolicyKey | undefined {
  const named = policy.keysNamed(row.keyName);
  return named.find((k) => k.verifierService === row.service) ?? (named.length === 1 ? named[0] : undefined);
}

export function usageFindings(policy: PolicyIndex, rows: readonly UsageRow[], window: Window): Finding[] {
  const totals = new Map<PolicyKey, UsageRow>();
  for (const row of rows) {
    const key = keyOfRow(policy, row);
    if (!key) continue;
    const t = totals.get(key) ?? { ...row, accepted: 0, rejected: 0, retired: 0 };
    t.accepted += row.accepted;
    t.rejected += row.rejected;
    t.retired += row.retired;
    totals.set(key, t);
  }
  const span = { from: window.from.toISOString(), to: window.to.toISOString() };
  const findings: Finding[] = [];
  for (const [key, t] of totals) {
    const requests = t.accepted + t.rejected + t.retired;
    const perMinute = requests / minutes(window);
    const overRate = over(perMinute, key.requestsPerMinute);
    if (overRate) findings.push({ kind: 'requests', key, observed: perMinute, ...overRate, ...span });
    if (requests >= MIN_REQUESTS_FOR_SHARE) {
      const share = (100 * (t.rejected + t.retired)) / requests;
      const overShare = over(share, key.rejectedPercent);
      if (overShare) findings.push({ kind: 'rejected-share', key, observed: share, ...overShare, ...span });
    }
    if (t.retired >= 1) {
      findings.push({
        kind: 'retired-key-presented',
        key,
        severity: 'notice',
        observed: t.retired,
        threshold: 1,
        ...span,
      });
    }
  }
  return findings;
}

function over(
  value: number,
  t: { warning: number; critical: number },
): { severity: FindingSeverity; threshold: number } | undefined {
  if (value > t.critical) return { severity: 'critical', threshold: t.critical };
  if (value > t.warning) return { severity: 'notice', threshold: t.warning };
  return undefined;
}

/** Sum the window's read counts per managed key (callers spell a secret three ways: name, partial and full ARN). */
export function readsPerKey(
  policy: PolicyIndex,
  counts: ReadonlyArray<{ secretId: string; reads: number }>,
): Map<PolicyKey, number> {
  const perKey = new Map<PolicyKey, number>();
  for (const { secretId, reads } of counts) {
    const key = policy.keyForSecretId(secretId);
    if (key) perKey.set(key, (perKey.get(key) ?? 0) + reads);
  }
  return perKey;
}

/**
 * Advance every key's baseline by one window (keys with no reads saw 0) and report the keys whose reads stayed
 * above their band for ANOMALY_PERIODS windows. A window above the band does not teach the baseline, so a
 * sustained spike cannot raise its own band.
 */
export function readAnomalies(
  policy: PolicyIndex,
  reads: ReadonlyMap<PolicyKey, number>,
  baselines: ReadonlyMap<string, Baseline>,
  window: Window,
): { findings: Finding[]; baselines: Map<string, Baseline> } {
  const next = new Map<string, Baseline>();
  const findings: Finding[] = [];
  for (const key of policy.policy.keys) {
    const x = reads.get(key) ?? 0;
    const b = baselines.get(key.secretName) ?? { mean: 0, variance: 0, n: 0, streak: 0 };
    const band = b.mean + key.readAnomalyBandWidth * Math.sqrt(b.variance);
    const learned = b.n >= LEARNING_PERIODS;
    if (learned && x >= MIN_ANOMALOUS_READS && x > band) {
      const streak = b.streak + 1;
      next.set(key.secretName, { ...b, streak });
      if (streak === ANOMALY_PERIODS) {
        findings.push({
          kind: 'read-anomaly',
          key,
          severity: 'critical',
          observed: x,
          threshold: Math.round(band * 10) / 10,
          from: window.from.toISOString(),
          to: window.to.toISOString(),
        });
      }
      continue;
    }
    // Cumulative average while young, then an exponential one with a horizon of about a day.
    const a = 1 / Math.min(b.n + 1, BASELINE_HORIZON);
    const d = x - b.mean;
    const mean = b.mean + a * d;
    const variance = (1 - a) * (b.variance + a * d * d);
    next.set(key.secretName, { mean, variance, n: b.n + 1, streak: 0 });
  }
  return { findings, baselines: next };
}
