/**
 * Revocation reaches verifiers in seconds: the leak response writes a revocation record at contain (a real
 * DynamoDB-compatible table, dynalite on 127.0.0.1), the verifier reads it every `pollMs`, refuses a revoked key
 * whatever its cached set says (Secrets Manager up or down), and fails closed once the record cannot be read for
 * `maxUnconfirmedMs`. Clocks are injected.
 */
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import { DynamoRevocationStore } from '../../lambdas/aws/revocation-store';
import { REVOCATION_SCHEMA } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import {
  parseRevokedVersions,
  secretNameOf,
  type RevocationReader,
  type RevokedVersions,
} from '../../lambdas/core/revocations';
import { ApiKeyVerifier, type ApiKeyVerifierOptions } from '../../lambdas/verifier';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { buildWorld, createIncidentTable, leakEvent, selfIssuedKey, type World } from '../leak/world';

const sm = new FakeSecretsManager();
let dynamo: LocalDynamo;
let table = 0;
let clock: number;
const POLL = 5_000;
const BOUND = 20_000;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(() => {
  sm.reset();
  clock = Date.parse('2026-12-01T10:00:00Z');
});

async function revocationTable(): Promise<DynamoRevocationStore> {
  const name = `revocations-${++table}`;
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: REVOCATION_SCHEMA.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: REVOCATION_SCHEMA.partitionKey, KeyType: 'HASH' }],
    }),
  );
  return Object.assign(new DynamoRevocationStore(dynamo.client, name), { tableName: name });
}

async function leakWorld(): Promise<{ world: World; key: Awaited<ReturnType<typeof selfIssuedKey>> }> {
  const world = buildWorld(sm, new DynamoIncidentStore(dynamo.doc, await createIncidentTable(dynamo.client)));
  return { world, key: await selfIssuedKey(world) };
}

const keyOf = (arn: string, version: string) =>
  JSON.parse(sm.find(arn).versions.get(version)!.value!).key as string;

/** Answers at once (no I/O): the injected clock then measures the verifier alone. */
class MemoryReader implements RevocationReader {
  readonly records = new Map<string, string[]>();
  async read(names: readonly string[]): Promise<RevokedVersions> {
    return new Map(names.map((n) => [n, this.records.get(n) ?? []]));
  }
}

/** Counts reads and fails while `failing` is set. */
class CountingReader implements RevocationReader {
  reads = 0;
  failing = false;
  constructor(private readonly inner: RevocationReader) {}
  async read(names: readonly string[]): Promise<RevokedVersions> {
    this.reads++;
    if (this.failing)
      throw Object.assign(new Error('ProvisionedThroughputExceededException'), { name: 'Throttled' });
    return this.inner.read(names);
  }
}

function verifierFor(secretId: string, reader: RevocationReader, extra: Partial<ApiKeyVerifierOptions> = {}) {
  return new ApiKeyVerifier({
    keys: [{ name: 'billing-api', secretId, prefix: 'kt_live_' }],
    client: new SecretsManagerClient({}),
    now: () => clock,
    revocations: { reader, pollMs: POLL, maxUnconfirmedMs: BOUND },
    ...extra,
  });
}

const leak = (world: World, arn: string, store: DynamoRevocationStore) =>
  contain(
    { ...world.deps, revocations: store },
    leakEvent({ key: arn, where: 'https://github.com/acme/app/blob/main/.env', reportedBy: 'test' }),
  );

test('rule: a key the leak response revoked is refused at a verifier within pollMs, though its cached set is fresh', async () => {
  const { world, key } = await leakWorld();
  const store = await revocationTable();
  const verifier = verifierFor(key.arn, store);
  await verifier.warm();
  const current = keyOf(key.arn, key.current);
  await expect(verifier.verify(current)).resolves.toEqual({ valid: true, keyName: 'billing-api' });

  const state = await leak(world, key.arn, store);
  expect(state.revoked).toBe(true);
  clock += POLL - 1; // the last read is still fresh: the hot path answers from it
  await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
  clock += 1; // pollMs reached: this request starts a read in the background
  await verifier.verify(current);
  await verifier.pollRevocations();
  await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'revoked' });
  await expect(verifier.verify(keyOf(key.arn, key.previous))).resolves.toEqual({
    valid: false,
    reason: 'revoked',
  });
});

test('rule: while Secrets Manager fails, a revoked key is refused (stale data never masks a revocation); others are served stale', async () => {
  const { world, key } = await leakWorld();
  const store = await revocationTable();
  const verifier = verifierFor(key.arn, store, { ttlMs: 300_000, maxStaleMs: 3_600_000 });
  await verifier.warm();
  for (let i = 0; i < 1000; i++)
    sm.faults.push({ command: 'DescribeSecret', when: 'before', error: throttling() });
  clock += 600_000; // the set is 10 minutes old: stale, served because Secrets Manager fails
  await verifier.pollRevocations();
  const current = keyOf(key.arn, key.current);
  await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });

  // Only AWSPREVIOUS leaked: the stale set still serves AWSCURRENT, never the revoked version. (The leak
  // response's own Secrets Manager calls go through; the verifier's keep failing.)
  const keyId = JSON.parse(sm.find(key.arn).versions.get(key.previous)!.value!).keyId as string;
  sm.faults.length = 0;
  await contain(
    { ...world.deps, revocations: store },
    leakEvent({ key: key.arn, keyId, where: 'https://example.com/paste', reportedBy: 'test' }),
  );
  for (let i = 0; i < 1000; i++)
    sm.faults.push({ command: 'DescribeSecret', when: 'before', error: throttling() });
  clock += POLL;
  await verifier.pollRevocations();
  await expect(verifier.verify(keyOf(key.arn, key.previous))).resolves.toEqual({
    valid: false,
    reason: 'revoked',
  });
  await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
  expect(sm.callCount('DescribeSecret')).toBeGreaterThan(0);
});

test('guard: when the revocation record cannot be read past maxUnconfirmedMs, every key is refused; before the bound it is served', async () => {
  const { key } = await leakWorld();
  const reader = new CountingReader(await revocationTable());
  const errors: string[] = [];
  const verifier = verifierFor(key.arn, reader, { onRefreshError: (e) => errors.push((e as Error).name) });
  await verifier.warm();
  const current = keyOf(key.arn, key.current);
  reader.failing = true;
  clock += BOUND; // exactly at the bound: still confirmed
  await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
  clock += 1; // past it: fail closed
  await expect(verifier.verify(current)).resolves.toEqual({ valid: false, reason: 'unavailable' });
  expect(errors).toContain('Throttled');

  reader.failing = false; // the store answers again: keys are accepted again
  clock += 1_000;
  await expect(verifier.verify(current)).resolves.toMatchObject({ valid: true });
});

test('guard: a verifier that never read the record refuses every key until it can (cold start with the store down)', async () => {
  const { key } = await leakWorld();
  const reader = new CountingReader(await revocationTable());
  reader.failing = true;
  const verifier = verifierFor(key.arn, reader);
  await expect(verifier.verify(keyOf(key.arn, key.current))).resolves.toEqual({
    valid: false,
    reason: 'unavailable',
  });
});

test('attacker: a flood of requests reads the record once per pollMs, concurrent requests share one read', async () => {
  const { key } = await leakWorld();
  const reader = new CountingReader(new MemoryReader());
  const verifier = verifierFor(key.arn, reader);
  await verifier.warm();
  expect(reader.reads).toBe(1);
  const current = keyOf(key.arn, key.current);
  const bogus = 'kt_live_' + 'A'.repeat(40);
  for (let t = 0; t < 60_000; t += 50) {
    clock += 50;
    await Promise.all([verifier.verify(current), verifier.verify(bogus), verifier.verify(current)]);
  }
  await verifier.pollRevocations();
  expect(reader.reads).toBeLessThanOrEqual(60_000 / POLL + 1);
  expect(reader.reads).toBeGreaterThanOrEqual(60_000 / POLL);
  // A failing store is retried at most once a second, not once per request.
  reader.failing = true;
  const before = reader.reads;
  for (let t = 0; t < 10_000; t += 10) {
    clock += 10;
    await verifier.verify(current);
  }
  expect(reader.reads - before).toBeLessThanOrEqual(10);
});

test('attacker: another secret’s record and malformed version ids do not refuse this key', async () => {
  const { key } = await leakWorld();
  const store = await revocationTable();
  await store.publish('keyturn/prod/other-api', [key.current], new Date(clock));
  const verifier = verifierFor(key.arn, store);
  await verifier.warm();
  await expect(verifier.verify(keyOf(key.arn, key.current))).resolves.toMatchObject({ valid: true });
  expect(parseRevokedVersions(`${key.current} ../x <script> ${'a'.repeat(65)}`)).toEqual([key.current]);
  expect(parseRevokedVersions(42)).toEqual([]);
});

test('rule: the record is keyed by secret name, read by a verifier configured with the full ARN', async () => {
  expect(
    secretNameOf('arn:aws:secretsmanager:eu-west-1:111122223333:secret:keyturn/prod/billing-api-AbC123'),
  ).toBe('keyturn/prod/billing-api');
  expect(secretNameOf('keyturn/prod/billing-api')).toBe('keyturn/prod/billing-api');
  const { world, key } = await leakWorld();
  const store = await revocationTable();
  const names: string[] = [];
  const reader: RevocationReader = {
    read: (n) => {
      names.push(...n);
      return store.read(n);
    },
  };
  const verifier = verifierFor(key.arn, reader); // key.arn is the full ARN
  await verifier.warm(); // the record is read before the set is loaded: by the name in the ARN
  expect(names).toEqual(['keyturn/prod/billing-api']);
  await leak(world, key.arn, store);
  clock += POLL;
  await verifier.pollRevocations();
  await expect(verifier.verify(keyOf(key.arn, key.current))).resolves.toEqual({
    valid: false,
    reason: 'revoked',
  });
});

test('rule: the record holds the secret name and version ids only, never key material', async () => {
  const { world, key } = await leakWorld();
  const store = await revocationTable();
  await leak(world, key.arn, store);
  const item = await dynamo.client.send(
    new GetItemCommand({
      TableName: (store as unknown as { tableName: string }).tableName,
      Key: { [REVOCATION_SCHEMA.partitionKey]: { S: 'keyturn/prod/billing-api' } },
    }),
  );
  const text = JSON.stringify(item.Item);
  expect(parseRevokedVersions(item.Item?.[REVOCATION_SCHEMA.revokedAttribute]?.S).sort()).toEqual(
    [key.current, key.previous].sort(),
  );
  for (const version of [key.current, key.previous]) expect(text).not.toContain(keyOf(key.arn, version));
});

test('adapter: BatchGetItem for several keys; absent records mean nothing revoked; a missing table throws', async () => {
  const store = await revocationTable();
  await store.publish('keyturn/prod/a', ['v-1', 'v-2'], new Date(clock));
  const read = await store.read(['keyturn/prod/a', 'keyturn/prod/b']);
  expect(read.get('keyturn/prod/a')).toEqual(['v-1', 'v-2']);
  expect(read.get('keyturn/prod/b')).toEqual([]);
  await expect(new DynamoRevocationStore(dynamo.client, 'no-such-table').read(['x'])).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
});

test('guard: revocation options outside the 30 s promise are refused at construction, naming the field; sane ones pass', () => {
  const build = (revocations: ApiKeyVerifierOptions['revocations']) =>
    new ApiKeyVerifier({ keys: [{ name: 'k', secretId: 's', prefix: 'kt_live_' }], revocations });
  expect(() => build({ tableName: 't', maxUnconfirmedMs: 60_000 })).toThrow(/revocations.maxUnconfirmedMs/);
  expect(() => build({ tableName: 't', pollMs: 500 })).toThrow(/revocations.pollMs/);
  expect(() => build({ tableName: 't', pollMs: 10_000, maxUnconfirmedMs: 5_000 })).toThrow(
    /maxUnconfirmedMs: must be pollMs/,
  );
  expect(() => build({})).toThrow(/revocations.tableName/);
  expect(() => build({ tableName: 't' })).not.toThrow();
  expect(() => build({ tableName: 't', pollMs: 2_000, maxUnconfirmedMs: 30_000 })).not.toThrow();
});
