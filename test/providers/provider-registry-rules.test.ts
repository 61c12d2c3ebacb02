/**
 * The provider registry's and the SDK error mapping's rules (lambdas/providers/registry.ts, aws-errors.ts): each
 * kind is served by its own provider, an unknown kind by none; the HTTP provider reads its profiles from the
 * function's environment; an SDK failure becomes a ProviderError that names the action and the error's name only,
 * retryable exactly when the error is transient, with the SDK error kept as `cause`; a ProviderError passes as is.
 */
import { CallerIdentity } from '../../lambdas/aws/caller-identity';
import { IamUsers } from '../../lambdas/aws/iam-users';
import { PROVIDER_ENV, PROVIDER_KINDS } from '../../lambdas/core/constants';
import { ProviderError } from '../../lambdas/core/errors';
import type { KeyProvider } from '../../lambdas/core/provider';
import { providerFailure } from '../../lambdas/providers/aws-errors';
import { HttpAdminApiProvider } from '../../lambdas/providers/http-admin-api';
import { defaultProviders, MapProviderRegistry, runtimeProviders } from '../../lambdas/providers/registry';

const fake = (kind: string, tag: string) => ({ kind, tag }) as unknown as KeyProvider & { tag: string };

describe('rule: a kind is served by its provider, an unknown kind by none', () => {
  test('the map serves each kind; the last provider of a kind wins; unknown kinds (and prototype names) are undefined', () => {
    const registry = new MapProviderRegistry([fake('a', 'first'), fake('b', 'b'), fake('a', 'second')]);
    expect((registry.get('a') as { tag?: string }).tag).toBe('second');
    expect((registry.get('b') as { tag?: string }).tag).toBe('b');
    for (const kind of ['c', '', 'constructor', '__proto__', 'toString'])
      expect(registry.get(kind)).toBeUndefined();
  });

  test('the runtime providers: one per kind, each under its own kind', () => {
    const providers = runtimeProviders({});
    expect(Object.keys(providers).sort()).toEqual(Object.values(PROVIDER_KINDS).sort());
    for (const [kind, provider] of Object.entries(providers)) expect(provider.kind).toBe(kind);
    const registry = defaultProviders({});
    for (const kind of Object.values(PROVIDER_KINDS)) expect(registry.get(kind)).toBe(registry.get(kind));
    expect(registry.get('nope')).toBeUndefined();
  });

  test('the IAM provider is built with its IAM and STS adapters', () => {
    const iamProvider = runtimeProviders({})[PROVIDER_KINDS.iamAccessKey] as unknown as {
      deps: { iam: unknown; identity: unknown };
    };
    expect(iamProvider.deps.iam).toBeInstanceOf(IamUsers);
    expect(iamProvider.deps.identity).toBeInstanceOf(CallerIdentity);
  });

  test("the HTTP provider's profiles come from the function's environment (process.env by default)", () => {
    const profilesOf = (p: KeyProvider) => (p as unknown as { deps: { profiles: unknown } }).deps.profiles;
    const broken = runtimeProviders({ [PROVIDER_ENV.httpApiProfiles]: '{broken' })[
      PROVIDER_KINDS.httpAdminApi
    ];
    expect(broken).toBeInstanceOf(HttpAdminApiProvider);
    expect(profilesOf(broken)).toEqual({ ok: false, reason: 'the HTTP API profiles are not JSON' });
    const saved = process.env[PROVIDER_ENV.httpApiProfiles];
    process.env[PROVIDER_ENV.httpApiProfiles] = '[';
    try {
      expect(profilesOf(runtimeProviders()[PROVIDER_KINDS.httpAdminApi])).toMatchObject({ ok: false });
      expect(profilesOf(defaultProviders().get(PROVIDER_KINDS.httpAdminApi)!)).toMatchObject({ ok: false });
    } finally {
      if (saved === undefined) delete process.env[PROVIDER_ENV.httpApiProfiles];
      else process.env[PROVIDER_ENV.httpApiProfiles] = saved;
    }
    expect(profilesOf(runtimeProviders({})[PROVIDER_KINDS.httpAdminApi])).toMatchObject({ ok: true });
  });
});

describe('rule: an SDK failure is a ProviderError naming the action and the error name, retryable when transient', () => {
  const sdkError = (name: string, status?: number) =>
    Object.assign(new Error(`${name}: User arn:aws:iam::1:user/x secret wJalrXUtnFEMI`), {
      name,
      ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    });

  test('a transient error is retryable and says so; the SDK message is only the cause', () => {
    const cause = sdkError('ThrottlingException', 400);
    const error = providerFailure('iam-access-key', 'listing keys', cause);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('iam-access-key: listing keys failed (ThrottlingException), retry later');
    expect(error.retryable).toBe(true);
    expect(error.provider).toBe('iam-access-key');
    expect(error.cause).toBe(cause);
    expect(providerFailure('p', 'x', sdkError('Whatever', 503)).retryable).toBe(true);
  });

  test('a permanent error is not retryable and says nothing of retrying', () => {
    const error = providerFailure('p', 'deleting', sdkError('AccessDenied', 403));
    expect(error.message).toBe('p: deleting failed (AccessDenied)');
    expect(error.retryable).toBe(false);
    expect(providerFailure('p', 'x', 'not an error').message).toBe('p: x failed (NonError)');
  });

  test('a ProviderError passes through unchanged', () => {
    const original = new ProviderError('p', 'refused', false);
    expect(providerFailure('q', 'other', original)).toBe(original);
  });
});
