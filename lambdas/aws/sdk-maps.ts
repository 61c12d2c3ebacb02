/**
 * The SDK's tag arrays and version-stage maps as plain records. Null-prototype: tag keys and version ids are
 * outside data, and a key named `__proto__` must stay a key.
 */

type SdkTags = ReadonlyArray<{ Key?: string; Value?: string }> | undefined;

export function tagRecord(tags: SdkTags): Record<string, string> {
  const record: Record<string, string> = Object.create(null);
  for (const tag of tags ?? []) if (tag.Key) record[tag.Key] = tag.Value ?? '';
  return record;
}

export function stageRecord(versions: Record<string, string[]> | undefined): Record<string, string[]> {
  const record: Record<string, string[]> = Object.create(null);
  for (const [id, stages] of Object.entries(versions ?? {})) record[id] = stages;
  return record;
}
