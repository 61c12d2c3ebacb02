/**
 * "Did you mean": the closest known field or value to a mistyped one, and the fields a schema knows at a path
 * (walking zod's definitions through objects, arrays, wrappers, pipes and unions).
 */

/** Levenshtein distance, bounded: strings longer than 64 characters are never suggested for. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a distance of a third of the word (at least 2), or a case-insensitive match. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

interface Def {
  type: string;
  shape?: Record<string, Schema>;
  element?: Schema;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  options?: Schema[];
  discriminator?: string;
  valueType?: Schema;
  left?: Schema;
  right?: Schema;
  getter?: () => Schema;
  values?: unknown[];
}
interface Schema {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

/** The object schemas that may describe the value at `path` of `input` (unions: the matching member, else all). */
function objectsAt(schema: Schema, path: readonly PropertyKey[], input: unknown, depth = 0): Def[] {
  if (depth > 64) return [];
  const def = schema._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return objectsAt(def.innerType, path, input, depth + 1);
  if (def.type === 'pipe' && def.in) return objectsAt(def.in, path, input, depth + 1);
  if (def.type === 'lazy' && def.getter) return objectsAt(def.getter(), path, input, depth + 1);
  if (def.type === 'intersection' && def.left && def.right)
    return [...objectsAt(def.left, path, input, depth + 1), ...objectsAt(def.right, path, input, depth + 1)];
  if (def.type === 'union' && def.options) {
    const tag = def.discriminator;
    const value =
      tag && input && typeof input === 'object' ? (input as Record<string, unknown>)[tag] : undefined;
    const matching = tag
      ? def.options.filter((o) => {
          const literal = o._zod.def.shape?.[tag]?._zod.def;
          return literal?.values?.includes(value);
        })
      : [];
    return (matching.length ? matching : def.options).flatMap((o) => objectsAt(o, path, input, depth + 1));
  }
  const child = (node: unknown, segment: PropertyKey) =>
    node && typeof node === 'object' ? (node as Record<string, unknown>)[String(segment)] : undefined;
  if (!path.length) return def.type === 'object' ? [def] : [];
  const [head, ...rest] = path;
  if (def.type === 'object' && def.shape && typeof head === 'string' && Object.hasOwn(def.shape, head))
    return objectsAt(def.shape[head]!, rest, child(input, head), depth + 1);
  if (def.type === 'array' && def.element && typeof head === 'number')
    return objectsAt(def.element, rest, child(input, head), depth + 1);
  if (def.type === 'record' && def.valueType)
    return objectsAt(def.valueType, rest, child(input, head!), depth + 1);
  return [];
}

/** The field names the schema accepts for the object at `path` of `input`. */
export function knownFields(schema: unknown, path: readonly PropertyKey[], input: unknown): string[] {
  const defs = objectsAt(schema as Schema, path, input);
  return [...new Set(defs.flatMap((d) => Object.keys(d.shape ?? {})))];
}

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const segment of path)
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(segment)] : undefined;
  return node;
}
