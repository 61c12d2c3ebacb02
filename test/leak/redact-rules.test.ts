/**
 * The rules of redaction (lambdas/core/leak/redact.ts): free text of a leak report (where, reportedBy) is stored,
 * logged and paged, so every credential shape it may carry is replaced, and what on-call needs to read (words, URLs,
 * UUIDs, AWS access key ids) stays. Each boundary below is where a one-token change would let a key through or
 * garble a readable text.
 */
import { redactCredentials } from '../../lambdas/core/leak/redact';

const R = '[redacted]';

test('rule: a self-issued key, alone or inside a sentence, a URL query or an assignment, is replaced', () => {
  const key = 'kt_live_4fGh8JkL2mNpQrStUvWxYz0123456789ab';
  expect(redactCredentials(key)).toBe(R);
  expect(redactCredentials(`found ${key} in app.js`)).toBe(`found ${R} in app.js`);
  expect(redactCredentials(`API_KEY=${key}`)).toBe(R);
  expect(redactCredentials(`https://example.com/cb?token=${key}&x=1`)).toBe(
    `https://example.com/cb?${R}&x=1`,
  );
  expect(redactCredentials(`"${key}",'${key}'`)).toBe(`"${R}",'${R}'`);
});

test('rule: a token of 20 or more characters mixing upper case, lower case and digits goes whole; 19 stay', () => {
  expect(redactCredentials('AbcdEfgh1234IjklMnoP')).toBe(R);
  expect(redactCredentials('AbcdEfgh1234IjklMno')).toBe('AbcdEfgh1234IjklMno');
  // base64 with its padding and symbols, a JWT, SendGrid's dotted key: each one token, replaced whole.
  expect(redactCredentials('secret dGhpcyBpcyBhIHNlY3JldCBrZXk+/9==')).toBe(`secret ${R}`);
  expect(
    redactCredentials(
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ),
  ).toBe(R);
  expect(redactCredentials('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')).toBe(R);
  expect(redactCredentials('a~AbcdEfgh1234IjklMnoP~b')).toBe(R);
});

test('rule: a long token lacking one of upper case, lower case or digits is not a mixed-case credential', () => {
  // Each would be replaced if any one of the three tests were dropped.
  expect(redactCredentials('abcdefghijklmnopqrs1')).toBe('abcdefghijklmnopqrs1');
  expect(redactCredentials('ABCDEFGHIJKLMNOPQRS1')).toBe('ABCDEFGHIJKLMNOPQRS1');
  expect(redactCredentials('CamelCaseIdentifierName')).toBe('CamelCaseIdentifierName');
  expect(redactCredentials('AKIAIOSFODNN7EXAMPLE')).toBe('AKIAIOSFODNN7EXAMPLE');
});

test('rule: hex of 32 characters or more is replaced, in either case; 31 stay', () => {
  const upper = '0123456789ABCDEF0123456789ABCDEF';
  expect(redactCredentials(`dd ${upper}`)).toBe(`dd ${R}`);
  expect(redactCredentials(`dd ${upper.slice(0, 31)}`)).toBe(`dd ${upper.slice(0, 31)}`);
  expect(redactCredentials(`dd ${upper.toLowerCase()}01234567`)).toBe(`dd ${R}`);
  expect(redactCredentials(`dd ${'FEDCBA98'.repeat(4)}`)).toBe(`dd ${R}`);
});

test('rule: a credential-like run inside a path is replaced and the rest of the URL stays readable', () => {
  expect(
    redactCredentials('https://github.com/acme/app/blob/0123456789abcdef0123456789abcdef01234567/.env#L3'),
  ).toBe(`https://github.com/acme/app/blob/${R}/.env#L3`);
  // A path that mixes cases and digits is one mixed-case token: it goes whole (safe side), the scheme stays.
  expect(redactCredentials('https://x.io/v1/k/ABCDEF0123456789ABCDEF0123456789/ok')).toBe(`https:${R}`);
  expect(redactCredentials('repo/path/a1b2c3d4e5f6g7h8i9j0klmn/file')).toBe(`repo/path/${R}/file`);
});

test('rule: lower-case runs of 20 or more with at least 4 digits and 4 letters are replaced; words and numbers stay', () => {
  expect(redactCredentials('abcdefghijklmnop0123')).toBe(R);
  expect(redactCredentials('abcdefghijklmnopq012')).toBe('abcdefghijklmnopq012');
  expect(redactCredentials('0123456789012345wxyz')).toBe(R);
  expect(redactCredentials('01234567890123456xyz')).toBe('01234567890123456xyz');
  // 19 characters: too short to be one, though base36-like.
  expect(redactCredentials('abcdefghijklmno0123')).toBe('abcdefghijklmno0123');
  expect(redactCredentials('internationalization-and-localization')).toBe(
    'internationalization-and-localization',
  );
  expect(redactCredentials('ticket 12345678901234567890123')).toBe('ticket 12345678901234567890123');
});

test('rule: a redacted run keeps what surrounds it inside the token', () => {
  expect(redactCredentials('x-abcdefghijklmnop0123-y')).toBe(`x-${R}-y`);
  expect(redactCredentials('x-abcdefghijklmnop0123-y-0123456789abcdef0123456789abcdef')).toBe(
    `x-${R}-y-${R}`,
  );
});

test('rule: words, URLs, UUIDs and AWS access key ids stay readable', () => {
  for (const text of [
    'found by trufflehog in CI',
    'https://github.com/acme/app/blob/main/config/settings.env',
    'ticket 123e4567-e89b-12d3-a456-426614174000',
    'alice@example.com',
    'AKIAIOSFODNN7EXAMPLE and ASIAZZZZZZZZZZZZZZZZ',
    '',
  ])
    expect(redactCredentials(text)).toBe(text);
});

test('rule: every token is redacted, not only the first', () => {
  expect(
    redactCredentials('AbcdEfgh1234IjklMnoP then 0123456789abcdef0123456789abcdef and abcdefghijklmnop0123'),
  ).toBe(`${R} then ${R} and ${R}`);
});
