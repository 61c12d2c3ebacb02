/**
 * The daily audit's rules: one small function per rule, each looking at one managed secret and returning a
 * finding (with its severity and the fix) or nothing. Pure: the clock and thresholds come in the context.
 * Messages hold dates, version ids, tag names and the key's name; never a tag's free text nor a secret value.
 */
import { DEFAULT_OVERLAP_HOURS, INVENTORY_TAGS, STAGE, TAGS } from '../constants';
import { readKeyPolicy } from '../key-policy';
import { overdueRetirement, revokedVersionsOf } from '../retirement';
import { cadenceDays } from './cadence';
import type { AuditRuleId, AuditSettings, Finding, FindingSeverity } from './findings';
import type { ManagedSecret } from './inventory';

interface RuleContext {
  now: Date;
  settings: AuditSettings;
}

type Verdict = { severity: FindingSeverity; message: string; fix: string } | undefined;
type Rule = (secret: ManagedSecret, ctx: RuleContext) => Verdict;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Tag-derived names in messages: bounded and plain, so a hostile tag cannot forge lines or flood a page. */
export function safeLabel(value: string | undefined, fallback: string): string {
  if (!value) return fallback;
  const plain = value.replace(/[^\w.:/@+=-]/g, '?');
  return plain.length > 64 ? `${plain.slice(0, 61)}...` : plain;
}

const tagOf = (secret: ManagedSecret, key: string): string | undefined =>
  Object.hasOwn(secret.tags, key) ? secret.tags[key] : undefined;
const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
const ago = (now: Date, date: Date) => {
  const hours = Math.floor((now.getTime() - date.getTime()) / HOUR);
  return hours >= 48 ? `${Math.floor(hours / 24)} days ago` : `${hours} h ago`;
};

/** Fields the configuration requires (lib/config/schema.ts) and the stack writes as tags. */
const REQUIRED_INVENTORY_TAGS = [TAGS.owner, TAGS.backupOwner, TAGS.scopes, TAGS.runbook] as const;

const metadata: Rule = (secret) => {
  const policy = readKeyPolicy(secret.tags);
  if (!policy.ok) {
    return {
      severity: 'critical',
      message: `its tags do not form a valid key policy, so rotation fails: ${policy.reason.slice(0, 300)}`,
      fix: 'Redeploy keyturn (cdk deploy) so the stack rewrites the tags from the configuration; do not edit keyturn:* tags by hand.',
    };
  }
  const problems: string[] = REQUIRED_INVENTORY_TAGS.filter((tag) => !tagOf(secret, tag)).map(
    (tag) => `${tag} missing`,
  );
  const expires = tagOf(secret, TAGS.expires);
  if (expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(expires))
    problems.push(`${TAGS.expires} is not a YYYY-MM-DD date`);
  const override = tagOf(secret, INVENTORY_TAGS.rotateEveryDays);
  if (override !== undefined && !/^[1-9][0-9]{0,2}$/.test(override))
    problems.push(`${INVENTORY_TAGS.rotateEveryDays} is not a whole number of days`);
  if (!problems.length) return undefined;
  return {
    severity: 'notice',
    message: `incomplete inventory metadata: ${problems.join(', ')}`,
    fix: 'Fill owner, backupOwner, scopes, runbookUrl (and a valid expires) in the key configuration, then cdk deploy.',
  };
};

/**
 * The leak response revoked the key that is still AWSCURRENT (`keyturn:revoked-versions` names it): under
 * revoke-first until the replacement is promoted, or for good when that rotation failed. Every consumer is refused.
 */
const currentRevoked: Rule = (secret) => {
  const current = Object.entries(secret.versions).find(([, labels]) => labels.includes(STAGE.current))?.[0];
  if (!current || !revokedVersionsOf(secret).includes(current)) return undefined;
  const name = safeLabel(secret.name, 'the key');
  const versionId = safeLabel(current, '<version>');
  const pending = secret.pendingVersion ? safeLabel(secret.pendingVersion.versionId, '<version>') : undefined;
  return {
    severity: 'critical',
    message:
      `the current key (version ${versionId}) was revoked by the leak response and no replacement is current: ` +
      `every consumer is refused${pending ? ` (version ${pending} is still AWSPENDING)` : ''}`,
    fix:
      `Leak runbook, "revoked, NO replacement current": read the rotate function's log for ${pending ?? 'the replacement version'}, ` +
      `fix the cause (provider down, permission), then \`keyturn rotate ${name}\`. Do not un-revoke the leaked key.`,
  };
};

const rotationDisabled: Rule = (secret) =>
  secret.rotationEnabled
    ? undefined
    : {
        severity: 'critical',
        message:
          'rotation is disabled on the secret (someone cancelled it, or the rotation schedule was removed)',
        fix: 'Redeploy keyturn (cdk deploy) to restore the rotation schedule; ask in the audit trail who ran CancelRotateSecret.',
      };

const neverRotated: Rule = (secret, { now, settings }) => {
  if (secret.lastRotatedDate) return undefined;
  // The first rotation runs on deploy: give it the same time a rotation may take before calling it stuck.
  if (secret.createdDate && now.getTime() - secret.createdDate.getTime() < settings.stuckPendingHours * HOUR)
    return undefined;
  return {
    severity: 'critical',
    message: `never rotated${secret.createdDate ? ` since it was created ${ago(now, secret.createdDate)}` : ''}: it still holds the bootstrap value, not a key`,
    fix: `Run \`keyturn rotate ${safeLabel(secret.name, 'the key')}\` and read the rotate function's log if it fails.`,
  };
};

const rotationOverdue: Rule = (secret, { now, settings }) => {
  const days = cadenceDays(secret.tags);
  if (!secret.lastRotatedDate || days === undefined) return undefined;
  const due = secret.lastRotatedDate.getTime() + days * DAY + settings.graceHours * HOUR;
  if (now.getTime() <= due) return undefined;
  return {
    severity: 'critical',
    message: `rotation overdue: last rotated ${when(secret.lastRotatedDate)} (${ago(now, secret.lastRotatedDate)}); cadence ${days} days + ${settings.graceHours} h grace`,
    fix: `Check for a stuck rotation and the rotate function's errors, then \`keyturn rotate ${safeLabel(secret.name, 'the key')}\`.`,
  };
};

const rotationStuck: Rule = (secret, { now, settings }) => {
  const pending = secret.pendingVersion;
  if (!pending) return undefined;
  const created = pending.createdDate;
  if (created && now.getTime() - created.getTime() <= settings.stuckPendingHours * HOUR) return undefined;
  const name = safeLabel(secret.name, '<secret>');
  const versionId = safeLabel(pending.versionId, '<version>');
  return {
    severity: 'critical',
    message: `rotation stuck: version ${versionId} has been AWSPENDING ${created ? `since ${when(created)}` : 'for an unknown time'} and blocks every later rotation`,
    fix:
      `Read the rotate function's log for ${versionId}; then clear it with \`aws secretsmanager update-secret-version-stage ` +
      `--secret-id ${name} --version-stage AWSPENDING --remove-from-version-id ${versionId}\` and \`keyturn rotate ${name}\` ` +
      '(cancel-rotate-secret also clears it but disables rotation: redeploy after it).',
  };
};

const unused: Rule = (secret, { now, settings }) => {
  const limit = settings.unusedDays * DAY;
  const since = secret.lastAccessedDate ?? secret.createdDate;
  if (!since || now.getTime() - since.getTime() <= limit) return undefined;
  return {
    severity: 'notice',
    message: secret.lastAccessedDate
      ? `unused: last read ${when(secret.lastAccessedDate).slice(0, 10)} (over ${settings.unusedDays} days ago)`
      : `unused: never read since it was created ${ago(now, since)}`,
    fix: 'Ask the owner whether anything still needs the key; if not, remove it from the configuration (revoke unused keys monthly).',
  };
};

const expiry: Rule = (secret, { now, settings }) => {
  const expires = tagOf(secret, TAGS.expires);
  if (!expires || !/^\d{4}-\d{2}-\d{2}$/.test(expires)) return undefined;
  const end = Date.parse(`${expires}T00:00:00Z`);
  if (Number.isNaN(end)) return undefined;
  const left = end - now.getTime();
  if (left > settings.expiryWarningDays * DAY) return undefined;
  const fix = 'Agree with the owner: extend `expires` in the configuration and redeploy, or retire the key.';
  return left <= 0
    ? { severity: 'critical', message: `expired on ${expires}: nothing should still use it`, fix }
    : { severity: 'notice', message: `expires on ${expires} (in ${Math.ceil(left / DAY)} days)`, fix };
};

const retirementOverdue: Rule = (secret, { now, settings }) => {
  const policy = readKeyPolicy(secret.tags);
  const overlapHours = policy.ok ? policy.policy.overlapHours : DEFAULT_OVERLAP_HOURS;
  const versionId = overdueRetirement(secret, overlapHours, now, settings.retirementGraceHours);
  if (!versionId) return undefined;
  return {
    severity: 'critical',
    message: `retirement never happened: the old key (version ${safeLabel(versionId, '<version>')}) still works ${overlapHours} h overlap + ${settings.retirementGraceHours} h after the last rotation`,
    fix: "Read the retirement dead-letter queue and the retire function's log; re-invoke the retire function with {secretId, versionId} once the cause is fixed.",
  };
};

/** The rules in the order findings are reported. */
export const RULES: ReadonlyArray<readonly [AuditRuleId, Rule]> = [
  ['metadata', metadata],
  ['current-revoked', currentRevoked],
  ['rotation-disabled', rotationDisabled],
  ['never-rotated', neverRotated],
  ['rotation-overdue', rotationOverdue],
  ['rotation-stuck', rotationStuck],
  ['unused', unused],
  ['expiry', expiry],
  ['retirement-overdue', retirementOverdue],
];

/** Every finding for one managed secret. */
export function auditSecret(secret: ManagedSecret, ctx: RuleContext): Finding[] {
  const keyName = safeLabel(tagOf(secret, TAGS.keyName), safeLabel(secret.name, '(unnamed)'));
  const environment = safeLabel(tagOf(secret, TAGS.environment), '(unknown)');
  const findings: Finding[] = [];
  for (const [rule, check] of RULES) {
    const verdict = check(secret, ctx);
    if (verdict)
      findings.push({
        rule,
        keyName,
        environment,
        secretName: secret.name,
        secretArn: secret.arn,
        ...verdict,
      });
  }
  return findings;
}
