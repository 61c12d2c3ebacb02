/** A stateful API Gateway fake: API keys (name, value, enabled, tags) and usage plan membership. */
import { randomBytes } from 'node:crypto';
import {
  APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeyCommand,
  NotFoundException,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeApiKey {
  id: string;
  name: string;
  value: string;
  enabled: boolean;
  tags: Record<string, string>;
}

const meta = { $metadata: {} };

export class FakeApiGateway {
  readonly mock: AwsClientStub<APIGatewayClient> = mockClient(APIGatewayClient);
  readonly keys = new Map<string, FakeApiKey>();
  readonly plans = new Map<string, Set<string>>();
  readonly faults: Array<{ command: string; error: Error }> = [];
  /** Usage plan membership shows up in GetUsagePlanKey only after this many reads (propagation). */
  membershipDelay = 0;
  private reads = 0;

  constructor() {
    this.install();
  }

  reset(plans: string[] = []) {
    this.mock.reset();
    this.keys.clear();
    this.plans.clear();
    this.faults.length = 0;
    this.membershipDelay = 0;
    this.reads = 0;
    for (const p of plans) this.plans.set(p, new Set());
    this.install();
  }

  private fault(command: string) {
    const i = this.faults.findIndex((f) => f.command === command);
    if (i >= 0) throw this.faults.splice(i, 1)[0].error;
  }

  private key(id: string | undefined): FakeApiKey {
    const key = id ? this.keys.get(id) : undefined;
    if (!key) throw new NotFoundException({ message: 'Invalid API Key identifier specified', ...meta });
    return key;
  }

  private install() {
    this.mock.on(GetApiKeysCommand).callsFake((input) => {
      this.fault('GetApiKeys');
      const items = [...this.keys.values()].filter((k) => k.name.startsWith(input.nameQuery ?? ''));
      return {
        items: items.map((k) => ({
          id: k.id,
          name: k.name,
          enabled: k.enabled,
          ...(input.includeValues ? { value: k.value } : {}),
        })),
      };
    });
    this.mock.on(CreateApiKeyCommand).callsFake((input) => {
      this.fault('CreateApiKey');
      const key: FakeApiKey = {
        id: randomBytes(5).toString('hex'),
        name: input.name ?? '',
        value: randomBytes(30).toString('base64url'),
        enabled: input.enabled === true,
        tags: { ...(input.tags ?? {}) },
      };
      this.keys.set(key.id, key);
      this.fault('CreateApiKey:after');
      return { id: key.id, name: key.name, value: key.value, enabled: key.enabled };
    });
    this.mock.on(GetApiKeyCommand).callsFake((input) => {
      this.fault('GetApiKey');
      const k = this.key(input.apiKey);
      return {
        id: k.id,
        name: k.name,
        enabled: k.enabled,
        ...(input.includeValue ? { value: k.value } : {}),
      };
    });
    this.mock.on(UpdateApiKeyCommand).callsFake((input) => {
      const k = this.key(input.apiKey);
      for (const op of input.patchOperations ?? [])
        if (op.path === '/enabled') k.enabled = op.value === 'true';
      return { id: k.id, enabled: k.enabled };
    });
    this.mock.on(DeleteApiKeyCommand).callsFake((input) => {
      this.key(input.apiKey);
      this.keys.delete(input.apiKey!);
      for (const members of this.plans.values()) members.delete(input.apiKey!);
      return {};
    });
    this.mock.on(CreateUsagePlanKeyCommand).callsFake((input) => {
      const plan = this.plans.get(input.usagePlanId!);
      if (!plan) throw new NotFoundException({ message: 'Invalid Usage Plan ID specified', ...meta });
      this.key(input.keyId);
      if (plan.has(input.keyId!))
        throw new ConflictException({ message: 'Usage Plan Key already exists', ...meta });
      plan.add(input.keyId!);
      return { id: input.keyId, type: 'API_KEY' };
    });
    this.mock.on(GetUsagePlanKeyCommand).callsFake((input) => {
      this.reads++;
      if (!this.plans.get(input.usagePlanId!)?.has(input.keyId!) || this.reads <= this.membershipDelay) {
        throw new NotFoundException({ message: 'Invalid Usage Plan Key', ...meta });
      }
      return { id: input.keyId, type: 'API_KEY' };
    });
  }
}
