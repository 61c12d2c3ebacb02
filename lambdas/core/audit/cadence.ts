/** How often a key must rotate: its own override tag, else its tier's cadence (TIERS). */
import { INVENTORY_TAGS, TAGS, TIERS } from '../constants';

const WHOLE_DAYS = /^[1-9][0-9]{0,2}$/;

/** The override tag's value when it is a whole number of days (1–999), else undefined. */
export function overrideDays(tags: Record<string, string>): number | undefined {
  const raw = Object.hasOwn(tags, INVENTORY_TAGS.rotateEveryDays)
    ? tags[INVENTORY_TAGS.rotateEveryDays]
    : undefined;
  return raw !== undefined && WHOLE_DAYS.test(raw) ? Number(raw) : undefined;
}

/** Rotation cadence in days, or undefined when neither a valid override nor a known tier is tagged. */
export function cadenceDays(tags: Record<string, string>): number | undefined {
  const override = overrideDays(tags);
  if (override !== undefined) return override;
  const tier = Object.hasOwn(tags, TAGS.tier) ? tags[TAGS.tier] : undefined;
  return tier !== undefined && Object.hasOwn(TIERS, tier)
    ? TIERS[tier as keyof typeof TIERS].rotateEveryDays
    : undefined;
}

/** When the next rotation is due: Secrets Manager's own date if it has one, else last rotation + cadence. */
export function nextRotationDue(secret: {
  tags: Record<string, string>;
  lastRotatedDate?: Date;
  nextRotationDate?: Date;
}): Date | undefined {
  if (secret.nextRotationDate) return secret.nextRotationDate;
  const days = cadenceDays(secret.tags);
  if (!secret.lastRotatedDate || days === undefined) return undefined;
  return new Date(secret.lastRotatedDate.getTime() + days * 86_400_000);
}
