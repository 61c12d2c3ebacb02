/** The event Secrets Manager sends to a rotation function, validated before any AWS call. */
import * as z from 'zod';
import { ROTATION_STEPS } from './constants';
import { InvalidRotationEventError } from './errors';
import { UNSAFE_CHARACTERS } from './printable';

/**
 * RotateSecret's ClientRequestToken: whatever its caller sent, 32–64 characters (the service's own limits). The
 * service generates a UUID only for rotations it starts; keyturn's leak response sends `keyturn-leak-<incident id>`.
 * The token becomes the log correlation id, so control characters and bidi overrides are refused.
 */
export const ROTATION_TOKEN_LENGTH = { min: 32, max: 64 } as const;

const rotationEventSchema = z.strictObject({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().trim().min(1).max(2048),
  ClientRequestToken: z
    .string()
    .min(ROTATION_TOKEN_LENGTH.min)
    .max(ROTATION_TOKEN_LENGTH.max)
    .refine((token) => !UNSAFE_CHARACTERS.test(token), 'must not contain control or bidi characters'),
  /** Sent by Secrets Manager for rotations it starts; passed on to PutSecretValue. */
  RotationToken: z.string().min(1).max(256).optional(),
});

export type RotationEvent = z.infer<typeof rotationEventSchema>;

export function parseRotationEvent(event: unknown): RotationEvent {
  const parsed = rotationEventSchema.safeParse(event);
  if (!parsed.success) {
    // Issue messages name fields and expectations only; zod 4 does not echo inputs into messages.
    throw new InvalidRotationEventError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
