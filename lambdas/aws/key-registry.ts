/**
 * The deployed registry over DynamoDB (SDK v3 document client): one GetItem per secret name, cached per container
 * (the registry changes only with a deployment), a paginated Scan for the audit. Entries are parsed, never trusted
 * as stored: an item no deployment could have written is an error, not a key.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { REGISTRY_SCHEMA } from '../core/constants';
import {
  InvalidRegistryEntryError,
  parseRegistryEntry,
  type KeyRegistry,
  type RegistryEntry,
} from '../core/registry';

/** How long a warm container keeps an entry: a deployment's change is seen within this time. */
const REGISTRY_CACHE_MS = 5 * 60_000;

export class DynamoKeyRegistry implements KeyRegistry {
  private readonly cache = new Map<string, { entry: RegistryEntry; until: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {}

  async lookup(secretName: string): Promise<RegistryEntry | undefined> {
    const now = this.options.now?.() ?? Date.now();
    const cached = this.cache.get(secretName);
    if (cached && cached.until > now) return cached.entry;
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [REGISTRY_SCHEMA.partitionKey]: secretName },
        ConsistentRead: true,
      }),
    );
    // A miss is not cached: the refusal path stays a fresh read, and a new deployment is seen at once.
    if (!out.Item) return undefined;
    const entry = toEntry(secretName, out.Item);
    this.cache.set(secretName, { entry, until: now + (this.options.cacheMs ?? REGISTRY_CACHE_MS) });
    return entry;
  }

  async list(): Promise<RegistryEntry[]> {
    const entries: RegistryEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) {
        const name = item[REGISTRY_SCHEMA.partitionKey];
        entries.push(toEntry(typeof name === 'string' ? name : '(unnamed)', item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }
}

/** The item's `policy` attribute holds the policy as JSON (CloudFormation hands custom resources strings). */
function toEntry(secretName: string, item: Record<string, unknown>): RegistryEntry {
  let policy: unknown;
  try {
    policy = JSON.parse(String(item[REGISTRY_SCHEMA.policy]));
  } catch {
    throw new InvalidRegistryEntryError(secretName, ['policy is not JSON']);
  }
  return parseRegistryEntry(secretName, {
    secretName: item[REGISTRY_SCHEMA.partitionKey],
    secretArn: item[REGISTRY_SCHEMA.secretArn],
    kmsKeyArn: item[REGISTRY_SCHEMA.kmsKeyArn],
    policy,
  });
}

/** The writer's side (the registry function alone may write: the table's resource policy denies everyone else). */
export class DynamoRegistryWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(entry: RegistryEntry): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [REGISTRY_SCHEMA.partitionKey]: entry.secretName,
          [REGISTRY_SCHEMA.secretArn]: entry.secretArn,
          [REGISTRY_SCHEMA.kmsKeyArn]: entry.kmsKeyArn,
          [REGISTRY_SCHEMA.policy]: JSON.stringify(entry.policy),
        },
      }),
    );
  }

  /** Remove the entry only if it still names this secret: a key re-registered elsewhere keeps its new entry. */
  async delete(entry: Pick<RegistryEntry, 'secretName' | 'secretArn'>): Promise<'deleted' | 'not-ours'> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [REGISTRY_SCHEMA.partitionKey]: entry.secretName },
          ConditionExpression: 'attribute_not_exists(#pk) OR #arn = :arn',
          ExpressionAttributeNames: {
            '#pk': REGISTRY_SCHEMA.partitionKey,
            '#arn': REGISTRY_SCHEMA.secretArn,
          },
          ExpressionAttributeValues: { ':arn': entry.secretArn },
        }),
      );
      return 'deleted';
    } catch (error) {
      if ((error as Error)?.name === 'ConditionalCheckFailedException') return 'not-ours';
      throw error;
    }
  }
}
