/** The providers one function knows (rotate, retire, leak), looked up by the registry entry's provider kind. */
import type { KeyProvider, ProviderRegistry } from '../core/provider';
import { SelfIssuedProvider } from './self-issued';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerAdminCredentials } from '../aws/admin-credentials';
import { ApiGatewayKeys } from '../aws/api-gateway-keys';
import { CallerIdentity } from '../aws/caller-identity';
import { IamUsers } from '../aws/iam-users';
import { PROVIDER_ENV, PROVIDER_KINDS, type ProviderKind } from '../core/constants';
import { ApiGatewayKeyProvider } from './api-gateway-key';
import { HttpAdminApiProvider } from './http-admin-api';
import { parseProfiles } from './http/profile';
import { IamAccessKeyProvider } from './iam-access-key';

export class MapProviderRegistry implements ProviderRegistry {
  private readonly byKind = new Map<string, KeyProvider>();

  constructor(providers: KeyProvider[]) {
    for (const provider of providers) this.byKind.set(provider.kind, provider);
  }

  get(kind: string): KeyProvider | undefined {
    return this.byKind.get(kind);
  }
}

/** One runtime provider per kind, each under its own kind: a kind in PROVIDER_KINDS without one does not compile. */
export type RuntimeProviders = { [K in ProviderKind]: KeyProvider & { readonly kind: K } };

/**
 * Every provider, with SDK clients built once (module scope in the handlers). HTTP admin API profiles come from
 * the function's environment; a broken profile variable fails only the keys that use it.
 */
export function runtimeProviders(env: NodeJS.ProcessEnv = process.env): RuntimeProviders {
  return {
    [PROVIDER_KINDS.selfIssued]: new SelfIssuedProvider(),
    [PROVIDER_KINDS.iamAccessKey]: new IamAccessKeyProvider({
      iam: new IamUsers(new IAMClient({})),
      identity: new CallerIdentity(),
    }),
    [PROVIDER_KINDS.apiGatewayKey]: new ApiGatewayKeyProvider(new ApiGatewayKeys(new APIGatewayClient({}))),
    [PROVIDER_KINDS.httpAdminApi]: new HttpAdminApiProvider({
      profiles: parseProfiles(env[PROVIDER_ENV.httpApiProfiles]),
      credentials: new SecretsManagerAdminCredentials(new SecretsManagerClient({})),
    }),
  };
}

export function defaultProviders(env: NodeJS.ProcessEnv = process.env): ProviderRegistry {
  return new MapProviderRegistry(Object.values(runtimeProviders(env)));
}
