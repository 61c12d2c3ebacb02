/**
 * One descriptor per provider kind: every kind in PROVIDER_KINDS has a build-side descriptor (lib/providers/) and a
 * runtime provider (lambdas/providers/registry.ts) under that kind, the configuration accepts exactly those kinds,
 * and a map that misses a kind does not compile (the @ts-expect-error lines fail `tsc --noEmit` the day they pass).
 */
import { Stack } from 'aws-cdk-lib';
import { PROVIDER_KINDS, PROVIDER_SETTINGS, type ProviderKind } from '../../lambdas/core/constants';
import { runtimeProviders, type RuntimeProviders } from '../../lambdas/providers/registry';
import { providerSchema } from '../../lib/config/schema';
import { PROVIDER_DESCRIPTORS, type ProviderDescriptors } from '../../lib/providers';
import { testApp } from '../helpers/synth';

const KINDS = Object.values(PROVIDER_KINDS);

/** A valid `provider` object per kind, as a configuration file would hold it. */
const SAMPLES: { [K in ProviderKind]: { kind: K } & Record<string, unknown> } = {
  'self-issued': { kind: 'self-issued', prefix: 'kt_live_', bodyLength: 40 },
  'iam-access-key': { kind: 'iam-access-key', userArn: 'arn:aws:iam::111122223333:user/ci/deployer' },
  'api-gateway-key': { kind: 'api-gateway-key', usagePlanIds: ['a1b2c3', 'd4e5f6'] },
  'http-admin-api': {
    kind: 'http-admin-api',
    profile: 'sendgrid',
    adminSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/sendgrid-admin',
  },
};

test('rule: every provider kind has a descriptor filed under its own kind', () => {
  expect(Object.keys(PROVIDER_DESCRIPTORS).sort()).toEqual([...KINDS].sort());
  for (const kind of KINDS) expect(PROVIDER_DESCRIPTORS[kind].kind).toBe(kind);
});

test('rule: the configuration accepts exactly the kinds that have a descriptor, and refuses another', () => {
  const accepted = providerSchema.options.map((option) => option.shape.kind.value).sort();
  expect(accepted).toEqual([...KINDS].sort());
  for (const kind of KINDS) expect(providerSchema.safeParse(SAMPLES[kind]).success).toBe(true);
  const unknown = providerSchema.safeParse({ kind: 'github-app' });
  expect(unknown.success).toBe(false);
  expect(unknown.error?.issues[0].message).toBe(
    `unknown provider kind: use one of ${KINDS.map((k) => `"${k}"`).join(', ')}`,
  );
});

test('rule: every provider kind has a runtime provider filed under its own kind', () => {
  const providers = runtimeProviders({});
  expect(Object.keys(providers).sort()).toEqual([...KINDS].sort());
  for (const kind of KINDS) expect(providers[kind].kind).toBe(kind);
});

test("rule: a descriptor's settings are the names its runtime provider reads (PROVIDER_SETTINGS of its kind)", () => {
  for (const [name, kind] of Object.entries(PROVIDER_KINDS) as Array<
    [keyof typeof PROVIDER_KINDS, ProviderKind]
  >) {
    const descriptor = PROVIDER_DESCRIPTORS[kind] as unknown as ProviderDescriptors[ProviderKind];
    const settings = descriptor.settings(providerSchema.parse(SAMPLES[kind]) as never);
    const readable: string[] = Object.values(PROVIDER_SETTINGS[name]);
    expect(Object.keys(settings).length).toBeGreaterThan(0);
    for (const setting of Object.keys(settings)) expect(readable).toContain(setting);
  }
});

test('rule: a key that needs nothing outside the secret gets no grant; the others get one for each purpose', () => {
  const scope = new Stack(testApp(), 'Descriptors');
  for (const kind of KINDS) {
    const descriptor = PROVIDER_DESCRIPTORS[kind] as unknown as ProviderDescriptors[ProviderKind];
    const provider = providerSchema.parse(SAMPLES[kind]) as never;
    const counts = [descriptor.grants.rotate(provider, scope), descriptor.grants.revoke(provider, scope)].map(
      (grant) => grant.statements.length,
    );
    const consumerChecked = runtimeProviders({})[kind].checkedByConsumers;
    if (consumerChecked) expect(counts).toEqual([0, 0]);
    else expect(counts.every((n) => n > 0)).toBe(true);
  }
});

test("rule: only self-issued keys are checked by consumers (revoked by the secret's marks, no provider call)", () => {
  const providers = runtimeProviders({});
  expect(KINDS.filter((kind) => providers[kind].checkedByConsumers)).toEqual([PROVIDER_KINDS.selfIssued]);
});

// Compile-time rules: each assignment below must be a type error; the day one is not, tsc fails on its directive.
type Descriptors = typeof PROVIDER_DESCRIPTORS;
export function compileTimeRules(
  withoutHttp: Omit<Descriptors, 'http-admin-api'>,
  swapped: Omit<Descriptors, 'self-issued'> & { 'self-issued': Descriptors['iam-access-key'] },
  runtimeWithout: Omit<RuntimeProviders, 'api-gateway-key'>,
): unknown[] {
  // @ts-expect-error a map without the http-admin-api descriptor is not a ProviderDescriptors
  const missingKind: ProviderDescriptors = withoutHttp;
  // @ts-expect-error a descriptor filed under another kind is refused
  const wrongKind: ProviderDescriptors = swapped;
  // @ts-expect-error a runtime map without the api-gateway-key provider is not RuntimeProviders
  const missingRuntime: RuntimeProviders = runtimeWithout;
  return [missingKind, wrongKind, missingRuntime];
}
