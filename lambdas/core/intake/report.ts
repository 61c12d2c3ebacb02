/**
 * The secret scanning partner program's shapes. GitHub POSTs a JSON array of matches, each
 * `{ token, type, url, source }`, and reads back, per token, `{ token_hash, token_type, label }` where token_hash is
 * the SHA-256 of the token (hex) and label is `true_positive` or `false_positive`. The validity check (keyturn's
 * own endpoint in the same format) answers `active` or `inactive` per token. Sizes are capped; parse errors name
 * fields, never values.
 */
import { hash } from 'node:crypto';
import * as z from 'zod';
import { UNSAFE_CHARACTERS } from '../printable';
import { MalformedReportError } from './errors';

/** Larger bodies are refused before parsing. */
export const MAX_REPORT_BYTES = 256 * 1024;
/** Matches per request. */
export const MAX_MATCHES = 100;

const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !UNSAFE_CHARACTERS.test(v), 'must be printable');

const matchSchema = z.object({
  token: z.string().min(1).max(512),
  type: printable(128),
  url: printable(2048).optional(),
  source: printable(64).optional(),
});
export type ReportedMatch = z.infer<typeof matchSchema>;

const reportSchema = z.array(matchSchema).min(1).max(MAX_MATCHES);

export function parseReport(body: string): ReportedMatch[] {
  if (Buffer.byteLength(body) > MAX_REPORT_BYTES) throw new MalformedReportError('body too large', 413);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedReportError('not JSON');
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    throw new MalformedReportError(`unexpected shape at ${[...new Set(fields)].join(', ')}`);
  }
  return parsed.data;
}

export type ReportLabel = 'true_positive' | 'false_positive';
export type ValidityLabel = 'active' | 'inactive';

export interface TokenAnswer<L extends string> {
  token_hash: string;
  token_type: string;
  label: L;
}

/** The partner identifies the token by its SHA-256: the answer never echoes the token itself. */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'hex');
}

export function answerFor<L extends string>(match: ReportedMatch, label: L): TokenAnswer<L> {
  return { token_hash: tokenHash(match.token), token_type: match.type, label };
}
