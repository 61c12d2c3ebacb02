/** The retire function's input, as the retirement schedule sends it. Validated before anything is called. */
import * as z from 'zod';
import type { RetirementRequest } from '../core/retirement';
import { InvalidRetirementRequestError } from '../core/retirement-errors';

const requestSchema = z.strictObject({
  secretId: z.string().startsWith('arn:').max(2048),
  versionId: z.string().regex(/^[A-Za-z0-9-]{32,64}$/, 'must be a Secrets Manager version id'),
});

export function parseRetirementRequest(event: unknown): RetirementRequest {
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    // Field paths and rule messages only: never the values that were sent.
    throw new InvalidRetirementRequestError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
