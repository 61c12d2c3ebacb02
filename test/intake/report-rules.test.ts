/**
 * The partner program's report shape, through parseReport and answerFor: the size and count caps, the bounds of
 * each field, printable text only where keyturn quotes it, errors that name fields and never values, and answers
 * that identify a token by its SHA-256 only.
 */
import { hash } from 'node:crypto';
import { MalformedReportError } from '../../lambdas/core/intake/errors';
import {
  answerFor,
  MAX_MATCHES,
  MAX_REPORT_BYTES,
  parseReport,
  tokenHash,
} from '../../lambdas/core/intake/report';

const match = (over: Record<string, unknown> = {}) => ({
  token: 'kt_live_abc',
  type: 'keyturn_live_api_key',
  url: 'https://github.com/o/r/blob/main/.env',
  source: 'content',
  ...over,
});
const parse = (value: unknown) => parseReport(JSON.stringify(value));
function refusal(body: string): MalformedReportError {
  try {
    parseReport(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedReportError);
    return error as MalformedReportError;
  }
  throw new Error('parsed');
}

test('rule: a report is 1 to 100 matches of token and type, with url and source optional', () => {
  expect(parse([match()])).toEqual([match()]);
  expect(parse([{ token: 't', type: 'x' }])).toEqual([{ token: 't', type: 'x' }]);
  expect(parse(Array.from({ length: MAX_MATCHES }, () => match()))).toHaveLength(100);
  expect(MAX_MATCHES).toBe(100);
  expect(refusal(JSON.stringify([])).message).toBe('malformed report: unexpected shape at (root)');
  expect(refusal(JSON.stringify(Array.from({ length: 101 }, () => match()))).status).toBe(400);
  expect(refusal(JSON.stringify({ token: 't', type: 'x' })).message).toMatch(/at \(root\)$/);
});

test('rule: each field has its bounds: token 1-512, type 1-128, url 1-2048, source 1-64 characters', () => {
  const at = (over: Record<string, unknown>) => refusal(JSON.stringify([match(over)])).message;
  for (const [field, max] of [
    ['token', 512],
    ['type', 128],
    ['url', 2048],
    ['source', 64],
  ] as const) {
    expect(parse([match({ [field]: 'x'.repeat(max) })])[0][field]).toHaveLength(max);
    expect(parse([match({ [field]: 'x' })])[0][field]).toBe('x');
    expect(at({ [field]: 'x'.repeat(max + 1) })).toBe(`malformed report: unexpected shape at 0.${field}`);
    expect(at({ [field]: '' })).toBe(`malformed report: unexpected shape at 0.${field}`);
  }
  expect(at({ token: undefined })).toMatch(/at 0\.token$/);
  expect(at({ type: 7 })).toMatch(/at 0\.type$/);
});

test('rule: type, url and source must be printable (no control or bidirectional characters); the token is opaque', () => {
  for (const field of ['type', 'url', 'source'])
    for (const bad of ['a\nb', 'a\u0000', '\u202eevil', 'x\u2066'])
      expect(refusal(JSON.stringify([match({ [field]: bad })])).message).toBe(
        `malformed report: unexpected shape at 0.${field}`,
      );
  expect(parse([match({ token: 'a\tb' })])[0].token).toBe('a\tb');
});

test('rule: a refusal names each bad field once, and never a value', () => {
  const secret = 'kt_live_SECRET_VALUE_THAT_MUST_NOT_SHOW';
  const error = refusal(
    JSON.stringify([
      match({ token: `${secret}${'x'.repeat(600)}`, type: '' }),
      match({ url: `${secret}\n` }),
    ]),
  );
  expect(error.message).toBe('malformed report: unexpected shape at 0.token, 0.type, 1.url');
  const twice = refusal(JSON.stringify([match({ type: 'x'.repeat(200).concat('\n') })]));
  expect(twice.message).toBe('malformed report: unexpected shape at 0.type');
  expect(JSON.stringify([error.message, twice.message])).not.toContain('SECRET');
});

test('rule: a body that is not JSON is 400 without quoting it; a body over 256 KB is 413 before parsing', () => {
  const notJson = refusal('[{"token":"kt_live_SECRET"');
  expect([notJson.status, notJson.message]).toEqual([400, 'malformed report: not JSON']);
  const big = refusal(`[${' '.repeat(MAX_REPORT_BYTES)}]`);
  expect([big.status, big.message]).toEqual([413, 'malformed report: body too large']);
  expect(MAX_REPORT_BYTES).toBe(262_144);
  expect(parse([match()])).toHaveLength(1);
  const exact = `[${' '.repeat(MAX_REPORT_BYTES - 2 - JSON.stringify(match()).length)}${JSON.stringify(match())}]`;
  expect(parseReport(exact)).toHaveLength(1);
});

test('rule: an answer names the token by its SHA-256 (hex), its type and the label, never the token', () => {
  const token = 'kt_live_answer_token';
  expect(tokenHash(token)).toBe(hash('sha256', token, 'hex'));
  const answer = answerFor(match({ token, type: 'custom_type' }) as never, 'true_positive');
  expect(answer).toEqual({
    token_hash: hash('sha256', token, 'hex'),
    token_type: 'custom_type',
    label: 'true_positive',
  });
  expect(JSON.stringify(answer)).not.toContain(token);
});
