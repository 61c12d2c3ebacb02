/**
 * A generated worst-case configuration: every key at the schema's maximum lengths (names, owners, runbook URL,
 * joined tag lists at the 256-character tag limit) and enough keys to pass the key-shard threshold, over every
 * provider kind. The cfn-lint suite synthesizes it; the limit guards' tests grow it past a limit.
 */
import { MAX_KEYS_IN_MAIN_STACK } from '../../lib/key-shards';

const TAG_VALUE_MAX = 256;

/** `length` characters of `alphabet`, starting with a letter so every name rule accepts it. */
function filled(length: number, seed: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += alphabet[(seed * 7 + i * 13) % alphabet.length];
  return 'k' + out.slice(1);
}

/** Items of `itemLength` characters whose space-joined length is exactly `total`. */
function listJoinedTo(total: number, itemLength: number, seed: number): string[] {
  const items: string[] = [];
  let used = -1;
  while (used + 1 + itemLength <= total) {
    items.push(filled(itemLength, seed + items.length));
    used += 1 + itemLength;
  }
  const rest = total - used - 1;
  if (rest > 0) items.push(filled(rest, seed + 99));
  return items;
}

/** An email-shaped tag value of exactly `length` characters. */
function ownerOf(length: number, seed: number): string {
  const domain = '@example.com';
  return filled(length - domain.length, seed) + domain;
}

function runbookOf(length: number, seed: number): string {
  const base = 'https://runbooks.example.com/';
  return base + filled(length - base.length, seed);
}

const ACCOUNT = '111122223333';

function providerOf(i: number): Record<string, unknown> {
  switch (i % 5) {
    case 0:
      return { kind: 'self-issued', prefix: 'kt_live_', bodyLength: 128 };
    case 1:
      return {
        kind: 'iam-access-key',
        userArn: `arn:aws:iam::${ACCOUNT}:user/${filled(120, i, 'abcdefghij')}/${filled(64, i + 1)}`,
      };
    case 2:
      // Ten plan ids of 24 characters: 249 characters joined, under the tag limit.
      return {
        kind: 'api-gateway-key',
        usagePlanIds: Array.from({ length: 10 }, (_, j) => filled(24, i + j)),
      };
    case 3:
      return {
        kind: 'http-admin-api',
        profile: 'sendgrid',
        adminSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:platform/sendgrid-admin`,
      };
    default:
      return {
        kind: 'http-admin-api',
        profile: 'datadog',
        adminSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:platform/datadog-admin`,
      };
  }
}

/** One key at every maximum length; `i` makes its names unique. */
export function worstCaseKey(i: number): Record<string, unknown> {
  const suffix = `-${String(i).padStart(4, '0')}`;
  return {
    name: filled(63 - suffix.length, i) + suffix,
    provider: providerOf(i),
    environment: filled(32, i % 3),
    tier: (['critical', 'high', 'standard'] as const)[i % 3],
    rotation: { everyDays: 90, windowHours: 24 },
    overlapHours: 24,
    leakPolicy: i % 2 ? 'revoke-first' : 'rotate-then-revoke',
    owner: ownerOf(TAG_VALUE_MAX, i),
    backupOwner: ownerOf(TAG_VALUE_MAX, i + 1),
    scopes: listJoinedTo(TAG_VALUE_MAX, 63, i),
    linkedSystems: listJoinedTo(TAG_VALUE_MAX, 63, i + 3),
    runbookUrl: runbookOf(TAG_VALUE_MAX, i),
    expires: '2099-12-31',
    allowedReaders: [`arn:aws:iam::${ACCOUNT}:role/${filled(64, i)}`],
  };
}

/** The raw (unparsed) worst-case configuration of `keyCount` keys (default: just past the main-stack threshold). */
export function worstCaseConfig(
  keyCount = MAX_KEYS_IN_MAIN_STACK + 1,
  pipeline: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    pipeline: {
      stackName: filled(128, 1).replace(/^k/, 'K'),
      secretPrefix: `${filled(40, 2)}/`,
      ...pipeline,
    },
    keys: Array.from({ length: keyCount }, (_, i) => worstCaseKey(i)),
  };
}
