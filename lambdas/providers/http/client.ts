/**
 * One HTTP request to an admin API, with a timeout on every attempt (AbortSignal.timeout covers headers and
 * body), bounded retries on 429/5xx/timeouts that honour Retry-After (or the vendor's X-RateLimit-Reset) up to a
 * cap, no redirects (credentials never follow one), and a capped response size: a declared Content-Length over the
 * cap is refused before the body is read, and the body is read as a stream that stops at the cap (the decoded
 * bytes, so a gzip bomb stops there too), so memory stays bounded whatever the server sends. Bodies are returned
 * to the caller, never logged or quoted.
 */
import { ProviderError } from '../../core/errors';
import { backoffDelay, realSleep, type RetryPolicy, type Sleep } from '../../core/retry';

export interface HttpCall {
  /** What the request is for (`create`, `verify`…): messages name it and the origin, never the path or query. */
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Retry 5xx and timeouts too (only when the request is idempotent); 429 is always retried. */
  retryServerErrors: boolean;
}

export interface HttpResult {
  status: number;
  text: string;
}

interface HttpClientOptions {
  timeoutMs: number;
  maxRetries: number;
  sleep?: Sleep;
  fetch?: typeof fetch;
  /** Longest Retry-After keyturn waits; a longer one ends the attempt (retryable). */
  maxRetryAfterMs?: number;
  /** How the vendor's X-RateLimit-Reset reads, used on a 429 without Retry-After. */
  rateLimitReset?: 'unix-seconds' | 'delta-seconds';
  /** Largest body read (decoded bytes). */
  maxResponseBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RETRIES = 3;
export const MAX_RETRY_AFTER_MS = 10_000;
export const MAX_RESPONSE_BYTES = 1_000_000;
const BACKOFF: RetryPolicy = { attempts: 1, baseDelayMs: 250, maxDelayMs: 4000 };

/** Retry-After as milliseconds: delta-seconds or an HTTP date; `undefined` when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d{1,6}$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** X-RateLimit-Reset as milliseconds to wait: a Unix time (SendGrid) or seconds remaining (Datadog). */
export function rateLimitResetMs(
  header: string | null,
  kind: 'unix-seconds' | 'delta-seconds' | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!header || !kind || !/^\d{1,12}$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return kind === 'delta-seconds' ? value * 1000 : Math.max(0, value * 1000 - now);
}

export class OversizedBodyError extends Error {
  readonly name = 'OversizedBodyError';
}

/**
 * The body as text, reading no more than `cap` bytes: a declared Content-Length over the cap is refused unread, and
 * the stream is cancelled as soon as the decoded bytes pass the cap.
 */
export async function readCapped(response: Response, cap: number): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > cap) {
    await response.body?.cancel().catch(() => undefined);
    throw new OversizedBodyError(`declared ${declared} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      throw new OversizedBodyError(`more than ${cap} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

export async function sendHttp(
  provider: string,
  call: HttpCall,
  options: HttpClientOptions,
): Promise<HttpResult> {
  const sleep = options.sleep ?? realSleep;
  const doFetch = options.fetch ?? fetch;
  const cap = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // The path and query may carry a key (a verify request): messages name the origin only.
  const what = `the ${call.label} request to ${new URL(call.url).origin}`;
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= options.maxRetries;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(call.url, {
        method: call.method,
        headers: call.headers,
        body: call.body,
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await readCapped(response, maxBytes);
    } catch (error) {
      if (error instanceof OversizedBodyError)
        throw new ProviderError(
          provider,
          `${what} answered with an oversized body (${error.message})`,
          false,
        );
      const timedOut = isTimeout(error);
      if (!last && call.retryServerErrors) {
        await sleep(backoffDelay(BACKOFF, attempt));
        continue;
      }
      throw new ProviderError(
        provider,
        timedOut
          ? `${what} timed out after ${options.timeoutMs} ms`
          : `${what} failed (${(error as Error)?.name ?? 'error'})`,
        true,
        { cause: timedOut ? undefined : error },
      );
    }
    const throttled = response.status === 429;
    const serverError = response.status >= 500;
    if ((throttled || (serverError && call.retryServerErrors)) && !last) {
      const asked =
        retryAfterMs(response.headers.get('retry-after')) ??
        (throttled
          ? rateLimitResetMs(response.headers.get('x-ratelimit-reset'), options.rateLimitReset)
          : undefined);
      if (asked !== undefined && asked > cap) {
        throw new ProviderError(
          provider,
          `${what} answered ${response.status} and asked to retry after ${Math.ceil(asked / 1000)} s`,
          true,
        );
      }
      await sleep(asked ?? backoffDelay(BACKOFF, attempt));
      continue;
    }
    return { status: response.status, text };
  }
}
