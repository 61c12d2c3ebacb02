/**
 * The shape of every `--json` output: commands parse their output through these before printing, and tests and
 * scripts can validate against them. Changing a field here is a breaking change for scripts.
 */
import * as z from 'zod';

const isoOrNull = z.iso.datetime().nullable();

const findingJson = z.strictObject({
  rule: z.string(),
  severity: z.enum(['critical', 'notice']),
  message: z.string(),
  fix: z.string(),
});

export const statusJson = z.strictObject({
  keys: z.array(
    z.strictObject({
      name: z.string(),
      environment: z.string(),
      secretName: z.string(),
      owner: z.string().nullable(),
      tier: z.string().nullable(),
      rotationEnabled: z.boolean(),
      lastRotated: isoOrNull,
      nextRotation: isoOrNull,
      lastAccessed: isoOrNull,
      stages: z.strictObject({
        current: z.string().nullable(),
        previous: z.string().nullable(),
        pending: z.string().nullable(),
      }),
      findings: z.array(findingJson),
    }),
  ),
  summary: z.strictObject({ keys: z.number().int(), critical: z.number().int(), notice: z.number().int() }),
});

export const rotateJson = z.strictObject({
  key: z.string(),
  secretArn: z.string(),
  versionId: z.string(),
  outcome: z.enum(['rotated', 'abandoned', 'timeout']),
  elapsedSeconds: z.number(),
});

export const historyJson = z.strictObject({
  key: z.string(),
  environment: z.string(),
  entries: z.array(
    z.strictObject({
      at: z.string(),
      kind: z.string(),
      outcome: z.string(),
      versionId: z.string().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});

export const leakJson = z.strictObject({
  eventId: z.string(),
  key: z.string(),
  environment: z.string().nullable(),
  managed: z.boolean(),
  followUp: z.array(z.string()),
});

/** An incident as recorded (lambdas/core/leak/ports.ts IncidentRecord); the record never holds key material. */
export const incidentJson = z.looseObject({
  id: z.string(),
  status: z.enum(['open', 'resolved', 'escalated']),
  key: z.string(),
  detectedAt: z.string(),
  actions: z.array(z.looseObject({ at: z.string(), action: z.string(), outcome: z.string() })),
});

export const errorJson = z.strictObject({
  error: z.strictObject({ code: z.number().int(), message: z.string() }),
});
