/**
 * The API Gateway key provider's rules (lambdas/providers/api-gateway-key.ts), against an in-memory key store with
 * the ApiGatewayKeys surface: the usage plan setting must be a list of plan ids (else nothing is called), a retried
 * create reuses the key of the same name (never a second key), a key without a readable value is a retryable
 * failure, verify checks existence, enablement, value and every plan in that order, throttling on verify is a
 * refusal to retry (not a failure), and revoke disables before it deletes.
 */
import { TAGS } from '../../lambdas/core/constants';
import { ProviderError } from '../../lambdas/core/errors';
import { readKeyPolicy } from '../../lambdas/core/key-policy';
import type { KeyContext } from '../../lambdas/core/provider';
import type { ApiGatewayKeys, ApiKeyInfo } from '../../lambdas/aws/api-gateway-keys';
import {
  API_GATEWAY_KEY,
  API_GATEWAY_VERIFY_RETRY,
  ApiGatewayKeyProvider,
  apiKeyNameFor,
} from '../../lambdas/providers/api-gateway-key';
import { managedTags } from '../helpers/keys';

type Call = [string, ...unknown[]];

/** ApiGatewayKeys in memory: keys by id, plan membership, every call recorded, an optional failure per method. */
class MemoryKeys {
  readonly keys = new Map<string, ApiKeyInfo & { tags: Record<string, string> }>();
  readonly plans = new Map<string, Set<string>>();
  readonly calls: Call[] = [];
  failing: Partial<Record<string, Error>> = {};
  /** Keys created without a value (an API Gateway that answers without it). */
  valueless = false;
  private next = 1;

  private call(name: string, ...args: unknown[]): void {
    this.calls.push([name, ...args]);
    const failure = this.failing[name];
    if (failure) throw failure;
  }
  async findByName(name: string): Promise<ApiKeyInfo[]> {
    this.call('findByName', name);
    return [...this.keys.values()]
      .filter((k) => k.name === name)
      .map(({ id, name: n, enabled }) => ({ id, name: n, enabled }));
  }
  async create(name: string, tags: Record<string, string>): Promise<ApiKeyInfo> {
    this.call('create', name, tags);
    const id = `k${this.next++}`;
    const key = { id, name, enabled: true, value: this.valueless ? undefined : `value-of-${id}`, tags };
    this.keys.set(id, key);
    return { id, name, enabled: true, ...(key.value ? { value: key.value } : {}) };
  }
  async get(id: string, includeValue: boolean): Promise<ApiKeyInfo | undefined> {
    this.call('get', id, includeValue);
    const key = this.keys.get(id);
    if (!key) return undefined;
    return {
      id,
      name: key.name,
      enabled: key.enabled,
      ...(includeValue && key.value ? { value: key.value } : {}),
    };
  }
  async setEnabled(id: string, enabled: boolean): Promise<void> {
    this.call('setEnabled', id, enabled);
    const key = this.keys.get(id);
    if (key) key.enabled = enabled;
  }
  async delete(id: string): Promise<boolean> {
    this.call('delete', id);
    return this.keys.delete(id);
  }
  async addToUsagePlan(plan: string, keyId: string): Promise<void> {
    this.call('addToUsagePlan', plan, keyId);
    this.plans.set(plan, new Set([...(this.plans.get(plan) ?? []), keyId]));
  }
  async isInUsagePlan(plan: string, keyId: string): Promise<boolean> {
    this.call('isInUsagePlan', plan, keyId);
    return this.plans.get(plan)?.has(keyId) ?? false;
  }
}

function context(plans: string | null = 'plan1 plan2'): KeyContext {
  const tags = managedTags({ [TAGS.provider]: 'api-gateway-key' });
  if (plans !== null) tags[`${TAGS.providerSetting}usage-plan-ids`] = plans;
  const outcome = readKeyPolicy(tags);
  if (!outcome.ok) throw new Error(outcome.reason);
  return {
    secretId: 'arn:secret',
    secretName: 'keyturn/prod/partner-api',
    token: 'tok-1',
    policy: outcome.policy,
  };
}
const stored = (keyId: string, key: string) => ({
  keyturn: 1 as const,
  provider: API_GATEWAY_KEY,
  keyId,
  key,
  createdAt: '2026-12-01T10:00:00.000Z',
});
const named = (name: string, e: Partial<Error> & Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} from the SDK`), { name, ...e });

let keys: MemoryKeys;
let provider: ApiGatewayKeyProvider;
beforeEach(() => {
  keys = new MemoryKeys();
  provider = new ApiGatewayKeyProvider(keys as unknown as ApiGatewayKeys);
});
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e as ProviderError,
  );

describe('rule: the usage plan setting lists plan ids; otherwise nothing is called', () => {
  test.each([
    ['missing', null],
    ['empty', ''],
    ['an upper-case id', 'Plan1'],
    ['an id of 33 characters', 'a'.repeat(33)],
    ['an id with a dash', 'plan-1'],
  ])('%s: a non-retryable configuration error on create and verify', async (_case, plans) => {
    for (const attempt of [
      provider.create(context(plans)),
      provider.verify(context(plans), stored('k1', 'v')),
    ]) {
      const error = await failureOf(attempt);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        'api-gateway-key: tag keyturn:provider:usage-plan-ids must list usage plan ids, space-separated',
      );
    }
    expect(keys.calls).toEqual([]);
  });

  test('one bad id among good ones refuses the whole setting', async () => {
    const error = await failureOf(provider.create(context('plan1 Plan2 plan3')));
    expect(error.retryable).toBe(false);
    expect(keys.calls).toEqual([]);
  });

  test('ids of 32 lower-case letters and digits are plan ids', async () => {
    await expect(provider.create(context(`${'a'.repeat(31)}9 x`))).resolves.toBeDefined();
  });
});

describe('rule: create issues one tagged key per rotation, in every plan, and a retry reuses it', () => {
  test('a new key is named after the rotation, tagged managed, added to each plan, its value returned', async () => {
    const ctx = context();
    expect(apiKeyNameFor(ctx)).toBe('keyturn-billing-api-prod-tok-1');
    const issued = await provider.create(ctx);
    expect(issued).toEqual({
      keyId: 'k1',
      key: 'value-of-k1',
      attributes: { usagePlanIds: 'plan1 plan2', name: 'keyturn-billing-api-prod-tok-1' },
    });
    expect(keys.calls).toEqual([
      ['findByName', 'keyturn-billing-api-prod-tok-1'],
      [
        'create',
        'keyturn-billing-api-prod-tok-1',
        { [TAGS.managed]: 'true', [TAGS.keyName]: 'billing-api', [TAGS.environment]: 'prod' },
      ],
      ['addToUsagePlan', 'plan1', 'k1'],
      ['addToUsagePlan', 'plan2', 'k1'],
    ]);
  });

  test('a retried create finds the key of that name and reads its value back: no second key', async () => {
    const first = await provider.create(context());
    keys.calls.length = 0;
    const retried = await provider.create(context());
    expect(retried).toEqual(first);
    expect(keys.keys.size).toBe(1);
    expect(keys.calls.map((c) => c[0])).toEqual(['findByName', 'get', 'addToUsagePlan', 'addToUsagePlan']);
    expect(keys.calls[1]).toEqual(['get', 'k1', true]);
  });

  test('a key without a readable value is a retryable failure naming the key; it is in no plan', async () => {
    keys.valueless = true;
    const fresh = await failureOf(provider.create(context()));
    expect(fresh).toMatchObject({ retryable: true });
    expect(fresh.message).toBe(
      'api-gateway-key: API key keyturn-billing-api-prod-tok-1 has no readable value',
    );
    const retried = await failureOf(provider.create(context()));
    expect(retried.message).toBe('api-gateway-key: API key k1 has no readable value');
    expect(keys.calls.some((c) => c[0] === 'addToUsagePlan')).toBe(false);
  });

  test('a key found by name that is gone when read back is a retryable failure naming it', async () => {
    await provider.create(context());
    keys.get = async () => undefined;
    const error = await failureOf(provider.create(context()));
    expect(error.message).toBe('api-gateway-key: API key k1 has no readable value');
    expect(error.retryable).toBe(true);
  });

  test('an SDK failure on create names the action and the error, retryable only when transient', async () => {
    keys.failing.create = named('ThrottlingException');
    const throttled = await failureOf(provider.create(context()));
    expect(throttled).toMatchObject({ retryable: true });
    expect(throttled.message).toBe(
      'api-gateway-key: creating API key keyturn-billing-api-prod-tok-1 failed (ThrottlingException), retry later',
    );
    keys.failing.create = named('AccessDeniedException');
    expect(await failureOf(provider.create(context()))).toMatchObject({ retryable: false });
  });
});

describe('rule: a key is accepted only when it exists, is enabled, holds the value and is in every plan', () => {
  let issued: { keyId: string; key: string };
  beforeEach(async () => {
    issued = await provider.create(context());
    keys.calls.length = 0;
  });

  test('the issued key is accepted, checked with its value in each plan', async () => {
    await expect(provider.verify(context(), stored(issued.keyId, issued.key))).resolves.toEqual({
      accepted: true,
    });
    expect(keys.calls).toEqual([
      ['get', 'k1', true],
      ['isInUsagePlan', 'plan1', 'k1'],
      ['isInUsagePlan', 'plan2', 'k1'],
    ]);
  });

  test('an absent key, a disabled key, another value: each refused with its reason', async () => {
    await expect(provider.verify(context(), stored('k9', issued.key))).resolves.toEqual({
      accepted: false,
      reason: 'API key k9 does not exist',
    });
    await expect(provider.verify(context(), stored(issued.keyId, 'other'))).resolves.toEqual({
      accepted: false,
      reason: 'API key k1 holds another value',
    });
    keys.keys.get('k1')!.enabled = false;
    await expect(provider.verify(context(), stored(issued.keyId, issued.key))).resolves.toEqual({
      accepted: false,
      reason: 'API key k1 is disabled',
    });
  });

  test('a key missing from the second plan is refused, naming that plan', async () => {
    keys.plans.get('plan2')!.clear();
    await expect(provider.verify(context(), stored(issued.keyId, issued.key))).resolves.toEqual({
      accepted: false,
      reason: 'API key k1 is not in usage plan plan2',
    });
  });

  test('throttling is a refusal for now (the check is retried), any other failure is a provider error', async () => {
    keys.failing.isInUsagePlan = named('TooManyRequestsException');
    await expect(provider.verify(context(), stored(issued.keyId, issued.key))).resolves.toEqual({
      accepted: false,
      reason: 'API Gateway is throttling or unavailable',
    });
    keys.failing.isInUsagePlan = named('AccessDeniedException');
    const error = await failureOf(provider.verify(context(), stored(issued.keyId, issued.key)));
    expect(error.message).toBe('api-gateway-key: checking API key k1 failed (AccessDeniedException)');
    expect(error.retryable).toBe(false);
  });

  test('verification is retried about 15 s at most, for the key to reach every stage', () => {
    expect(provider.verifyRetry).toEqual(API_GATEWAY_VERIFY_RETRY);
    expect(API_GATEWAY_VERIFY_RETRY).toEqual({ attempts: 5, baseDelayMs: 1000, maxDelayMs: 8000 });
    expect(provider.createHasSideEffects).toBe(true);
  });
});

describe('rule: revoke disables first (reversible), deletes a disabled key, and an absent key is revoked', () => {
  test('enabled -> disabled -> deleted -> nothing to do', async () => {
    const { keyId, key } = await provider.create(context());
    keys.calls.length = 0;
    await provider.revoke(context(), stored(keyId, key));
    expect(keys.calls).toEqual([
      ['get', 'k1', false],
      ['setEnabled', 'k1', false],
    ]);
    expect(keys.keys.get('k1')?.enabled).toBe(false);
    await provider.revoke(context(), stored(keyId, key));
    expect(keys.keys.has('k1')).toBe(false);
    keys.calls.length = 0;
    await provider.revoke(context(), stored(keyId, key));
    expect(keys.calls).toEqual([['get', 'k1', false]]);
  });

  test('a failure while revoking names the key and the error', async () => {
    const { keyId, key } = await provider.create(context());
    keys.failing.setEnabled = named('ServiceUnavailableException');
    const error = await failureOf(provider.revoke(context(), stored(keyId, key)));
    expect(error.message).toBe(
      'api-gateway-key: revoking API key k1 failed (ServiceUnavailableException), retry later',
    );
    expect(error.retryable).toBe(true);
  });
});
