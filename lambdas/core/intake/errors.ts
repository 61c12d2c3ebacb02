/** Why the intake refused a request. Each maps to one HTTP status; messages never hold a reported token. */
import { KeyturnError } from '../errors';

export class IntakeError extends KeyturnError {
  constructor(
    public readonly status: 400 | 401 | 409 | 413 | 429 | 503,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Over the rate limit: answered before any signature work. */
export class RateLimitedError extends IntakeError {
  constructor() {
    super(429, 'rate limited');
  }
}

/** The body is not a report the partner program sends (shape or size). */
export class MalformedReportError extends IntakeError {
  constructor(reason: string, status: 400 | 413 = 400) {
    super(status, `malformed report: ${reason}`);
  }
}

/** Missing, unknown-key or invalid ECDSA signature. */
export class BadSignatureError extends IntakeError {
  constructor(reason: string) {
    super(401, `signature refused: ${reason}`);
  }
}

/** The same signed body was seen already. */
export class ReplayedReportError extends IntakeError {
  constructor() {
    super(409, 'replayed report refused');
  }
}

/** The partner's public keys could not be fetched: the partner retries later. */
export class PartnerKeysUnavailableError extends IntakeError {
  constructor(options?: { cause?: unknown }) {
    super(503, 'partner public keys unavailable', options);
  }
}
