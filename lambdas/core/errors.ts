/**
 * Typed errors with a stable `name`. Messages name the secret (its name or ARN) and never carry key material.
 */
export class KeyturnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The rotation event is malformed; nothing was called. */
export class InvalidRotationEventError extends KeyturnError {
  constructor(public readonly issues: string[]) {
    super(`Invalid rotation event: ${issues.join('; ')}`);
  }
}

/** Base for failures of the rotation protocol's pre-step checks and steps. */
export class RotationError extends KeyturnError {
  constructor(
    public readonly secretId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (secret ${secretId})`, options);
  }
}

export class RotationNotEnabledError extends RotationError {
  constructor(secretId: string) {
    super(secretId, 'Rotation is not enabled on this secret');
  }
}

export class UnknownVersionError extends RotationError {
  constructor(secretId: string, token: string) {
    super(secretId, `Version ${token} is not a version of this secret`);
  }
}

export class VersionNotPendingError extends RotationError {
  constructor(secretId: string, token: string) {
    super(secretId, `Version ${token} is neither AWSCURRENT nor AWSPENDING`);
  }
}

export class NoCurrentVersionError extends RotationError {
  constructor(secretId: string) {
    super(secretId, 'The secret has no AWSCURRENT version');
  }
}

/** A stored secret value does not have the expected shape; the value itself is never quoted. */
export class MalformedSecretValueError extends RotationError {
  constructor(secretId: string, versionId: string, reason: string) {
    super(secretId, `Version ${versionId} holds a malformed value: ${reason}`);
  }
}

/** The pending key version has no value although createSecret should have stored one. */
export class PendingValueMissingError extends RotationError {
  constructor(secretId: string, token: string) {
    super(secretId, `Version ${token} has no value yet: run createSecret first`);
  }
}

/** testSecret: the provider does not accept the pending key. */
export class KeyVerificationError extends RotationError {
  constructor(secretId: string, token: string, detail: string) {
    super(secretId, `The pending key of version ${token} was not accepted: ${detail}`);
  }
}

/** The secret is not a keyturn-managed secret, or its tags do not form a valid key policy. */
export class KeyConfigurationError extends RotationError {
  constructor(secretId: string, detail: string) {
    super(secretId, `Invalid keyturn configuration on the secret: ${detail}`);
  }
}

/** A provider call failed; `retryable` says whether a later retry may succeed. */
export class ProviderError extends KeyturnError {
  constructor(
    public readonly provider: string,
    message: string,
    public readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${message}`, options);
  }
}
