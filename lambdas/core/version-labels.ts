/**
 * Which version of a secret carries which staging label: the one place that reads Secrets Manager's
 * version-to-labels map (DescribeSecret's VersionIdsToStages, ListSecrets' SecretVersionsToStages).
 */
import { STAGE } from './constants';

type VersionLabels = Record<string, string[]>;

/** The version carrying `label` (the service keeps each label on at most one version). */
export function versionWithLabel(versions: VersionLabels, label: string): string | undefined {
  return Object.entries(versions).find(([, labels]) => labels.includes(label))?.[0];
}

/** The version that is AWSPENDING but not AWSCURRENT, if any: a rotation in flight or stuck. */
export function pendingVersionOf(versions: VersionLabels): string | undefined {
  return Object.entries(versions).find(
    ([, labels]) => labels.includes(STAGE.pending) && !labels.includes(STAGE.current),
  )?.[0];
}
