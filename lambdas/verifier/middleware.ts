/**
 * middy middleware: read the API key from a header, verify it, and either answer 401 with no detail or put the
 * key's NAME (never the key) into the request context for the handler. Works with API Gateway REST (v1) and HTTP
 * (v2) events and function URLs (header names are matched case-insensitively).
 */
import type { MiddlewareObj } from '@middy/core';
import type { VerifyResult } from './verifier';

export interface ApiKeyAuthOptions {
  /** Anything with the verifier's `verify` (an ApiKeyVerifier built once at module scope). */
  verifier: { verify(presented: unknown): Promise<VerifyResult> };
  /**
   * Header that carries the key.
   * @default 'x-api-key'
   */
  header?: string;
  /**
   * Property of the Lambda context that receives the key's name.
   * @default 'apiKeyName'
   */
  contextProperty?: string;
  /** Flushed after every request, e.g. a PowertoolsVerifierMetrics. @default - nothing flushed */
  metrics?: { flush?(): void };
}

export interface UnauthorizedResponse {
  statusCode: 401;
  headers: Record<string, string>;
  body: string;
}

/** The one failure answer: the same whether the key was malformed, unknown, retired or unverifiable. */
export function unauthorized(): UnauthorizedResponse {
  return {
    statusCode: 401,
    headers: { 'content-type': 'text/plain', 'cache-control': 'no-store' },
    body: 'Unauthorized',
  };
}

type HeaderEvent = { headers?: Record<string, string | undefined> | null };

export function headerValue(event: HeaderEvent | undefined, header: string): string | undefined {
  const headers = event?.headers;
  if (!headers) return undefined;
  const wanted = header.toLowerCase();
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === wanted) return value;
  return undefined;
}

export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareObj<HeaderEvent, unknown> {
  const header = options.header ?? 'x-api-key';
  const property = options.contextProperty ?? 'apiKeyName';
  return {
    before: async (request) => {
      let result: VerifyResult;
      try {
        result = await options.verifier.verify(headerValue(request.event, header));
      } finally {
        options.metrics?.flush?.();
      }
      // Returning a value from `before` ends the chain: the handler never runs for an unauthenticated request.
      if (!result.valid) return unauthorized();
      (request.context as unknown as Record<string, unknown>)[property] = result.keyName;
      return undefined;
    },
  };
}
