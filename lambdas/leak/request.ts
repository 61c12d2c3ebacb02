/**
 * What the state machine hands the leak function: a task name and its input (the EventBridge event for `contain`,
 * the response's state for the others, plus the caught error for `escalate`). Validated before anything runs.
 */
import * as z from 'zod';
import { KeyturnError } from '../core/errors';
import type { LeakState } from '../core/leak/state';

export const LEAK_TASKS = [
  'contain',
  'rotate',
  'check-rotation',
  'revoke-leaked',
  'audit',
  'rotate-linked',
  'conclude',
  'escalate',
  'second-check',
] as const;
export type LeakTaskName = (typeof LEAK_TASKS)[number];

export class InvalidLeakTaskError extends KeyturnError {}

const stateSchema = z.looseObject({
  incidentId: z.string().min(1).max(128),
  decision: z.enum(['respond', 'joined', 'unmanaged']),
  detectedAt: z.string(),
  signal: z.looseObject({
    signalId: z.string(),
    origin: z.enum(['keyturn', 'aws-health']),
    receivedAt: z.string(),
    where: z.string(),
    reportedBy: z.string(),
  }),
  leaked: z
    .array(
      z.looseObject({
        versionId: z.string(),
        keyId: z.string(),
        stage: z.enum(['AWSCURRENT', 'AWSPREVIOUS']),
      }),
    )
    .max(10),
  revoked: z.boolean(),
  rotation: z.enum(['not-started', 'pending', 'current', 'failed']),
  rotationChecks: z.number().int().min(0),
  actions: z.array(z.looseObject({ at: z.string(), action: z.string(), outcome: z.string() })).max(200),
});

const requestSchema = z.discriminatedUnion('task', [
  z.object({ task: z.literal('contain'), event: z.unknown() }),
  z.object({
    task: z.literal('escalate'),
    state: stateSchema,
    error: z
      .object({ Error: z.string().max(256).optional(), Cause: z.string().max(32_768).optional() })
      .optional(),
  }),
  ...LEAK_TASKS.filter((t) => t !== 'contain' && t !== 'escalate').map((task) =>
    z.object({ task: z.literal(task), state: stateSchema }),
  ),
] as never);

export type LeakRequest =
  | { task: 'contain'; event: unknown }
  | { task: 'escalate'; state: LeakState; error?: { Error?: string; Cause?: string } }
  | { task: Exclude<LeakTaskName, 'contain' | 'escalate'>; state: LeakState };

export function parseLeakRequest(input: unknown): LeakRequest {
  const parsed = (requestSchema as unknown as z.ZodType<LeakRequest>).safeParse(input);
  if (!parsed.success) {
    const fields = [
      ...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)')),
    ].slice(0, 10);
    throw new InvalidLeakTaskError(`Invalid leak task request (fields: ${fields.join(', ')})`);
  }
  return parsed.data;
}
