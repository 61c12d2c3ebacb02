/**
 * Where things are in a configuration file, for messages an editor can jump to: the line and column of a JSON
 * parse error, and of the value or field a schema problem names. Runs only on a file that failed; bounded in
 * depth and entries, so a hostile file costs linear time and no deep recursion.
 */

interface Location {
  line: number;
  column: number;
}

const MAX_DEPTH = 64;
const MAX_ENTRIES = 100_000;

/** 1-based line and column of a character offset. */
export function lineColumnAt(text: string, offset: number): Location {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: clamped - lineStart + 1 };
}

/** Node's JSON.parse messages carry the offset as "position N" (the message itself quotes content: never shown). */
export function jsonErrorOffset(message: string, text: string): number {
  const position = /position (\d+)/.exec(message)?.[1];
  return position === undefined ? text.length : Number(position);
}

const pathKey = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/**
 * Offsets of every object field (its name) and array element (its value) of a valid JSON text, by path:
 * `["keys","0","owner"]` → the offset of `"owner"`.
 */
export function locateJsonPaths(text: string): Map<string, number> {
  const found = new Map<string, number>();
  let pos = 0;
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const string = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === '\\' ? 2 : 1;
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const record = (path: readonly PropertyKey[], at: number) => {
    if (found.size < MAX_ENTRIES) found.set(pathKey(path), at);
  };
  /** Skip a value without recording (beyond the depth bound), strings honoured. */
  const skip = () => {
    let depth = 0;
    do {
      const c = text[pos];
      if (c === '"') string();
      else {
        if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        pos++;
      }
      if (depth === 0) {
        while (pos < text.length && !',]}'.includes(text[pos]!)) {
          if (text[pos] === '"') string();
          else pos++;
        }
        return;
      }
    } while (pos < text.length);
  };
  const value = (path: PropertyKey[], depth: number): void => {
    ws();
    if (depth > MAX_DEPTH) return skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      ws();
      if (text[pos] === '}') return void pos++;
      while (pos < text.length) {
        ws();
        const at = pos;
        const key = string();
        record([...path, key], at);
        ws();
        pos++; // ':'
        value([...path, key], depth + 1);
        ws();
        if (text[pos++] === '}') return;
      }
    } else if (c === '[') {
      pos++;
      ws();
      if (text[pos] === ']') return void pos++;
      for (let i = 0; pos < text.length; i++) {
        ws();
        record([...path, i], pos);
        value([...path, i], depth + 1);
        ws();
        if (text[pos++] === ']') return;
      }
    } else if (c === '"') {
      string();
    } else {
      while (pos < text.length && !',]} \t\n\r'.includes(text[pos]!)) pos++;
    }
  };
  value([], 0);
  return found;
}

/** The location of `path`, or of its nearest ancestor that is in the file (a missing field: its object). */
export function locate(
  text: string,
  paths: Map<string, number>,
  path: readonly PropertyKey[],
): Location | undefined {
  for (let n = path.length; n > 0; n--) {
    const at = paths.get(pathKey(path.slice(0, n)));
    if (at !== undefined) return lineColumnAt(text, at);
  }
  const first = text.search(/\S/);
  return first === -1 ? undefined : lineColumnAt(text, first);
}
