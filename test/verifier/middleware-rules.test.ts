/**
 * The middleware's and the metrics' rules (lambdas/verifier/middleware.ts, metrics.ts): the key is read from the
 * configured header (any case, first match) and its NAME goes to the configured context property; a request with
 * no headers is refused like any other; metrics are flushed even when verification throws; Powertools metrics sum
 * each key's counts into one record per key and metric, KeyName a property, and forget them once flushed.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  apiKeyAuth,
  headerValue,
  PowertoolsVerifierMetrics,
  type VerifyResult,
} from '../../lambdas/verifier';
import { lambdaContext } from '../helpers/lambda';

const GOOD = 'kt_live_good';
const ok = { statusCode: 200, body: 'ok' };

function service(
  options: Partial<Parameters<typeof apiKeyAuth>[0]> = {},
  verify: (presented: unknown) => Promise<VerifyResult> = async (presented) =>
    presented === GOOD ? { valid: true, keyName: 'billing-api' } : { valid: false, reason: 'unknown' },
) {
  const contexts: Array<Record<string, unknown>> = [];
  const presented: unknown[] = [];
  const handler = middy(async (_event: { headers?: Record<string, string> | null }, context: Context) => {
    contexts.push({ ...(context as unknown as Record<string, unknown>) });
    return ok;
  }).use(
    apiKeyAuth({
      verifier: {
        verify: (p) => {
          presented.push(p);
          return verify(p);
        },
      },
      ...options,
    }),
  );
  return { handler, contexts, presented };
}

describe('rule: the key comes from one header, its name goes to one context property', () => {
  test('by default the x-api-key header and the apiKeyName property', async () => {
    const { handler, contexts, presented } = service();
    await expect(handler({ headers: { 'X-API-KEY': GOOD } }, lambdaContext())).resolves.toEqual(ok);
    expect(presented).toEqual([GOOD]);
    expect(contexts[0].apiKeyName).toBe('billing-api');
  });

  test('a configured context property receives the name; the default one is left alone', async () => {
    const { handler, contexts } = service({ contextProperty: 'caller' });
    await handler({ headers: { 'x-api-key': GOOD } }, lambdaContext());
    expect(contexts[0].caller).toBe('billing-api');
    expect(contexts[0]).not.toHaveProperty('apiKeyName');
  });

  test('no headers at all (null or absent) presents nothing and is refused', async () => {
    const { handler, contexts, presented } = service();
    for (const event of [{ headers: null }, {}])
      await expect(handler(event, lambdaContext())).resolves.toMatchObject({ statusCode: 401 });
    expect(presented).toEqual([undefined, undefined]);
    expect(contexts).toEqual([]);
  });

  test('headerValue: the first header of that name in any case; none is undefined', () => {
    expect(
      headerValue({ headers: { Other: 'x', 'x-API-key': 'first', 'X-Api-Key': 'second' } }, 'X-API-KEY'),
    ).toBe('first');
    expect(headerValue({ headers: { other: 'x' } }, 'x-api-key')).toBeUndefined();
    expect(headerValue(undefined, 'x-api-key')).toBeUndefined();
    expect(headerValue({ headers: {} }, 'x-api-key')).toBeUndefined();
  });
});

describe('rule: metrics are flushed once per request, even when verification throws', () => {
  test('a throwing verifier still flushes, and the error reaches the caller', async () => {
    let flushes = 0;
    const { handler, contexts } = service({ metrics: { flush: () => void flushes++ } }, async () => {
      throw new Error('verifier broke');
    });
    await expect(handler({ headers: { 'x-api-key': GOOD } }, lambdaContext())).rejects.toThrow(
      'verifier broke',
    );
    expect(flushes).toBe(1);
    expect(contexts).toEqual([]);
  });

  test('metrics without flush, or no metrics, are fine', async () => {
    for (const metrics of [{}, undefined]) {
      const { handler } = service({ metrics });
      await expect(handler({ headers: { 'x-api-key': GOOD } }, lambdaContext())).resolves.toEqual(ok);
    }
  });
});

describe('rule: Powertools metrics publish one record per key and metric, summed, KeyName a property', () => {
  function recorder() {
    const records: Array<{ metadata: Record<string, string>; metrics: Array<[string, string, number]> }> = [];
    const metrics = {
      singleMetric: () => {
        const record = {
          metadata: {} as Record<string, string>,
          metrics: [] as Array<[string, string, number]>,
        };
        records.push(record);
        return {
          addMetadata: (k: string, v: string) => void (record.metadata[k] = v),
          addMetric: (name: string, unit: string, value: number) =>
            void record.metrics.push([name, unit, value]),
        };
      },
    };
    return { records, metrics: new PowertoolsVerifierMetrics(metrics as never) };
  }

  test('counts are summed per key and metric, flushed as Count records, then forgotten', () => {
    const { records, metrics } = recorder();
    metrics.count('KeyAccepted', 'a');
    metrics.count('KeyAccepted', 'a');
    metrics.count('KeyRejected', 'a');
    metrics.count('KeyAccepted', 'b');
    metrics.flush();
    expect(records).toEqual([
      { metadata: { KeyName: 'a' }, metrics: [['KeyAccepted', 'Count', 2]] },
      { metadata: { KeyName: 'a' }, metrics: [['KeyRejected', 'Count', 1]] },
      { metadata: { KeyName: 'b' }, metrics: [['KeyAccepted', 'Count', 1]] },
    ]);
    metrics.flush();
    expect(records).toHaveLength(3);
    metrics.count('RetiredKeyPresented', 'a');
    metrics.flush();
    expect(records.at(-1)).toEqual({
      metadata: { KeyName: 'a' },
      metrics: [['RetiredKeyPresented', 'Count', 1]],
    });
  });
});
