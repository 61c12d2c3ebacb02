/** The providers one rotate function knows, looked up by the `keyturn:provider` tag. */
import type { KeyProvider, ProviderRegistry } from '../core/provider';
import { SelfIssuedProvider } from './self-issued';

export class MapProviderRegistry implements ProviderRegistry {
  private readonly byKind = new Map<string, KeyProvider>();

  constructor(providers: KeyProvider[]) {
    for (const provider of providers) this.byKind.set(provider.kind, provider);
  }

  get(kind: string): KeyProvider | undefined {
    return this.byKind.get(kind);
  }
}

export function defaultProviders(): ProviderRegistry {
  return new MapProviderRegistry([new SelfIssuedProvider()]);
}
