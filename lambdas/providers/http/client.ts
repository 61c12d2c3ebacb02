/**
 * One HTTP request to an admin API, with a timeout on every attempt (AbortSignal.timeout covers headers and
 * body), bounded retries on 429/5xx/timeouts that honour Retry-After up to a cap, no redirects (credentials
 * never follow one), and a capped response size. Bodies are returned to the caller, never logged or quoted.
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

export interface HttpClientOptions {
  timeoutMs: number;
  maxRetries: number;
  sleep?: Sleep;
  fetch?: typeof fetch;
  /** Longest Retry-After keyturn waits; a longer one ends the attempt (retryable). */
  maxRetryAfterMs?: number;
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
      text = await response.text();
    } catch (error) {
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
    if (text.length > MAX_RESPONSE_BYTES)
      throw new ProviderError(provider, `${what} answered with an oversized body`, false);
    const throttled = response.status === 429;
    const serverError = response.status >= 500;
    if ((throttled || (serverError && call.retryServerErrors)) && !last) {
      const asked = retryAfterMs(response.headers.get('retry-after'));
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
