/**
 * SaaS vendors cap the keys an account holds (Datadog: 50 API keys per organization; SendGrid: 100 API keys per
 * account). During an overlap a key has a current and a previous version alive, so a key rotated every C hours with an
 * overlap of O hours holds up to ceil(O / C) + 1 vendor keys at once. Keys that share an admin credential share
 * the vendor account: their sum must stay under the preset's cap, or a rotation fails at create, with the old key
 * still live. Checked at synth (lib/config/schema.ts names the keys); the runtime says so when a create is refused.
 */
interface VendorKeyCap {
  /** Most keys the vendor lets one account (organization) hold. */
  keys: number;
  /** What the vendor calls the account the cap applies to. */
  per: string;
}

export interface CappedKey {
  name: string;
  environment: string;
  profile: string;
  adminSecretArn: string;
  cadenceHours: number;
  overlapHours: number;
}

/** Vendor keys one managed key holds at the worst moment of its rotation. */
export function liveVendorKeys(key: Pick<CappedKey, 'cadenceHours' | 'overlapHours'>): number {
  return Math.ceil(key.overlapHours / key.cadenceHours) + 1;
}

interface CapProblem {
  profile: string;
  adminSecretArn: string;
  keys: string[];
  live: number;
  cap: VendorKeyCap;
}

/** Groups keys by profile and admin credential (one vendor account), and reports every group over its cap. */
export function vendorKeyCapProblems(
  keys: readonly CappedKey[],
  capOf: (profile: string) => VendorKeyCap | undefined,
): CapProblem[] {
  const groups = new Map<string, CappedKey[]>();
  for (const key of keys) {
    const id = `${key.profile}\n${key.adminSecretArn}`;
    groups.set(id, [...(groups.get(id) ?? []), key]);
  }
  const problems: CapProblem[] = [];
  for (const group of groups.values()) {
    const cap = capOf(group[0].profile);
    if (!cap) continue;
    const live = group.reduce((sum, k) => sum + liveVendorKeys(k), 0);
    if (live > cap.keys) {
      problems.push({
        profile: group[0].profile,
        adminSecretArn: group[0].adminSecretArn,
        keys: group.map((k) => `${k.environment}/${k.name}`),
        live,
        cap,
      });
    }
  }
  return problems;
}

/**
 * How often a key rotates, in hours, for the cap: everyDays, a rate() expression, a daily cron (every day at one or
 * more hours), else the tier's cadence (a cron on some days only rotates no more often than that in practice).
 */
export function cadenceHoursOf(
  rotation: { everyDays?: number; scheduleExpression?: string } | undefined,
  tierDays: number,
): number {
  if (rotation?.everyDays) return rotation.everyDays * 24;
  const expr = rotation?.scheduleExpression ?? '';
  const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(expr);
  if (rate) return Number(rate[1]) * (rate[2].startsWith('hour') ? 1 : 24);
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expr);
  if (cron && ['*', '?'].includes(cron[3]) && ['*', '?'].includes(cron[5])) {
    const starts = cron[2].split(',').length;
    const step = /\/(\d+)$/.exec(cron[2]);
    return step ? Number(step[1]) : 24 / starts;
  }
  return tierDays * 24;
}
