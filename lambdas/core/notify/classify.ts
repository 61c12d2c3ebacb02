/**
 * Narrow an EventBridge event (CloudTrail API call or service event) to one of the incidents the notify function
 * reports. Pure: no AWS. Only identifiers are kept (secret id, principal, event name), never request payloads
 * beyond them, so nothing from the event that could hold key material reaches a message.
 */
import { printable } from '../printable';
import type { ReaderIdentity } from './policy';

export type IncidentKind =
  'rotation-failed' | 'rotation-abandoned' | 'destructive-change' | 'unexpected-read' | 'tamper-write';

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
  /** The caller as CloudTrail recorded it (type, ARN, session issuer): what the allowed-readers decision reads. */
  identity: ReaderIdentity;
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

/**
 * Writes that plant or change a managed secret outside a deployment (issue 14): the rule delivers them only when
 * the caller is neither a keyturn role nor the deploy role.
 */
const TAMPER = new Set(['CreateSecret', 'TagResource', 'UntagResource', 'PutSecretValue', 'RotateSecret']);

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
  const userIdentity = obj(detail.userIdentity);
  const base = {
    eventName,
    identity: {
      type: str(userIdentity.type),
      arn: str(userIdentity.arn),
      issuerArn: str(obj(obj(userIdentity.sessionContext).sessionIssuer).arn),
    },
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
  if (TAMPER.has(eventName)) {
    // CreateSecret names the new secret in `name`; the others in `secretId`.
    return { ...base, kind: 'tamper-write', secretId: str(params.secretId) ?? str(params.name) };
  }
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
