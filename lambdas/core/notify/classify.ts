/**
 * Narrow an EventBridge event (CloudTrail API call or service event) to one of the incidents the notify function
 * reports. Pure: no AWS. Only identifiers are kept (secret id, principal, event name), never request payloads
 * beyond them, so nothing from the event that could hold key material reaches a message.
 */
import { printable } from '../printable';

export type IncidentKind =
  'rotation-failed' | 'rotation-abandoned' | 'destructive-change' | 'unexpected-read';

export interface Incident {
  kind: IncidentKind;
  /** The CloudTrail event name, e.g. `DeleteSecret`. */
  eventName: string;
  /** When it happened (CloudTrail eventTime, ISO 8601). */
  at: string;
  /** The secret's id as the caller sent it (name or ARN), when the event is about a secret. */
  secretId?: string;
  /** Who did it: an IAM ARN, or the AWS service. */
  principal: string;
  sourceIp?: string;
  /** The affected non-secret resource when it is not a secret (KMS key, trail). */
  resource?: string;
  account: string;
  region: string;
  /** CloudTrail event id, for lookup. */
  eventId: string;
}

export class UnrecognisedEventError extends Error {
  constructor(reason: string) {
    super(`not an event the notify function handles: ${printable(reason)}`);
    this.name = 'UnrecognisedEventError';
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const DESTRUCTIVE = new Set([
  'DeleteSecret',
  'PutResourcePolicy',
  'DeleteResourcePolicy',
  'CancelRotateSecret',
  'RemoveRegionsFromReplication',
  'UpdateSecret',
  'DisableKey',
  'ScheduleKeyDeletion',
  'StopLogging',
  'DeleteTrail',
]);

function principalOf(identity: Obj): string {
  const issuer = str(obj(obj(identity.sessionContext).sessionIssuer).arn);
  return issuer ?? str(identity.arn) ?? str(identity.invokedBy) ?? str(identity.type) ?? 'unknown principal';
}

export function classifyEvent(event: unknown): Incident {
  const e = obj(event);
  const detail = obj(e.detail);
  const eventName = str(detail.eventName);
  const detailType = str(e['detail-type']);
  if (!eventName || !detailType) throw new UnrecognisedEventError('no detail-type or detail.eventName');
  const params = obj(detail.requestParameters);
  const extra = obj(detail.additionalEventData);
  const resources = Array.isArray(detail.resources) ? detail.resources.map(obj) : [];
  const base = {
    eventName,
    at: str(detail.eventTime) ?? str(e.time) ?? 'unknown time',
    principal: principalOf(obj(detail.userIdentity)),
    sourceIp: str(detail.sourceIPAddress),
    account: str(e.account) ?? 'unknown account',
    region: str(e.region) ?? 'unknown region',
    eventId: str(detail.eventID) ?? str(e.id) ?? 'unknown',
  };
  if (detailType === 'AWS Service Event via CloudTrail') {
    // Before February 2024 the field was spelled `aRN`.
    const secretId = str(extra.arn) ?? str(extra.aRN);
    if (eventName === 'RotationFailed') return { ...base, kind: 'rotation-failed', secretId };
    if (eventName === 'RotationAbandoned') return { ...base, kind: 'rotation-abandoned', secretId };
    throw new UnrecognisedEventError(`service event ${eventName}`);
  }
  if (detailType !== 'AWS API Call via CloudTrail')
    throw new UnrecognisedEventError(`detail-type ${detailType}`);
  if (eventName === 'GetSecretValue')
    return { ...base, kind: 'unexpected-read', secretId: str(params.secretId) };
  if (DESTRUCTIVE.has(eventName)) {
    return {
      ...base,
      kind: 'destructive-change',
      secretId: str(params.secretId),
      resource: str(resources[0]?.ARN) ?? str(params.name) ?? str(params.keyId),
    };
  }
  throw new UnrecognisedEventError(`API call ${eventName}`);
}
