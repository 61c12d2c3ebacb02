/**
 * API Gateway (REST) API keys. The key is named after the rotation token, so a retried createSecret finds the
 * key an earlier attempt created (GetApiKeys nameQuery) and reads its value back: never a second key, never an
 * unrecorded one. Keys are tagged `keyturn:managed=true`, which the IAM grants require for read/disable/delete.
 * Revoke is two-phase: an enabled key is disabled (undo: enable it), a disabled one is deleted.
 */
import { PROVIDER_KINDS, PROVIDER_SETTINGS, TAGS } from '../core/constants';
import { ProviderError } from '../core/errors';
import { splitTagList } from '../core/key-policy';
import type { IssuedKey, KeyContext, KeyProvider, Verification } from '../core/provider';
import type { RetryPolicy } from '../core/retry';
import type { StoredKey } from '../core/stored-key';
import type { ApiGatewayKeys } from '../aws/api-gateway-keys';
import { isTransientAwsError, providerFailure } from './aws-errors';

export const API_GATEWAY_KEY = PROVIDER_KINDS.apiGatewayKey;
/** ~15 s at most: usage plan membership and the key itself take a few seconds to reach every API stage. */
export const API_GATEWAY_VERIFY_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 8000 };

/** `keyturn-<key>-<environment>-<token>`: unique per rotation, and readable in the console. */
export function apiKeyNameFor(ctx: KeyContext): string {
  return `keyturn-${ctx.policy.keyName}-${ctx.policy.environment}-${ctx.token}`;
}

export class ApiGatewayKeyProvider implements KeyProvider {
  readonly kind = API_GATEWAY_KEY;
  readonly createHasSideEffects = true;
  readonly checkedByConsumers = false;
  readonly verifyRetry = API_GATEWAY_VERIFY_RETRY;

  constructor(private readonly keys: ApiGatewayKeys) {}

  private usagePlans(ctx: KeyContext): string[] {
    const plans = splitTagList(ctx.policy.providerSettings[PROVIDER_SETTINGS.apiGatewayKey.usagePlanIds]);
    if (plans.length === 0 || plans.some((p) => !/^[a-z0-9]{1,32}$/.test(p))) {
      throw new ProviderError(
        this.kind,
        `tag keyturn:provider:${PROVIDER_SETTINGS.apiGatewayKey.usagePlanIds} must list usage plan ids, space-separated`,
        false,
      );
    }
    return plans;
  }

  async create(ctx: KeyContext): Promise<IssuedKey> {
    const plans = this.usagePlans(ctx);
    const name = apiKeyNameFor(ctx);
    try {
      const [earlier] = await this.keys.findByName(name);
      const key = earlier
        ? await this.keys.get(earlier.id, true)
        : await this.keys.create(name, {
            [TAGS.managed]: 'true',
            [TAGS.keyName]: ctx.policy.keyName,
            [TAGS.environment]: ctx.policy.environment,
          });
      if (!key?.value)
        throw new ProviderError(this.kind, `API key ${earlier?.id ?? name} has no readable value`, true);
      for (const plan of plans) await this.keys.addToUsagePlan(plan, key.id);
      return { keyId: key.id, key: key.value, attributes: { usagePlanIds: plans.join(' '), name } };
    } catch (error) {
      throw providerFailure(this.kind, `creating API key ${name}`, error);
    }
  }

  /** Accepted when the key exists, is enabled, holds the stored value, and is in every configured usage plan. */
  async verify(ctx: KeyContext, stored: StoredKey): Promise<Verification> {
    const plans = this.usagePlans(ctx);
    try {
      const key = await this.keys.get(stored.keyId, true);
      if (!key) return { accepted: false, reason: `API key ${stored.keyId} does not exist` };
      if (!key.enabled) return { accepted: false, reason: `API key ${stored.keyId} is disabled` };
      if (key.value !== stored.key)
        return { accepted: false, reason: `API key ${stored.keyId} holds another value` };
      for (const plan of plans) {
        if (!(await this.keys.isInUsagePlan(plan, stored.keyId))) {
          return { accepted: false, reason: `API key ${stored.keyId} is not in usage plan ${plan}` };
        }
      }
      return { accepted: true };
    } catch (error) {
      if (isTransientAwsError(error))
        return { accepted: false, reason: `API Gateway is throttling or unavailable` };
      throw providerFailure(this.kind, `checking API key ${stored.keyId}`, error);
    }
  }

  async revoke(_ctx: KeyContext, stored: StoredKey): Promise<void> {
    try {
      const key = await this.keys.get(stored.keyId, false);
      if (!key) return;
      if (key.enabled) await this.keys.setEnabled(stored.keyId, false);
      else await this.keys.delete(stored.keyId);
    } catch (error) {
      throw providerFailure(this.kind, `revoking API key ${stored.keyId}`, error);
    }
  }
}
