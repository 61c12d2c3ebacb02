/**
 * What the state machine hands the leak function: a task name and its input (the EventBridge event for `contain`,
 * the response's state for the others, plus the caught error for `escalate`). Validated before anything runs.
 */
import * as z from 'zod';
import { KeyturnError } from '../core/errors';
import { redactCredentials } from '../core/leak/redact';
import { printable, UNSAFE_CHARACTERS } from '../core/printable';
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
  'await-approval',
  'approved',
  'denied',
  'approval-timed-out',
] as const;
export type LeakTaskName = (typeof LEAK_TASKS)[number];

export class InvalidLeakTaskError extends KeyturnError {}

const stateSchema = z.looseObject({
  incidentId: z.string().min(1).max(128),
  decision: z.enum(['respond', 'joined', 'unmanaged', 'held']),
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

/** What `keyturn leak approve|deny` (or a person in the console) sent back: outside data, capped, all claimed. */
const answerText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !UNSAFE_CHARACTERS.test(v), 'must not hold control characters');
export const approvalAnswerSchema = z.strictObject({
  by: answerText(256),
  note: answerText(1024).optional(),
});

/** SendTaskFailure's cause (caught into `$.answer`): the deny's JSON answer, or the service's own text. */
const deniedSchema = z.object({
  Error: z.string().max(256).optional(),
  Cause: z.string().max(32_768).optional(),
});

/** The answer sits at `$.answer` in the state too (the task's ResultPath): the next state does not carry it. */
const heldState = stateSchema.transform(({ answer: _answer, ...rest }) => rest);

const HELD_TASKS = ['await-approval', 'approved', 'denied', 'approval-timed-out'] as const;

const requestSchema = z.discriminatedUnion('task', [
  z.object({
    task: z.literal('await-approval'),
    state: heldState,
    taskToken: z.string().min(1).max(1024),
    timeoutSeconds: z.number().int().positive(),
  }),
  z.object({ task: z.literal('approved'), state: heldState, answer: approvalAnswerSchema }),
  z.object({ task: z.literal('denied'), state: heldState, answer: deniedSchema }),
  z.object({ task: z.literal('approval-timed-out'), state: heldState }),
  z.object({ task: z.literal('contain'), event: z.unknown() }),
  z.object({
    task: z.literal('escalate'),
    state: stateSchema,
    error: z
      .object({ Error: z.string().max(256).optional(), Cause: z.string().max(32_768).optional() })
      .optional(),
  }),
  ...LEAK_TASKS.filter(
    (t) => t !== 'contain' && t !== 'escalate' && !(HELD_TASKS as readonly string[]).includes(t),
  ).map((task) => z.object({ task: z.literal(task), state: stateSchema })),
] as never);

export type LeakRequest =
  | { task: 'contain'; event: unknown }
  | { task: 'escalate'; state: LeakState; error?: { Error?: string; Cause?: string } }
  | { task: 'await-approval'; state: LeakState; taskToken: string; timeoutSeconds: number }
  | { task: 'approved'; state: LeakState; answer: { by: string; note?: string } }
  | { task: 'denied'; state: LeakState; answer: { Error?: string; Cause?: string } }
  | { task: 'approval-timed-out'; state: LeakState }
  | {
      task: Exclude<LeakTaskName, 'contain' | 'escalate' | (typeof HELD_TASKS)[number]>;
      state: LeakState;
    };

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

/**
 * The denial's answer from SendTaskFailure: `keyturn leak deny` sends `{"by","note"}` as the cause; anything else
 * (the console, the API by hand) is kept as a redacted note from an unknown sender.
 */
export function deniedAnswer(error: { Error?: string; Cause?: string }): { by: string; note?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(error.Cause ?? '');
  } catch {
    parsed = undefined;
  }
  const answer = approvalAnswerSchema.safeParse(parsed);
  if (answer.success) return redactedAnswer(answer.data);
  const note = redactCredentials(printable(error.Cause ?? '', 300));
  return { by: 'unknown (SendTaskFailure without keyturn’s answer)', ...(note ? { note } : {}) };
}

/** Free text a person typed may hold a pasted key: redacted before it is stored or paged. */
export function redactedAnswer(answer: { by: string; note?: string }): { by: string; note?: string } {
  return {
    by: redactCredentials(answer.by),
    ...(answer.note ? { note: redactCredentials(answer.note) } : {}),
  };
}
