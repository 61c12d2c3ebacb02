/** The providers one rotate function knows, looked up by the `keyturn:provider` tag. */
import type { KeyProvider, ProviderRegistry } from '../core/provider';
import { SelfIssuedProvider } from './self-issued';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerAdminCredentials } from '../aws/admin-credentials';
import { ApiGatewayKeys } from '../aws/api-gateway-keys';
import { CallerIdentity } from '../aws/caller-identity';
import { IamUsers } from '../aws/iam-users';
import { PROVIDER_ENV } from '../core/constants';
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

/**
 * Every provider, with SDK clients built once (module scope in the handlers). HTTP admin API profiles come from
 * the function's environment; a broken profile variable fails only the keys that use it.
 */
export function defaultProviders(env: NodeJS.ProcessEnv = process.env): ProviderRegistry {
  const secrets = new SecretsManagerClient({});
  return new MapProviderRegistry([
    new SelfIssuedProvider(),
    new IamAccessKeyProvider({ iam: new IamUsers(new IAMClient({})), identity: new CallerIdentity() }),
    new ApiGatewayKeyProvider(new ApiGatewayKeys(new APIGatewayClient({}))),
    new HttpAdminApiProvider({
      profiles: parseProfiles(env[PROVIDER_ENV.httpApiProfiles]),
      credentials: new SecretsManagerAdminCredentials(secrets),
    }),
  ]);
}
