/**
 * The notify function's one domain step: classify → decide against the deployed monitoring policy (an allowed
 * reader is not an incident) → de-duplicate → enrich → publish. The key's identity on the page comes from the
 * policy (what the deployment wrote); the secret's tags are read only for a secret the policy does not know.
 */
import { TAGS } from '../constants';
import type { SecretDescription } from '../ports';
import { classifyEvent, type Incident } from './classify';
import { publishOrRelease, type Deduplicator } from './dedupe';
import { dedupeKeyOf, formatNotification, type FormattedNotification, type KeyInfo } from './format';
import type { PolicyIndex, PolicyKey } from './policy';

export interface NotifyDeps {
  /** DescribeSecret (tags only are used), for secrets the policy does not list. */
  describe(secretId: string): Promise<SecretDescription>;
  dedupe: Deduplicator;
  publish(n: FormattedNotification): Promise<unknown>;
  /**
   * The deployed monitoring policy. Without it no reader is allowed (every read by a non-keyturn principal pages).
   * @default - none
   */
  policy?: PolicyIndex;
}

export type NotifyOutcome =
  | { status: 'published'; incident: Incident; notification: FormattedNotification }
  | { status: 'duplicate'; incident: Incident }
  | { status: 'allowed'; incident: Incident };

export function keyInfoFrom(description: SecretDescription): KeyInfo {
  const t = description.tags;
  return {
    secretArn: description.arn,
    secretName: description.name,
    keyName: t[TAGS.keyName],
    environment: t[TAGS.environment],
    owner: t[TAGS.owner],
    backupOwner: t[TAGS.backupOwner],
    runbook: t[TAGS.runbook],
  };
}

export function keyInfoFromPolicy(key: PolicyKey, secretId: string | undefined): KeyInfo {
  return {
    secretArn: secretId?.startsWith('arn:') ? secretId : key.secretName,
    secretName: key.secretName,
    keyName: key.keyName,
    environment: key.environment,
    owner: key.owner,
    backupOwner: key.backupOwner,
    runbook: key.runbook,
  };
}

/**
 * Throws UnrecognisedEventError for events it does not handle (nothing is published). A secret that cannot be
 * described (deleted, or access denied) still yields a notification, without owner details: the page matters
 * more than its decoration.
 */
export async function notifyIncident(
  deps: NotifyDeps,
  event: unknown,
  onDescribeError?: (e: unknown) => void,
): Promise<NotifyOutcome> {
  const incident = classifyEvent(event);
  const managed = deps.policy?.keyForSecretId(incident.secretId);
  if (
    incident.kind === 'unexpected-read' &&
    managed &&
    deps.policy?.isAllowedReader(managed, incident.identity)
  ) {
    return { status: 'allowed', incident };
  }
  const dedupeKey = dedupeKeyOf(incident);
  if (!(await deps.dedupe.firstSighting(dedupeKey))) return { status: 'duplicate', incident };
  let key: KeyInfo | undefined = managed ? keyInfoFromPolicy(managed, incident.secretId) : undefined;
  if (!key && incident.secretId) {
    try {
      key = keyInfoFrom(await deps.describe(incident.secretId));
    } catch (error) {
      onDescribeError?.(error);
    }
  }
  const notification = formatNotification(incident, key);
  await publishOrRelease(deps.dedupe, dedupeKey, () => deps.publish(notification));
  return { status: 'published', incident, notification };
}
