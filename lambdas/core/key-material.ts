/**
 * Self-issued API keys: `<prefix><body><checksum>`.
 *
 * - prefix: recognisable per environment (e.g. `kt_live_`), so secret scanners can find leaked keys;
 * - body: at least 32 base62 characters from the CSPRNG (~190 bits at 32 chars);
 * - checksum: CRC32 of prefix + body in 6 base62 characters, so a mistyped or truncated key is rejected
 *   without any lookup (the format GitHub recommends to secret-scanning partners).
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { KEY_PREFIX_PATTERN } from './constants';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const MIN_BODY_LENGTH = 32;
export const MAX_BODY_LENGTH = 128;
export const CHECKSUM_LENGTH = 6;
/** The longest prefix KEY_PREFIX_PATTERN admits: a letter, 15 more, `_`, 15 more, `_`. */
const MAX_PREFIX_LENGTH = 33;
const BODY_AND_CHECKSUM = /^[0-9A-Za-z]+$/;
/** Bytes at or above this value are rejected so that `byte % 62` stays uniform. */
const UNBIASED_LIMIT = 256 - (256 % 62);

interface ParsedKey {
  prefix: string;
  body: string;
  checksum: string;
}

/** Uniform random base62 string from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function checksumOf(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function assertValidPrefix(prefix: string): void {
  if (!KEY_PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `Key prefix must look like "kt_live_" (lowercase letters and digits, ending in "_"), got "${prefix}"`,
    );
  }
}

/** Issue a new self-issued key with the given prefix. */
export function generateApiKey(prefix: string, bodyLength = MIN_BODY_LENGTH): string {
  assertValidPrefix(prefix);
  if (!Number.isInteger(bodyLength) || bodyLength < MIN_BODY_LENGTH || bodyLength > MAX_BODY_LENGTH) {
    throw new RangeError(`Key body length must be an integer from ${MIN_BODY_LENGTH} to ${MAX_BODY_LENGTH}`);
  }
  const head = prefix + randomBase62(bodyLength);
  return head + checksumOf(head);
}

/**
 * Split a presented key into its parts and check its checksum; `undefined` when it is not well formed.
 * Cost: one regex and one CRC32, no lookup, so callers can reject garbage before any I/O.
 */
export function parseApiKey(candidate: unknown, expectedPrefix?: string): ParsedKey | undefined {
  if (typeof candidate !== 'string') return undefined;
  if (candidate.length > MAX_PREFIX_LENGTH + MAX_BODY_LENGTH + CHECKSUM_LENGTH) return undefined;
  const split = candidate.lastIndexOf('_') + 1;
  if (split === 0) return undefined;
  const prefix = candidate.slice(0, split);
  const rest = candidate.slice(split);
  if (expectedPrefix !== undefined ? prefix !== expectedPrefix : !KEY_PREFIX_PATTERN.test(prefix))
    return undefined;
  if (rest.length < MIN_BODY_LENGTH + CHECKSUM_LENGTH || !BODY_AND_CHECKSUM.test(rest)) return undefined;
  const body = rest.slice(0, -CHECKSUM_LENGTH);
  const checksum = rest.slice(-CHECKSUM_LENGTH);
  if (checksumOf(prefix + body) !== checksum) return undefined;
  return { prefix, body, checksum };
}

export function isWellFormedApiKey(candidate: unknown, expectedPrefix?: string): candidate is string {
  return parseApiKey(candidate, expectedPrefix) !== undefined;
}
