/**
 * Leak signals, parsed from the two events the leak response accepts:
 * - keyturn's own (`source` "keyturn", detail-type "API Key Leaked"), put by `keyturn leak`, a secret scanner's
 *   webhook, a person, or an alarm; its detail schema is `leakEventDetailSchema` below (the documented entry point);
 * - AWS Health's exposed-credential event for IAM access keys (`source` "aws.health").
 * Both become one `LeakSignal`. Input is outside data: sizes are capped and errors name fields, never values.
 */
import * as z from 'zod';
import { EVENTS, HEALTH_EXPOSED_CREDENTIAL_CODES } from '../constants';
import { KeyturnError } from '../errors';
import { UNSAFE_CHARACTERS } from '../printable';
import { redactCredentials } from './redact';

/** The event is not a leak signal keyturn understands; nothing was done. */
export class InvalidLeakEventError extends KeyturnError {
  constructor(public readonly problems: string[]) {
    super(`Invalid leak event: ${problems.join('; ')}`);
  }
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !UNSAFE_CHARACTERS.test(v), 'must not hold control or bidirectional-override characters');
/** Key names, secret names and ARNs: the characters Secrets Manager allows in names and ARNs. */
const keyRef = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9/_+=.@:-]+$/, 'must be a key name, secret name or secret ARN');
/** A key's public id (IAM AccessKeyId, `sha256:…` of a self-issued key, a provider's key id): never the key. */
const keyId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9:_.-]+$/, 'must be a public key id');

/** `detail` of the keyturn "API Key Leaked" event. */
export const leakEventDetailSchema = z.strictObject({
  /** The key name (`billing-api`), the secret name (`keyturn/prod/billing-api`) or the secret ARN. */
  key: keyRef,
  /** Needed with a bare key name when the name exists in several environments. */
  environment: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be an environment name')
    .optional(),
  /** Where the key was found: a URL, a repository path, a ticket. */
  where: text(1024),
  /** When the key was exposed (ISO-8601); the audit window starts here (else at the key's creation). */
  exposedAt: z.iso.datetime({ offset: true }).optional(),
  /** Who reported it: a person, a scanner, an alarm. */
  reportedBy: text(256),
  /** The exposed key's public id, when known: only the matching version is treated as leaked. */
  keyId: keyId.optional(),
});
export type LeakEventDetail = z.infer<typeof leakEventDetailSchema>;

const healthDetailSchema = z.object({
  eventTypeCode: z.enum(HEALTH_EXPOSED_CREDENTIAL_CODES),
  affectedEntities: z
    .array(z.object({ entityValue: z.string().max(256) }))
    .min(1)
    .max(100),
});

const envelopeSchema = z.object({
  id: z.string().min(1).max(128),
  /** Set by EventBridge to the account of the caller of PutEvents (or AWS Health's affected account): verified. */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  source: z.string().max(256),
  'detail-type': z.string().max(256),
  time: z.iso.datetime({ offset: true }),
  detail: z.unknown(),
});

export interface LeakSignal {
  /** The EventBridge event id: one response per event, so a retried task cannot start a second one. */
  signalId: string;
  origin: 'keyturn' | 'aws-health';
  receivedAt: string;
  where: string;
  /** Free text from the event's detail: what the sender CLAIMS (anyone allowed on the bus can write anything). */
  reportedBy: string;
  /**
   * What AWS verified about the sender: the account EventBridge recorded for the PutEvents call. Within that
   * account, only the principals the leak bus policy names could put the event.
   */
  senderAccount?: string;
  /** From a keyturn event: a key name, secret name or ARN. */
  key?: string;
  environment?: string;
  exposedAt?: string;
  /** The leaked key's public id (always set for AWS Health: the access key id). */
  keyId?: string;
  /** AWS Health: the event type code. */
  healthCode?: string;
}

const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;

/**
 * zod quotes an unknown field's name, and a name is outside data too (a pasted key as a JSON field name): the
 * problem names the accepted fields instead.
 */
const UNKNOWN_FIELDS = `unknown field; the accepted fields are ${Object.keys(leakEventDetailSchema.shape).join(', ')}`;

function problemsOf(error: z.ZodError, prefix: string): string[] {
  return [
    ...new Set(
      error.issues.map(
        (i) =>
          `${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.code === 'unrecognized_keys' ? UNKNOWN_FIELDS : i.message}`,
      ),
    ),
  ];
}

/** Parse an EventBridge event into a leak signal, or throw InvalidLeakEventError naming the bad fields. */
export function parseLeakEvent(event: unknown): LeakSignal {
  const envelope = envelopeSchema.safeParse(event);
  if (!envelope.success) throw new InvalidLeakEventError(problemsOf(envelope.error, ''));
  const { id, source, time, detail, account } = envelope.data;
  const sender = account ? { senderAccount: account } : {};
  const detailType = envelope.data['detail-type'];

  if (source === EVENTS.source && detailType === EVENTS.apiKeyLeaked) {
    const parsed = leakEventDetailSchema.safeParse(detail);
    if (!parsed.success) throw new InvalidLeakEventError(problemsOf(parsed.error, 'detail'));
    const d = parsed.data;
    return {
      signalId: id,
      origin: 'keyturn',
      receivedAt: time,
      where: redactCredentials(d.where),
      reportedBy: redactCredentials(d.reportedBy),
      ...sender,
      key: d.key,
      ...(d.environment ? { environment: d.environment } : {}),
      ...(d.exposedAt ? { exposedAt: new Date(d.exposedAt).toISOString() } : {}),
      ...(d.keyId ? { keyId: d.keyId } : {}),
    };
  }
  if (source === 'aws.health' && detailType === 'AWS Health Event') {
    const parsed = healthDetailSchema.safeParse(detail);
    if (!parsed.success) throw new InvalidLeakEventError(problemsOf(parsed.error, 'detail'));
    const accessKeyId = parsed.data.affectedEntities
      .map((e) => e.entityValue)
      .find((v) => ACCESS_KEY_ID.test(v));
    if (!accessKeyId)
      throw new InvalidLeakEventError([
        'detail.affectedEntities: no IAM access key id among the affected entities',
      ]);
    return {
      signalId: id,
      origin: 'aws-health',
      receivedAt: time,
      where: `AWS Health ${parsed.data.eventTypeCode}`,
      reportedBy: 'AWS Health',
      ...sender,
      keyId: accessKeyId,
      healthCode: parsed.data.eventTypeCode,
    };
  }
  throw new InvalidLeakEventError([
    'source/detail-type: not a keyturn "API Key Leaked" or AWS Health exposed-credential event',
  ]);
}
