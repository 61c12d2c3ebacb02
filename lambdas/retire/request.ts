/** The retire function's input, as the retirement schedule sends it. Validated before anything is called. */
import * as z from 'zod';
import type { RetirementRequest } from '../core/retirement';
import { InvalidRetirementRequestError } from '../core/retirement-errors';

/** A Secrets Manager secret ARN: name, then "-" and the 6-character suffix the service appends. */
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:([A-Za-z0-9/_+=.@-]+)-[A-Za-z0-9]{6}$/;

const requestSchema = z.strictObject({
  secretId: z.string().max(2048).regex(SECRET_ARN, 'must be a Secrets Manager secret ARN'),
  versionId: z.string().regex(/^[A-Za-z0-9-]{32,64}$/, 'must be a Secrets Manager version id'),
});

/** Validate the request; a secret outside `secretPrefix` is refused before any call (keyturn retires only its own). */
export function parseRetirementRequest(event: unknown, secretPrefix: string): RetirementRequest {
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    // Field paths and rule messages only: never the values that were sent.
    throw new InvalidRetirementRequestError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const name = SECRET_ARN.exec(parsed.data.secretId)?.[1] ?? '';
  if (!name.startsWith(secretPrefix)) {
    throw new InvalidRetirementRequestError([
      `secretId: not a keyturn-managed secret (name outside "${secretPrefix}")`,
    ]);
  }
  return parsed.data;
}
