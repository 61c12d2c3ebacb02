/** The notify function's one domain step: classify → enrich from the secret's tags → de-duplicate → publish. */
import { TAGS } from '../constants';
import type { SecretDescription } from '../ports';
import { classifyEvent, type Incident } from './classify';
import type { Deduplicator } from './dedupe';
import { dedupeKeyOf, formatNotification, type FormattedNotification, type KeyInfo } from './format';

export interface NotifyDeps {
  /** DescribeSecret (tags only are used). */
  describe(secretId: string): Promise<SecretDescription>;
  dedupe: Deduplicator;
  publish(n: FormattedNotification): Promise<unknown>;
}

export type NotifyOutcome =
  | { status: 'published'; incident: Incident; notification: FormattedNotification }
  | { status: 'duplicate'; incident: Incident };

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
  if (!(await deps.dedupe.firstSighting(dedupeKeyOf(incident)))) return { status: 'duplicate', incident };
  let key: KeyInfo | undefined;
  if (incident.secretId) {
    try {
      key = keyInfoFrom(await deps.describe(incident.secretId));
    } catch (error) {
      onDescribeError?.(error);
    }
  }
  const notification = formatNotification(incident, key);
  await deps.publish(notification);
  return { status: 'published', incident, notification };
}
