/**
 * A small evaluator for the EventBridge event-pattern subset keyturn uses: exact values, `prefix`, `anything-but`
 * (list), `exists`, `$or`, nested objects, and arrays in the event (any element may match). Unknown operators throw.
 */
type Pattern = Record<string, unknown>;

function matchValue(rule: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (rule !== null && typeof rule === 'object') {
    const op = rule as Record<string, unknown>;
    if ('exists' in op) return op.exists ? value !== undefined : value === undefined;
    if (value === undefined) return false;
    if ('prefix' in op) return values.some((v) => typeof v === 'string' && v.startsWith(op.prefix as string));
    if ('anything-but' in op) {
      const excluded = op['anything-but'] as unknown[];
      return values.some((v) => !excluded.includes(v));
    }
    throw new Error(`unsupported operator ${JSON.stringify(rule)}`);
  }
  return values.some((v) => v === rule);
}

function matchField(rules: unknown, value: unknown): boolean {
  if (Array.isArray(rules)) return rules.some((rule) => matchValue(rule, value));
  if (rules !== null && typeof rules === 'object') {
    const candidates = Array.isArray(value) ? value : [value];
    return candidates.some((c) => eventMatches(rules as Pattern, c));
  }
  throw new Error(`pattern leaves must be arrays: ${JSON.stringify(rules)}`);
}

export function eventMatches(pattern: Pattern, event: unknown): boolean {
  const obj = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rules]) => {
    if (key === '$or') return (rules as Pattern[]).some((alt) => eventMatches(alt, event));
    const value = event !== null && typeof event === 'object' ? obj[key] : undefined;
    if (!Array.isArray(rules) && rules !== null && typeof rules === 'object' && value === undefined)
      return false;
    return matchField(rules, value);
  });
}
