/**
 * A small evaluator for the subset of the CloudWatch Logs JSON filter-pattern syntax keyturn uses:
 * `{ ... }`, `&&`, `||`, parentheses, selectors `$.a.b[0].c`, `=` / `!=` with quoted strings (`*` is a wildcard
 * anywhere in the value), and `NOT EXISTS`. Anything outside the subset throws, so a pattern cannot silently
 * use syntax the tests do not understand.
 */
type Token =
  | { kind: 'lp' | 'rp' | 'and' | 'or' | 'eq' | 'ne' | 'notExists' }
  | { kind: 'sel'; path: (string | number)[] }
  | { kind: 'str'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      tokens.push({ kind: 'lp' });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ kind: 'rp' });
      i++;
      continue;
    }
    if (source.startsWith('&&', i)) {
      tokens.push({ kind: 'and' });
      i += 2;
      continue;
    }
    if (source.startsWith('||', i)) {
      tokens.push({ kind: 'or' });
      i += 2;
      continue;
    }
    if (source.startsWith('!=', i)) {
      tokens.push({ kind: 'ne' });
      i += 2;
      continue;
    }
    if (c === '=') {
      tokens.push({ kind: 'eq' });
      i++;
      continue;
    }
    if (source.startsWith('NOT EXISTS', i)) {
      tokens.push({ kind: 'notExists' });
      i += 10;
      continue;
    }
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: 'str', value: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '$') {
      const m = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)/.exec(source.slice(i));
      if (!m) throw new Error(`bad selector at ${i}`);
      const path = [...m[1].matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)].map((p) =>
        p[1] !== undefined ? p[1] : Number(p[2]),
      );
      tokens.push({ kind: 'sel', path });
      i += m[0].length;
      continue;
    }
    throw new Error(`unsupported syntax at ${i}: ${source.slice(i, i + 20)}`);
  }
  return tokens;
}

type Node = (record: unknown) => boolean;

function lookup(record: unknown, path: (string | number)[]): unknown {
  let value: unknown = record;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

export function compileFilterPattern(pattern: string): Node {
  const trimmed = pattern.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}'))
    throw new Error('only JSON filter patterns { ... } are supported');
  const tokens = tokenize(trimmed.slice(1, -1));
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (kind: Token['kind']) => {
    const t = tokens[pos];
    if (!t || t.kind !== kind) throw new Error(`expected ${kind} at token ${pos}`);
    pos++;
    return t;
  };
  function orExpr(): Node {
    const parts = [andExpr()];
    while (peek()?.kind === 'or') {
      pos++;
      parts.push(andExpr());
    }
    return (r) => parts.some((p) => p(r));
  }
  function andExpr(): Node {
    const parts = [primary()];
    while (peek()?.kind === 'and') {
      pos++;
      parts.push(primary());
    }
    return (r) => parts.every((p) => p(r));
  }
  function primary(): Node {
    if (peek()?.kind === 'lp') {
      pos++;
      const inner = orExpr();
      take('rp');
      return inner;
    }
    const sel = take('sel') as Extract<Token, { kind: 'sel' }>;
    const op = tokens[pos++];
    if (op?.kind === 'notExists') return (r) => lookup(r, sel.path) === undefined;
    if (op?.kind !== 'eq' && op?.kind !== 'ne')
      throw new Error(`expected = != or NOT EXISTS at token ${pos - 1}`);
    const value = take('str') as Extract<Token, { kind: 'str' }>;
    const re = wildcard(value.value);
    // A selector that names nothing (or a non-string) never matches a string comparison.
    const test = (r: unknown) => {
      const v = lookup(r, sel.path);
      return typeof v === 'string' && re.test(v);
    };
    return op.kind === 'eq' ? test : (r) => typeof lookup(r, sel.path) === 'string' && !test(r);
  }
  const root = orExpr();
  if (pos !== tokens.length) throw new Error(`trailing tokens from ${pos}`);
  return root;
}

export function filterMatches(pattern: string, record: unknown): boolean {
  return compileFilterPattern(pattern)(record);
}
