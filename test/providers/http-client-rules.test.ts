/**
 * The admin-API HTTP client's rules (lambdas/providers/http/client.ts) with a scripted fetch: how many attempts a
 * request gets and which answers are retried (429 always, 5xx and network failures only when idempotent), how long
 * it waits (Retry-After, else the vendor's X-RateLimit-Reset on a 429, else jittered backoff; a wait past the cap
 * ends the attempt), what every request carries (no redirects, a timeout), and that bodies are capped.
 */
import { ProviderError } from '../../lambdas/core/errors';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  MAX_RESPONSE_BYTES,
  MAX_RETRY_AFTER_MS,
  OversizedBodyError,
  rateLimitResetMs,
  readCapped,
  retryAfterMs,
  sendHttp,
  type HttpCall,
} from '../../lambdas/providers/http/client';

type Step = { status: number; body?: string; headers?: Record<string, string> } | Error;

function scripted(...steps: Step[]) {
  const inits: RequestInit[] = [];
  const sleeps: number[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    inits.push(init);
    const step = steps.shift() ?? { status: 200, body: 'ok' };
    if (step instanceof Error) throw step;
    return new Response(step.body ?? null, { status: step.status, headers: step.headers });
  }) as typeof globalThis.fetch;
  return { fetch, inits, sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}
const call = (over: Partial<HttpCall> = {}): HttpCall => ({
  label: 'create',
  method: 'POST',
  url: 'https://api.example.com/v1/keys?secret=kt_live_x',
  headers: { accept: 'application/json' },
  body: '{}',
  retryServerErrors: true,
  ...over,
});
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
const named = (name: string) => Object.assign(new Error(`${name}!`), { name });

describe('rule: every request forbids redirects and carries a timeout', () => {
  test('the defaults: 5 s timeout, 3 retries, 10 s longest Retry-After, 1 MB body', async () => {
    expect([DEFAULT_TIMEOUT_MS, DEFAULT_MAX_RETRIES, MAX_RETRY_AFTER_MS, MAX_RESPONSE_BYTES]).toEqual([
      5000, 3, 10_000, 1_000_000,
    ]);
    const s = scripted({ status: 201, body: 'created' });
    await expect(
      sendHttp('p', call(), { timeoutMs: 1000, maxRetries: 0, fetch: s.fetch, sleep: s.sleep }),
    ).resolves.toEqual({ status: 201, text: 'created' });
    expect(s.inits[0]).toMatchObject({
      method: 'POST',
      redirect: 'error',
      body: '{}',
      headers: { accept: 'application/json' },
    });
    expect(s.inits[0].signal).toBeInstanceOf(AbortSignal);
  });
});

describe('rule: which answers are retried, and how many times', () => {
  test('an idempotent request retries 5xx up to maxRetries, then returns the last answer', async () => {
    const s = scripted({ status: 500 }, { status: 502 }, { status: 503 });
    const result = await sendHttp('p', call(), {
      timeoutMs: 1000,
      maxRetries: 2,
      fetch: s.fetch,
      sleep: s.sleep,
    });
    expect(result.status).toBe(503);
    expect(s.inits).toHaveLength(3);
    expect(s.sleeps).toHaveLength(2);
    // Jittered backoff: below 250 ms, then below 500 ms.
    expect(s.sleeps[0]).toBeLessThan(250);
    expect(s.sleeps[1]).toBeLessThan(500);
  });

  test('a request that is not idempotent returns its first 5xx unretried, but retries a 429', async () => {
    const s = scripted({ status: 500 });
    await expect(
      sendHttp('p', call({ retryServerErrors: false }), {
        timeoutMs: 1000,
        maxRetries: 3,
        fetch: s.fetch,
        sleep: s.sleep,
      }),
    ).resolves.toMatchObject({ status: 500 });
    expect(s.inits).toHaveLength(1);
    const t = scripted({ status: 429 }, { status: 200, body: 'ok' });
    await expect(
      sendHttp('p', call({ retryServerErrors: false }), {
        timeoutMs: 1000,
        maxRetries: 3,
        fetch: t.fetch,
        sleep: t.sleep,
      }),
    ).resolves.toMatchObject({ status: 200 });
    expect(t.inits).toHaveLength(2);
  });

  test('4xx other than 429, and 499, are answers, not retried', async () => {
    for (const status of [400, 404, 499]) {
      const s = scripted({ status });
      await expect(
        sendHttp('p', call(), { timeoutMs: 1000, maxRetries: 3, fetch: s.fetch, sleep: s.sleep }),
      ).resolves.toMatchObject({ status });
      expect(s.inits).toHaveLength(1);
    }
  });

  test('a network failure is retried when idempotent; the last one is a retryable error naming it', async () => {
    const s = scripted(named('TypeError'), named('TypeError'));
    const error = await failure(
      sendHttp('p', call(), { timeoutMs: 1000, maxRetries: 1, fetch: s.fetch, sleep: s.sleep }),
    );
    expect(s.inits).toHaveLength(2);
    expect(error.message).toBe('p: the create request to https://api.example.com failed (TypeError)');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  test('a timeout is not retried for a request that is not idempotent, and says so with its limit', async () => {
    const s = scripted(named('TimeoutError'));
    const error = await failure(
      sendHttp('p', call({ retryServerErrors: false }), {
        timeoutMs: 1234,
        maxRetries: 3,
        fetch: s.fetch,
        sleep: s.sleep,
      }),
    );
    expect(s.inits).toHaveLength(1);
    expect(error.message).toBe('p: the create request to https://api.example.com timed out after 1234 ms');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBeUndefined();
    const aborted = scripted(named('AbortError'));
    expect(
      (
        await failure(
          sendHttp('p', call({ retryServerErrors: false }), {
            timeoutMs: 9,
            maxRetries: 0,
            fetch: aborted.fetch,
          }),
        )
      ).message,
    ).toMatch(/timed out after 9 ms$/);
  });

  test('a thrown non-error is named as such', async () => {
    const fetch = (async () => {
      throw 'boom';
    }) as unknown as typeof globalThis.fetch;
    expect((await failure(sendHttp('p', call(), { timeoutMs: 9, maxRetries: 0, fetch }))).message).toBe(
      'p: the create request to https://api.example.com failed (error)',
    );
  });

  test('a thrown undefined is named as an error too', async () => {
    const fetch = (async () => {
      throw undefined;
    }) as unknown as typeof globalThis.fetch;
    expect((await failure(sendHttp('p', call(), { timeoutMs: 9, maxRetries: 0, fetch }))).message).toBe(
      'p: the create request to https://api.example.com failed (error)',
    );
  });

  test('messages name the origin only, never the path or query (they may carry a key)', async () => {
    const s = scripted(named('TypeError'));
    const error = await failure(sendHttp('p', call(), { timeoutMs: 9, maxRetries: 0, fetch: s.fetch }));
    expect(error.message).not.toContain('kt_live_x');
    expect(error.message).not.toContain('/v1/keys');
  });
});

describe('rule: how long a retry waits', () => {
  test('Retry-After in seconds is honoured, on a 429 and on a retried 5xx', async () => {
    const s = scripted(
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, headers: { 'retry-after': '3' } },
      { status: 200 },
    );
    await sendHttp('p', call(), { timeoutMs: 9, maxRetries: 3, fetch: s.fetch, sleep: s.sleep });
    expect(s.sleeps).toEqual([2000, 3000]);
  });

  test("without Retry-After, a 429 waits the vendor's X-RateLimit-Reset (as the profile reads it)", async () => {
    const s = scripted({ status: 429, headers: { 'x-ratelimit-reset': '4' } }, { status: 200 });
    await sendHttp('p', call(), {
      timeoutMs: 9,
      maxRetries: 3,
      fetch: s.fetch,
      sleep: s.sleep,
      rateLimitReset: 'delta-seconds',
    });
    expect(s.sleeps).toEqual([4000]);
    // A 5xx does not read X-RateLimit-Reset: jittered backoff.
    const t = scripted({ status: 500, headers: { 'x-ratelimit-reset': '4' } }, { status: 200 });
    await sendHttp('p', call(), {
      timeoutMs: 9,
      maxRetries: 3,
      fetch: t.fetch,
      sleep: t.sleep,
      rateLimitReset: 'delta-seconds',
    });
    expect(t.sleeps[0]).toBeLessThan(250);
  });

  test('a wait past the cap ends the attempt, retryable, saying how long was asked', async () => {
    const s = scripted({ status: 429, headers: { 'retry-after': '11' } });
    const error = await failure(
      sendHttp('p', call(), { timeoutMs: 9, maxRetries: 3, fetch: s.fetch, sleep: s.sleep }),
    );
    expect(error.message).toBe(
      'p: the create request to https://api.example.com answered 429 and asked to retry after 11 s',
    );
    expect(error.retryable).toBe(true);
    expect(s.sleeps).toEqual([]);
    const atCap = scripted({ status: 429, headers: { 'retry-after': '10' } }, { status: 200 });
    await sendHttp('p', call(), { timeoutMs: 9, maxRetries: 3, fetch: atCap.fetch, sleep: atCap.sleep });
    expect(atCap.sleeps).toEqual([10_000]);
    const ownCap = scripted({ status: 429, headers: { 'retry-after': '3' } });
    expect(
      (
        await failure(
          sendHttp('p', call(), {
            timeoutMs: 9,
            maxRetries: 3,
            fetch: ownCap.fetch,
            sleep: ownCap.sleep,
            maxRetryAfterMs: 2500,
          }),
        )
      ).message,
    ).toMatch(/asked to retry after 3 s$/);
  });

  test('the last attempt returns its 429 instead of waiting', async () => {
    const s = scripted({ status: 429, headers: { 'retry-after': '60' } });
    await expect(
      sendHttp('p', call(), { timeoutMs: 9, maxRetries: 0, fetch: s.fetch, sleep: s.sleep }),
    ).resolves.toMatchObject({ status: 429 });
  });

  test('Retry-After reads delta-seconds (up to 6 digits) or an HTTP date, else nothing', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(retryAfterMs(' 7 ', now)).toBe(7000);
    expect(retryAfterMs('999999', now)).toBe(999_999_000);
    expect(retryAfterMs('Tue, 01 Dec 2026 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('7s', now)).toBeUndefined();
    expect(retryAfterMs('s7', now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  test('X-RateLimit-Reset reads a Unix time or seconds remaining, up to 12 digits, only when the profile says how', () => {
    const now = 1_000_000_000_000;
    expect(rateLimitResetMs('1000000005', 'unix-seconds', now)).toBe(5000);
    expect(rateLimitResetMs('999999990', 'unix-seconds', now)).toBe(0);
    expect(rateLimitResetMs(' 5 ', 'delta-seconds', now)).toBe(5000);
    expect(rateLimitResetMs('999999999999', 'delta-seconds', now)).toBe(999_999_999_999_000);
    expect(rateLimitResetMs('1234567890123', 'delta-seconds', now)).toBeUndefined();
    expect(rateLimitResetMs('5', undefined, now)).toBeUndefined();
    expect(rateLimitResetMs('5s', 'delta-seconds', now)).toBeUndefined();
    expect(rateLimitResetMs(null, 'delta-seconds', now)).toBeUndefined();
  });
});

describe('rule: a body is read up to the cap and no further', () => {
  const streamOf = (...chunks: string[]) =>
    new Response(
      new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
          controller.close();
        },
      }),
    );

  test('exactly the cap is read whole; one byte more is refused', async () => {
    await expect(readCapped(streamOf('abc', 'de'), 5)).resolves.toBe('abcde');
    await expect(readCapped(streamOf('abc', 'def'), 5)).rejects.toThrow(
      new OversizedBodyError('more than 5 bytes'),
    );
  });

  test('a declared length over the cap is refused unread; at the cap it is read', async () => {
    const declared = (n: number) => new Response('abcde', { headers: { 'content-length': String(n) } });
    await expect(readCapped(declared(6), 5)).rejects.toThrow(new OversizedBodyError('declared 6 bytes'));
    await expect(readCapped(declared(60), 5)).rejects.toThrow(new OversizedBodyError('declared 60 bytes'));
    const bodiless = new Response(null, { headers: { 'content-length': '60' } });
    await expect(readCapped(bodiless, 5)).rejects.toThrow(new OversizedBodyError('declared 60 bytes'));
    await expect(readCapped(declared(5), 5)).resolves.toBe('abcde');
  });

  test('no body is an empty text', async () => {
    await expect(readCapped(new Response(null, { status: 204 }), 5)).resolves.toBe('');
  });

  test('an oversized answer is a non-retryable error naming the origin and the size', async () => {
    const s = scripted({ status: 200, body: 'x'.repeat(20) });
    const error = await failure(
      sendHttp('p', call(), {
        timeoutMs: 9,
        maxRetries: 3,
        fetch: s.fetch,
        sleep: s.sleep,
        maxResponseBytes: 10,
      }),
    );
    expect(error.message).toBe(
      'p: the create request to https://api.example.com answered with an oversized body (more than 10 bytes)',
    );
    expect(error.retryable).toBe(false);
    expect(s.inits).toHaveLength(1);
  });
});
