/** The middy middleware: 401 with no detail, the handler never runs unauthenticated, the key's NAME in context. */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { apiKeyAuth, headerValue, type VerifyResult } from '../../lambdas/verifier';
import { lambdaContext } from '../helpers/lambda';

const GOOD = 'kt_live_good';

function service(options: Partial<Parameters<typeof apiKeyAuth>[0]> = {}) {
  const seen: string[] = [];
  const flushes = { count: 0 };
  const verifier = {
    verify: async (presented: unknown): Promise<VerifyResult> =>
      presented === GOOD ? { valid: true, keyName: 'billing-api' } : { valid: false, reason: 'unknown' },
  };
  const handler = middy(async (_event: { headers?: Record<string, string> }, context: Context) => {
    seen.push(String((context as unknown as Record<string, unknown>).apiKeyName));
    return { statusCode: 200, body: 'ok' };
  }).use(apiKeyAuth({ verifier, metrics: { flush: () => void flushes.count++ }, ...options }));
  return { handler, seen, flushes };
}

test('rule: a valid key reaches the handler with the key NAME (never the key) in the context', async () => {
  const { handler, seen } = service();
  await expect(handler({ headers: { 'x-api-key': GOOD } }, lambdaContext())).resolves.toEqual({
    statusCode: 200,
    body: 'ok',
  });
  expect(seen).toEqual(['billing-api']);
});

test('guard: a missing, unknown or malformed key gets the same 401 with no detail, and the handler never runs', async () => {
  const { handler, seen } = service();
  const answers = await Promise.all([
    handler({ headers: {} }, lambdaContext()),
    handler({}, lambdaContext()),
    handler({ headers: { 'x-api-key': 'kt_live_other' } }, lambdaContext()),
  ]);
  for (const answer of answers) {
    expect(answer).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' },
      body: 'Unauthorized',
    });
  }
  expect(seen).toEqual([]);
});

test('rule: header names match case-insensitively (REST API keeps case, HTTP API lowercases); the header is configurable', async () => {
  expect(headerValue({ headers: { 'X-Api-Key': GOOD } }, 'x-api-key')).toBe(GOOD);
  const { handler, seen } = service({ header: 'Authorization-Key' });
  await handler({ headers: { 'authorization-key': GOOD } }, lambdaContext());
  await expect(handler({ headers: { 'x-api-key': GOOD } }, lambdaContext())).resolves.toMatchObject({
    statusCode: 401,
  });
  expect(seen).toEqual(['billing-api']);
});

test('rule: metrics are flushed once per request, accepted or not', async () => {
  const { handler, flushes } = service();
  await handler({ headers: { 'x-api-key': GOOD } }, lambdaContext());
  await handler({ headers: { 'x-api-key': 'nope' } }, lambdaContext());
  expect(flushes.count).toBe(2);
});
