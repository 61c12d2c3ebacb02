/**
 * The rules for quoting outside text (lambdas/core/printable.ts): which characters are unsafe (C0 controls, DEL,
 * the bidirectional embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069) and nothing else, and how
 * printable() quotes: every unsafe character replaced, cut to its maximum (200 by default) with an ellipsis.
 */
import { printable, UNSAFE_CHARACTERS } from '../../lambdas/core/printable';

const UNSAFE = [
  '\u0000',
  '\u0009',
  '\n',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u202a',
  '\u202c',
  '\u202e',
  '\u2066',
  '\u2069',
];
const SAFE = [
  ' ',
  '~',
  'a',
  'Z',
  '0',
  '\u0080',
  '\u00e9',
  '\u2029',
  '\u202f',
  '\u2065',
  '\u206a',
  '\u200f',
  '€',
];

test('rule: control characters, DEL and the bidirectional overrides and isolates are unsafe, wherever they stand', () => {
  for (const c of UNSAFE) {
    expect(UNSAFE_CHARACTERS.test(c)).toBe(true);
    expect(UNSAFE_CHARACTERS.test(`before${c}after`)).toBe(true);
  }
});

test('rule: every other character is safe, printable text passes unchanged', () => {
  for (const c of SAFE) expect(UNSAFE_CHARACTERS.test(c)).toBe(false);
  const text = `plain ${SAFE.join('')} text`;
  expect(printable(text)).toBe(text);
});

test('rule: quoting replaces every unsafe character by "?"', () => {
  expect(printable(`a\nb\u202ec\u0000d\u2066`)).toBe('a?b?c?d?');
  expect(printable(UNSAFE.join(''))).toBe('?'.repeat(UNSAFE.length));
});

test('rule: quoting cuts to 200 characters by default, or the maximum given, with an ellipsis; shorter is whole', () => {
  expect(printable('x'.repeat(200))).toBe('x'.repeat(200));
  expect(printable('x'.repeat(201))).toBe(`${'x'.repeat(200)}…`);
  expect(printable('abcdef', 3)).toBe('abc…');
  expect(printable('abc', 3)).toBe('abc');
  expect(printable(`ab\ncdef`, 4)).toBe('ab?c…');
});
