/** Typed errors of the retirement of an old key. Messages name the secret, version and key id: never the key. */
import { KeyturnError } from './errors';

export class RetirementError extends KeyturnError {
  constructor(
    public readonly secretId: string,
    public readonly versionId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (secret ${secretId}, version ${versionId})`, options);
  }
}

/** The schedule's payload is not `{ secretId, versionId }`; nothing was called. */
export class InvalidRetirementRequestError extends KeyturnError {
  constructor(public readonly issues: string[]) {
    super(`Invalid retirement request: ${issues.join('; ')}`);
  }
}

/** Revoking the old key failed (provider error, label or tag update refused). */
export class RevocationFailedError extends RetirementError {
  constructor(secretId: string, versionId: string, detail: string, options?: { cause?: unknown }) {
    super(secretId, versionId, `Revoking the old key failed: ${detail}`, options);
  }
}

/** The revocation could not be proven: the provider (or a consumer's view of the secret) still accepts the key. */
export class RevocationNotProvenError extends RetirementError {
  constructor(secretId: string, versionId: string, detail: string) {
    super(secretId, versionId, `The old key still works after revocation: ${detail}`);
  }
}

/** The rotate function's environment names some but not all of the retirement settings. */
export class RetirementConfigurationError extends KeyturnError {}
