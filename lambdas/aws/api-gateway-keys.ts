/** API Gateway (REST) API keys and usage plan membership (SDK v3). NotFound/Conflict are mapped to outcomes. */
import {
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeyCommand,
  NotFoundException,
  UpdateApiKeyCommand,
  type APIGatewayClient,
} from '@aws-sdk/client-api-gateway';

export interface ApiKeyInfo {
  id: string;
  name: string;
  enabled: boolean;
  /** Only when asked for (includeValue). */
  value?: string;
}

function toInfo(k: {
  id?: string;
  name?: string;
  enabled?: boolean;
  value?: string;
}): ApiKeyInfo | undefined {
  return k.id
    ? { id: k.id, name: k.name ?? '', enabled: k.enabled === true, ...(k.value ? { value: k.value } : {}) }
    : undefined;
}

export class ApiGatewayKeys {
  constructor(private readonly client: APIGatewayClient) {}

  /** Keys whose name is exactly `name` (nameQuery matches prefixes), without values. */
  async findByName(name: string): Promise<ApiKeyInfo[]> {
    const out = await this.client.send(
      new GetApiKeysCommand({ nameQuery: name, includeValues: false, limit: 500 }),
    );
    return (out.items ?? []).map(toInfo).filter((k): k is ApiKeyInfo => k !== undefined && k.name === name);
  }

  async create(name: string, tags: Record<string, string>): Promise<ApiKeyInfo> {
    const out = await this.client.send(new CreateApiKeyCommand({ name, enabled: true, tags }));
    const info = toInfo(out);
    if (!info || !info.value) throw new Error('CreateApiKey returned no id or value');
    return info;
  }

  async get(id: string, includeValue: boolean): Promise<ApiKeyInfo | undefined> {
    try {
      return toInfo(await this.client.send(new GetApiKeyCommand({ apiKey: id, includeValue })));
    } catch (error) {
      if (error instanceof NotFoundException) return undefined;
      throw error;
    }
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.client.send(
      new UpdateApiKeyCommand({
        apiKey: id,
        patchOperations: [{ op: 'replace', path: '/enabled', value: String(enabled) }],
      }),
    );
  }

  /** `false` when it was already gone. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: id }));
      return true;
    } catch (error) {
      if (error instanceof NotFoundException) return false;
      throw error;
    }
  }

  /** Idempotent: a key already in the plan is fine. */
  async addToUsagePlan(usagePlanId: string, keyId: string): Promise<void> {
    try {
      await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' }));
    } catch (error) {
      if (error instanceof ConflictException) return;
      throw error;
    }
  }

  async isInUsagePlan(usagePlanId: string, keyId: string): Promise<boolean> {
    try {
      await this.client.send(new GetUsagePlanKeyCommand({ usagePlanId, keyId }));
      return true;
    } catch (error) {
      if (error instanceof NotFoundException) return false;
      throw error;
    }
  }
}
