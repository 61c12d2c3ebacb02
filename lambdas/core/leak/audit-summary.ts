/**
 * What a leaked key did between exposure and revocation, summarized from CloudTrail records and capped in size:
 * counts by call, caller and source address, first and last use. Pure: the adapter fetches, this folds.
 */
export interface TrailRecord {
  eventTime: string;
  eventName: string;
  eventSource?: string;
  sourceIp?: string;
  principal?: string;
  errorCode?: string;
}

export interface AuditSummary {
  from: string;
  to: string;
  events: number;
  /** True when the lookup stopped at its cap or degraded (throttled): the counts are a lower bound. */
  partial: boolean;
  firstSeen?: string;
  lastSeen?: string;
  denied: number;
  byCall: Array<[string, number]>;
  byCaller: Array<[string, number]>;
  bySourceIp: Array<[string, number]>;
  note?: string;
}

const TOP = 10;
const FIELD_MAX = 200;

function top(counts: Map<string, number>): Array<[string, number]> {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP);
}

function bump(counts: Map<string, number>, key: string | undefined) {
  const k = (key ?? 'unknown').slice(0, FIELD_MAX);
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

export function summarizeTrail(
  records: TrailRecord[],
  window: { from: string; to: string },
  partial: boolean,
  note?: string,
): AuditSummary {
  const byCall = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byIp = new Map<string, number>();
  let denied = 0;
  const times = records.map((r) => r.eventTime).sort();
  for (const r of records) {
    bump(
      byCall,
      r.eventSource ? `${r.eventSource.replace('.amazonaws.com', '')}:${r.eventName}` : r.eventName,
    );
    bump(byCaller, r.principal);
    bump(byIp, r.sourceIp);
    if (r.errorCode) denied += 1;
  }
  return {
    ...window,
    events: records.length,
    partial,
    ...(times.length ? { firstSeen: times[0], lastSeen: times[times.length - 1] } : {}),
    denied,
    byCall: top(byCall),
    byCaller: top(byCaller),
    bySourceIp: top(byIp),
    ...(note ? { note: note.slice(0, 500) } : {}),
  };
}

/** A few lines for on-call's message. */
export function describeAudit(summary: AuditSummary | undefined): string {
  if (!summary) return 'Audit: not run.';
  const lines = [
    `Audit ${summary.from} → ${summary.to}: ${summary.events} CloudTrail event(s)${summary.partial ? ' (partial)' : ''}, ${summary.denied} failed/denied.`,
  ];
  if (summary.firstSeen) lines.push(`  first ${summary.firstSeen}, last ${summary.lastSeen}`);
  const fmt = (pairs: Array<[string, number]>) =>
    pairs
      .slice(0, 5)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
  if (summary.byCall.length) lines.push(`  calls: ${fmt(summary.byCall)}`);
  if (summary.byCaller.length) lines.push(`  callers: ${fmt(summary.byCaller)}`);
  if (summary.bySourceIp.length) lines.push(`  source IPs: ${fmt(summary.bySourceIp)}`);
  if (summary.note) lines.push(`  note: ${summary.note}`);
  return lines.join('\n');
}
