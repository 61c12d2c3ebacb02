/**
 * The build-side description of one provider kind: its configuration schema, the settings its registry entry
 * (and its tags) carry, the IAM grants each purpose needs, and what it hands the functions' environment. One
 * file per kind in this folder; lib/providers/index.ts holds them in one map keyed by kind, so a kind without
 * a descriptor does not compile. The runtime side (lambdas/providers/) is linked by the kind alone: lib/
 * imports no runtime code.
 */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import type { ProviderKind } from '../../lambdas/core/constants';

/**
 * Why a role needs the provider: to rotate (create, test, revoke), or only to revoke (retirement, leak
 * response).
 */
export type ProviderGrantPurpose = 'rotate' | 'revoke';

/**
 * What one purpose needs: policy statements, and the cdk-nag findings they raise on purpose, each with its
 * reason.
 */
export interface ProviderGrant {
  statements: iam.PolicyStatement[];
  acknowledgements?: Array<{ id: string; reason: string }>;
}

/** The `provider` object of a key whose `kind` is K. */
type ProviderSchema<K extends ProviderKind> = z.ZodType<{ kind: K }>;

export interface ProviderDescriptor<K extends ProviderKind, S extends ProviderSchema<K> = ProviderSchema<K>> {
  readonly kind: K;
  /**
   * The key's `provider` object in the configuration file; lib/config/schema.ts unites the schemas on `kind`.
   */
  readonly schema: S;
  /**
   * The key's registry entry `providerSettings` (what the runtime provider reads), by PROVIDER_SETTINGS name;
   * the same values go onto the secret as `keyturn:provider:<name>` tags for people and the audit's drift
   * report.
   */
  settings(provider: z.output<S>): Record<string, string>;
  /**
   * What a role needs at the provider for each purpose, limited to the resources the configuration names.
   * `scope` gives the stack (partition, region) and anchors nothing else.
   */
  readonly grants: {
    rotate(provider: z.output<S>, scope: Construct): ProviderGrant;
    revoke(provider: z.output<S>, scope: Construct): ProviderGrant;
  };
  /**
   * Hand `fn` (rotate, retire or leak function) what the runtime provider reads from its environment; `key`
   * names the key in synth errors. (Not the whole KeyConfig: its type is built from these descriptors.)
   */
  provideEnvironment?(fn: lambda.Function, key: { name: string }, provider: z.output<S>): void;
}

/** Types a descriptor from its literal: `kind` and `schema` fix what every method receives. */
export function defineProvider<K extends ProviderKind, S extends ProviderSchema<K>>(
  descriptor: ProviderDescriptor<K, S>,
): ProviderDescriptor<K, S> {
  return descriptor;
}

/** Neither purpose needs anything outside the secret (self-issued keys). */
export const NO_GRANT: ProviderGrant = { statements: [] };
