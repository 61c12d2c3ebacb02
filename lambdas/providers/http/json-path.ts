/**
 * A small JSON path subset, `$.a.b[0]['c-d']`: enough to point at a field of an API response, with no
 * wildcards, filters or recursion (so a path names at most one value and evaluating it cannot run away).
 */
type PathSegment = string | number;

const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d{1,4})\]|\['([^'\\]{1,64})'\]/y;

/** Segments of a path, or `undefined` when it is not in the supported syntax. */
export function parseJsonPath(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$') || path.length > 256) return undefined;
  const segments: PathSegment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex;
    const m = SEGMENT.exec(path);
    if (!m || m.index !== start) return undefined;
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
  }
  return segments.length ? segments : undefined;
}

/** The value at `path` in `document`, or `undefined`. Own properties only (no prototype walk). */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  const segments = parseJsonPath(path);
  if (!segments) throw new TypeError(`unsupported JSON path "${path}"`);
  let node: unknown = document;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node) || segment >= node.length) return undefined;
      node = node[segment];
    } else {
      if (!node || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, segment))
        return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return node;
}
