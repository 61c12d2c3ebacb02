/**
 * The CloudFormation custom resource request that writes one registry entry (Custom::KeyturnRegistration), and the
 * response CloudFormation expects. Pure: parsing and shaping only; lambdas/registry/handler.ts does the I/O.
 */
import * as z from 'zod';
import { KeyturnError } from './errors';
import { parseRegistryEntry, type RegistryEntry } from './registry';

/** CloudFormation posts responses to a pre-signed S3 URL of its own response buckets, over HTTPS; nothing else. */
const RESPONSE_URL =
  /^https:\/\/cloudformation-custom-resource-response-[a-z0-9-]+\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?\//;

const requestSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.string().regex(RESPONSE_URL, 'must be a CloudFormation response URL'),
  StackId: z.string().min(1).max(2048),
  RequestId: z.string().min(1).max(2048),
  LogicalResourceId: z.string().min(1).max(2048),
  PhysicalResourceId: z.string().max(2048).optional(),
  ResourceProperties: z.object({
    SecretName: z.string().min(1).max(512),
    SecretArn: z.string().min(1).max(2048),
    KmsKeyArn: z.string().min(1).max(2048),
    Policy: z.string().min(2).max(64_000),
  }),
});

export class InvalidRegistrationRequestError extends KeyturnError {}

export interface RegistrationRequest {
  requestType: 'Create' | 'Update' | 'Delete';
  responseUrl: string;
  stackId: string;
  requestId: string;
  logicalResourceId: string;
  physicalResourceId?: string;
  /** The entry, or why it is refused (CloudFormation still gets an answer, so a deployment never hangs). */
  entry: { ok: true; value: RegistryEntry } | { ok: false; reason: string };
}

/** Parse the request (throws when it is not one CloudFormation sent) and the entry it carries. */
export function parseRegistrationRequest(event: unknown): RegistrationRequest {
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new InvalidRegistrationRequestError(`Invalid registration request: ${fields.join(', ')}`);
  }
  const r = parsed.data;
  return {
    requestType: r.RequestType,
    responseUrl: r.ResponseURL,
    stackId: r.StackId,
    requestId: r.RequestId,
    logicalResourceId: r.LogicalResourceId,
    ...(r.PhysicalResourceId ? { physicalResourceId: r.PhysicalResourceId } : {}),
    entry: entryOf(r.ResourceProperties),
  };
}

function entryOf(p: z.infer<typeof requestSchema>['ResourceProperties']): RegistrationRequest['entry'] {
  let policy: unknown;
  try {
    policy = JSON.parse(p.Policy);
  } catch {
    return { ok: false, reason: 'Policy is not JSON' };
  }
  try {
    const value = parseRegistryEntry(p.SecretName, {
      secretName: p.SecretName,
      secretArn: p.SecretArn,
      kmsKeyArn: p.KmsKeyArn,
      policy,
    });
    return { ok: true, value };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** The response body CloudFormation reads; the physical id is the secret name (a rename replaces the entry). */
export function registrationResponse(
  request: Pick<RegistrationRequest, 'stackId' | 'requestId' | 'logicalResourceId' | 'physicalResourceId'> & {
    secretName?: string;
  },
  outcome: { ok: true } | { ok: false; reason: string },
): string {
  return JSON.stringify({
    Status: outcome.ok ? 'SUCCESS' : 'FAILED',
    Reason: outcome.ok ? 'registered' : outcome.reason.slice(0, 1000),
    PhysicalResourceId: request.secretName ?? request.physicalResourceId ?? request.logicalResourceId,
    StackId: request.stackId,
    RequestId: request.requestId,
    LogicalResourceId: request.logicalResourceId,
    NoEcho: false,
    Data: {},
  });
}
