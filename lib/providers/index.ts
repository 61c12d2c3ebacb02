/**
 * Every provider kind's build-side descriptor, in one map keyed by kind: a kind in PROVIDER_KINDS without a
 * descriptor (or a descriptor under the wrong kind) does not compile. The stack asks the map; it holds no
 * per-kind branches. Called by the configuration schema (the provider union), lib/key-registry.ts and
 * lib/key-tags.ts (settings), KeyturnPipeline.addKey and lib/retirement.ts (grants and environment).
 */
import { Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import { PROVIDER_KINDS, type ProviderKind } from '../../lambdas/core/constants';
import type { KeyConfig, ProviderConfig } from '../config/schema';
import { apiGatewayKey } from './api-gateway-key';
import type { ProviderDescriptor, ProviderGrantPurpose } from './descriptor';
import { httpAdminApi } from './http-admin-api';
import { iamAccessKey } from './iam-access-key';
import { selfIssued } from './self-issued';

/** One descriptor per kind, each under its own kind. */
export type ProviderDescriptors = { [K in ProviderKind]: ProviderDescriptor<K> };

export const PROVIDER_DESCRIPTORS = {
  [PROVIDER_KINDS.selfIssued]: selfIssued,
  [PROVIDER_KINDS.iamAccessKey]: iamAccessKey,
  [PROVIDER_KINDS.apiGatewayKey]: apiGatewayKey,
  [PROVIDER_KINDS.httpAdminApi]: httpAdminApi,
} satisfies ProviderDescriptors;

/**
 * The descriptors' configuration schemas, each with its precise type (for the configuration's provider
 * union).
 */
export type ProviderSchemas = (typeof PROVIDER_DESCRIPTORS)[ProviderKind]['schema'];

/**
 * The descriptor of a parsed provider object; the map pairs each kind with its own schema, so this one cast
 * holds.
 */
function descriptorOf(provider: ProviderConfig): ProviderDescriptor<ProviderKind, z.ZodType<ProviderConfig>> {
  return PROVIDER_DESCRIPTORS[provider.kind] as unknown as ProviderDescriptor<
    ProviderKind,
    z.ZodType<ProviderConfig>
  >;
}

/** The key's provider settings by setting name: the registry entry's `providerSettings`. */
export function providerSettingsFor(key: KeyConfig): Record<string, string> {
  return descriptorOf(key.provider).settings(key.provider);
}

/**
 * Grant `grantee` what the key's provider needs for `purpose`, scoped to the resources the configuration
 * names. `scope` gives the stack; the cdk-nag acknowledgements go on the grantee's principal (its role).
 */
export function grantProviderAccess(
  grantee: iam.IGrantable,
  key: KeyConfig,
  purpose: ProviderGrantPurpose,
  scope: Construct,
): void {
  const grant = descriptorOf(key.provider).grants[purpose](key.provider, scope);
  for (const statement of grant.statements) grantee.grantPrincipal.addToPrincipalPolicy(statement);
  for (const acknowledgement of grant.acknowledgements ?? [])
    Validations.of(grantee.grantPrincipal as unknown as Construct).acknowledge(acknowledgement);
}

/**
 * Hand `fn` what the key's provider reads from the environment (HTTP admin API profiles); a no-op for others.
 */
export function provideProviderEnvironment(fn: lambda.Function, key: KeyConfig): void {
  descriptorOf(key.provider).provideEnvironment?.(fn, key, key.provider);
}
