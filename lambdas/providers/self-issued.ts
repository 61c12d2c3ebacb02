/**
 * Self-issued keys: keyturn generates the key itself (no outside system), and the services that accept the key
 * check it against the secret (see the verifier). Nothing exists outside the secret, so create has no side
 * effects and revoke is complete once the version is no longer AWSCURRENT/AWSPREVIOUS.
 */
import { createHash } from 'node:crypto';
import { assertValidPrefix, generateApiKey, parseApiKey } from '../core/key-material';
import { PROVIDER_KINDS, PROVIDER_SETTINGS } from '../core/constants';
import { ProviderError } from '../core/errors';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../core/provider';
import type { StoredKey } from '../core/stored-key';

export const SELF_ISSUED = PROVIDER_KINDS.selfIssued;

/** A key's public id: a short digest, so logs and incidents can name the key without revealing it. */
export function keyIdOf(key: string): string {
  return 'sha256:' + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function defaultPrefixFor(environment: string): string {
  const env =
    environment
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 15) || 'key';
  return `kt_${env === 'prod' || env === 'production' ? 'live' : env}_`;
}

export function prefixFor(ctx: KeyContext): string {
  return (
    ctx.policy.providerSettings[PROVIDER_SETTINGS.selfIssued.prefix] ??
    defaultPrefixFor(ctx.policy.environment)
  );
}

export class SelfIssuedProvider implements KeyProvider {
  readonly kind = SELF_ISSUED;
  readonly createHasSideEffects = false;
  readonly checkedByConsumers = true;

  async create(ctx: KeyContext): Promise<IssuedKey> {
    const prefix = prefixFor(ctx);
    const lengthSetting = ctx.policy.providerSettings[PROVIDER_SETTINGS.selfIssued.bodyLength];
    try {
      assertValidPrefix(prefix);
      const key = generateApiKey(prefix, lengthSetting === undefined ? undefined : Number(lengthSetting));
      return { keyId: keyIdOf(key), key };
    } catch (error) {
      throw new ProviderError(this.kind, `cannot issue a key: ${(error as Error).message}`, false, {
        cause: error,
      });
    }
  }

  /** The key is accepted when it is well formed for this key's prefix and matches its recorded id. */
  async verify(ctx: KeyContext, stored: StoredKey): Promise<Verification> {
    if (!parseApiKey(stored.key, prefixFor(ctx))) {
      return { accepted: false, reason: 'the key is not well formed for this key prefix' };
    }
    if (keyIdOf(stored.key) !== stored.keyId)
      return { accepted: false, reason: 'the key does not match its key id' };
    return { accepted: true };
  }

  /** Consumers accept only AWSCURRENT/AWSPREVIOUS keys that are not retired: retirement is the revocation. */
  async revoke(): Promise<void> {}
}
