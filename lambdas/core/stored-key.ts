/**
 * The JSON a managed secret version holds. Parsing never quotes the value it rejects: a malformed value may
 * still be key material.
 */
import * as z from 'zod';

const storedKeySchema = z.object({
  keyturn: z.literal(1),
  provider: z.string().min(1),
  /** The provider's identifier of the key (safe to log). */
  keyId: z.string().min(1).max(512),
  /** The key itself: never logged. */
  key: z.string().min(1).max(8192),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().optional(),
  /** Provider-specific, non-secret attributes (e.g. the IAM user name). */
  attributes: z.record(z.string(), z.string()).optional(),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

const bootstrapSchema = z.object({ keyturn: z.literal(1), bootstrap: z.literal(true) });

type SecretContent = { kind: 'key'; key: StoredKey } | { kind: 'bootstrap' };

type ParseOutcome = { ok: true; content: SecretContent } | { ok: false; reason: string };

/** Parse a stored secret string; the failure reason describes the shape, never the value. */
export function parseSecretContent(secretString: string): ParseOutcome {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // JSON.parse's message quotes the input: drop it.
    return { ok: false, reason: 'not JSON' };
  }
  if (bootstrapSchema.safeParse(json).success) return { ok: true, content: { kind: 'bootstrap' } };
  const parsed = storedKeySchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    return { ok: false, reason: `unexpected shape at ${[...new Set(fields)].join(', ')}` };
  }
  return { ok: true, content: { kind: 'key', key: parsed.data } };
}

export function serializeStoredKey(key: StoredKey): string {
  return JSON.stringify(storedKeySchema.parse(key));
}
