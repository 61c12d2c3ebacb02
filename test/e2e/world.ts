/**
 * The emulator world of one e2e test file: moto on a free port, the proxy that plays the rotation service in
 * front of it, the stack's shared resources created through the SDK (topics read through SQS, ledger and incident
 * tables, the retirement schedule group and dead-letter queue), and each Lambda's exported handler imported with
 * the environment the stack gives that function. Handlers build SDK clients at module scope, so the environment
 * is set before each import.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AUDIT_ENV,
  BOOTSTRAP_SECRET_VALUE,
  ENV,
  LEAK_ENV,
  LEDGER_SCHEMA,
  METRICS_NAMESPACE,
  REGISTRY_ENV,
  REGISTRY_SCHEMA,
  RETIREMENT_ENV,
  SDK_RETRY_ENV,
  STAGE,
  TAGS,
  TIERS,
  type Tier,
} from '../../lambdas/core/constants';
import { parseSecretContent, type StoredKey } from '../../lambdas/core/stored-key';
import { DynamoRegistryWriter } from '../../lambdas/aws/key-registry';
import { lambdaContext } from '../helpers/lambda';
import { startMotoProxy, type MotoProxy, type RotationFunction } from '../helpers/moto-proxy';
import { awsEnvFor, MOTO_ACCOUNT, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto-server';

export const SECRET_PREFIX = 'keyturn/';
/** keyturn's KMS key as the stack's secrets name it (moto stores KmsKeyId as given). */
const KEYTURN_KMS_KEY_ARN = `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT}:key/0b1c2d3e-4f5a-4b7c-8d9e-keyturn00001`;
const arnOf = (service: string, resource: string) =>
  `arn:aws:${service}:${MOTO_REGION}:${MOTO_ACCOUNT}:${resource}`;
export const ROTATE_FUNCTION_ARN = arnOf('lambda', 'function:keyturn-rotate');
export const RETIRE_FUNCTION_ARN = arnOf('lambda', 'function:keyturn-retire');
const SCHEDULE_GROUP = 'keyturn-retirement';

export type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** The environment each function gets from the stack (lib/pipeline.ts, retirement.ts, audit.ts, leak-response.ts). */
export interface StackEnv {
  rotate: Record<string, string>;
  retire: Record<string, string>;
  audit: Record<string, string>;
  leak: Record<string, string>;
  cli: Record<string, string>;
}

export interface World {
  moto: MotoServer;
  proxy: MotoProxy;
  env: StackEnv;
  sm: SecretsManagerClient;
  iam: IAMClient;
  apigw: APIGatewayClient;
  dynamo: DynamoDBDocumentClient;
  scheduler: SchedulerClient;
  sqs: SQSClient;
  scheduleGroup: string;
  ledgerTable: string;
  /** The deployed registry's table (every function's REGISTRY_ENV.table). */
  registryTable: string;
  incidentTable: string;
  topics: { critical: string; notice: string };
  /** Messages published to a topic so far (SNS → SQS, drained on each call and kept). */
  published(topic: 'critical' | 'notice'): Promise<Array<{ subject?: string; message: string }>>;
  /** Import a handler module with `env` (plus the endpoint and fake credentials) set while it loads. */
  load<T>(modulePath: string, env: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

async function withEnv<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function startWorld(): Promise<World> {
  const moto = await startMoto();
  const proxy = await startMotoProxy(moto.url);
  // The SDK resolves region, endpoint and credentials from the environment at each call, not at construction:
  // these stay set until stop(). Each function's own variables are set only while its module loads.
  // Every function gets the SDK's retry settings from the stack (lib/keyturn-function.ts), read at each call too.
  const aws = { ...awsEnvFor(proxy.url), ...SDK_RETRY_ENV };
  const savedAws = new Map(Object.keys(aws).map((k) => [k, process.env[k]]));
  Object.assign(process.env, aws);
  // Clients the tests use: the same endpoint and credentials, given explicitly.
  const config = {
    endpoint: proxy.url,
    region: MOTO_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const sm = new SecretsManagerClient(config);
  const iam = new IAMClient(config);
  const apigw = new APIGatewayClient(config);
  const ddb = new DynamoDBClient(config);
  const dynamo = DynamoDBDocumentClient.from(ddb);
  const scheduler = new SchedulerClient(config);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);

  const ledgerTable = 'keyturn-ledger';
  // The deployed registry (lib/key-registry.ts): deployManagedSecret writes each key's entry as the deployment's
  // writer function does; every function reads it.
  const registryTable = 'keyturn-registry';
  await ddb.send(
    new CreateTableCommand({
      TableName: registryTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: REGISTRY_SCHEMA.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: REGISTRY_SCHEMA.partitionKey, KeyType: 'HASH' }],
    }),
  );
  const incidentTable = 'keyturn-incidents';
  await ddb.send(
    new CreateTableCommand({
      TableName: ledgerTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: LEDGER_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: LEDGER_SCHEMA.sortKey, AttributeType: 'S' },
        { AttributeName: LEDGER_SCHEMA.timeAttribute, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: LEDGER_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: LEDGER_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: LEDGER_SCHEMA.timeIndex,
          KeySchema: [
            { AttributeName: LEDGER_SCHEMA.partitionKey, KeyType: 'HASH' },
            { AttributeName: LEDGER_SCHEMA.timeAttribute, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: incidentTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );

  const topics = { critical: '', notice: '' };
  const queues = { critical: '', notice: '' };
  for (const which of ['critical', 'notice'] as const) {
    topics[which] = (await sns.send(new CreateTopicCommand({ Name: `keyturn-${which}` }))).TopicArn!;
    queues[which] = (
      await sqs.send(new CreateQueueCommand({ QueueName: `keyturn-${which}-inbox` }))
    ).QueueUrl!;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues[which], AttributeNames: ['QueueArn'] }),
    );
    await sns.send(
      new SubscribeCommand({ TopicArn: topics[which], Protocol: 'sqs', Endpoint: Attributes!.QueueArn }),
    );
  }
  const seen: Record<'critical' | 'notice', Array<{ subject?: string; message: string }>> = {
    critical: [],
    notice: [],
  };
  const published = async (which: 'critical' | 'notice') => {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues[which], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        const envelope = JSON.parse(m.Body ?? '{}') as { Subject?: string; Message?: string };
        seen[which].push({ subject: envelope.Subject, message: envelope.Message ?? '' });
      }
      // Not deleted: moto hides them for the visibility timeout, which outlasts a test file.
    }
    return seen[which];
  };

  await scheduler.send(new CreateScheduleGroupCommand({ Name: SCHEDULE_GROUP }));
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'keyturn-retire-dlq' }))).QueueUrl!;
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;

  const common = {
    [ENV.metricsNamespace]: METRICS_NAMESPACE,
    [ENV.secretNamePrefix]: SECRET_PREFIX,
    [REGISTRY_ENV.table]: registryTable,
  };
  const env: StackEnv = {
    rotate: {
      ...common,
      [ENV.ledgerTable]: ledgerTable,
      [RETIREMENT_ENV.groupName]: SCHEDULE_GROUP,
      [RETIREMENT_ENV.retireFunctionArn]: RETIRE_FUNCTION_ARN,
      [RETIREMENT_ENV.schedulerRoleArn]: arnOf('iam', 'role/keyturn-retire-scheduler').replace(
        `:${MOTO_REGION}:`,
        '::',
      ),
      [RETIREMENT_ENV.deadLetterQueueArn]: dlqArn,
    },
    retire: { ...common, [ENV.noticeTopicArn]: topics.notice, [ENV.ledgerTable]: ledgerTable },
    audit: {
      ...common,
      [ENV.criticalTopicArn]: topics.critical,
      [ENV.noticeTopicArn]: topics.notice,
      [ENV.ledgerTable]: ledgerTable,
      [AUDIT_ENV.graceHours]: '24',
      [AUDIT_ENV.stuckPendingHours]: '6',
      [AUDIT_ENV.unusedDays]: '30',
      [AUDIT_ENV.expiryWarningDays]: '14',
    },
    leak: {
      ...common,
      [ENV.criticalTopicArn]: topics.critical,
      [ENV.noticeTopicArn]: topics.notice,
      [ENV.ledgerTable]: ledgerTable,
      [LEAK_ENV.incidentTable]: incidentTable,
      [LEAK_ENV.dedupeWindowSeconds]: '3600',
    },
    cli: {
      [ENV.secretNamePrefix]: SECRET_PREFIX,
      [ENV.ledgerTable]: ledgerTable,
      [LEAK_ENV.incidentTable]: incidentTable,
    },
  };

  return {
    moto,
    proxy,
    env,
    sm,
    iam,
    apigw,
    dynamo,
    scheduler,
    sqs,
    scheduleGroup: SCHEDULE_GROUP,
    ledgerTable,
    registryTable,
    incidentTable,
    topics,
    published,
    load: <T>(modulePath: string, moduleEnv: Record<string, string>) =>
      // require, not import(): under NodeNext a dynamic import stays an ES import, which jest's CommonJS
      // runtime refuses. Paths are relative to this file (test/e2e), like the tests' own.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      withEnv(moduleEnv, async () => require(modulePath) as T),
    stop: async () => {
      // A rotation still running (e.g. after `keyturn rotate` saw AWSCURRENT move) finishes before moto goes.
      await proxy.settled();
      for (const client of [sm, iam, apigw, ddb, scheduler, sqs, sns]) client.destroy();
      await proxy.stop();
      await moto.stop();
      for (const [k, v] of savedAws) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}

/** Import the rotate handler as the stack configures it and host it as the rotation function. */
export async function hostRotateFunction(world: World): Promise<Handler> {
  const { handler } = await world.load<{ handler: Handler }>(
    '../../lambdas/rotate/handler',
    world.env.rotate,
  );
  world.proxy.hostRotationFunction(ROTATE_FUNCTION_ARN, handler as RotationFunction);
  return handler;
}

export interface ManagedSecretInput {
  keyName: string;
  provider: string;
  environment?: string;
  tier?: Tier;
  overlapHours?: number;
  leakPolicy?: 'revoke-first' | 'rotate-then-revoke';
  providerSettings?: Record<string, string>;
  extraTags?: Record<string, string>;
}

/**
 * A managed secret as the stack deploys it: the bootstrap value, keyturn's tags, and a rotation schedule on the
 * rotate function; CloudFormation's RotationSchedule rotates it at once, so the first key is issued here.
 */
export async function deployManagedSecret(world: World, input: ManagedSecretInput): Promise<string> {
  const environment = input.environment ?? 'test';
  const tier = input.tier ?? 'standard';
  const tags: Record<string, string> = {
    [TAGS.managed]: 'true',
    [TAGS.keyName]: input.keyName,
    [TAGS.provider]: input.provider,
    [TAGS.environment]: environment,
    [TAGS.tier]: tier,
    [TAGS.overlapHours]: String(input.overlapHours ?? 24),
    [TAGS.leakPolicy]: input.leakPolicy ?? 'revoke-first',
    [TAGS.owner]: 'payments-team',
    [TAGS.backupOwner]: 'platform-oncall',
    [TAGS.scopes]: 'orders:read',
    [TAGS.runbook]: 'https://runbooks.example.com/keys',
    ...Object.fromEntries(
      Object.entries(input.providerSettings ?? {}).map(([k, v]) => [`${TAGS.providerSetting}${k}`, v]),
    ),
    ...input.extraTags,
  };
  const name = `${SECRET_PREFIX}${environment}/${input.keyName}`;
  const created = await world.sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: BOOTSTRAP_SECRET_VALUE,
      KmsKeyId: KEYTURN_KMS_KEY_ARN,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  // What the stack's Custom::KeyturnRegistration writes for the key (before its rotation schedule exists).
  await new DynamoRegistryWriter(world.dynamo, world.registryTable).put({
    secretName: name,
    secretArn: created.ARN!,
    kmsKeyArn: KEYTURN_KMS_KEY_ARN,
    policy: {
      keyName: input.keyName,
      provider: input.provider,
      environment,
      tier,
      overlapHours: input.overlapHours ?? 24,
      leakPolicy: input.leakPolicy ?? 'revoke-first',
      owner: 'payments-team',
      runbook: 'https://runbooks.example.com/keys',
      linkedSystems: [],
      providerSettings: { ...(input.providerSettings ?? {}) },
    },
  });
  await rotateAndSettle(world, created.ARN!, undefined, {
    RotationLambdaARN: ROTATE_FUNCTION_ARN,
    RotationRules: { AutomaticallyAfterDays: TIERS[tier].rotateEveryDays },
  });
  return created.ARN!;
}

/** RotateSecret (as a person, the CLI or the leak response would call it) and wait for the service's four steps. */
export async function rotateAndSettle(
  world: World,
  secretArn: string,
  token?: string,
  extra: Partial<ConstructorParameters<typeof RotateSecretCommand>[0]> = {},
): Promise<string> {
  const before = world.proxy.rotations.length;
  const out = await world.sm.send(
    new RotateSecretCommand({
      SecretId: secretArn,
      ClientRequestToken: token,
      RotateImmediately: true,
      ...extra,
    }),
  );
  await world.proxy.settled();
  const run = world.proxy.rotations.slice(before).find((r) => r.token === out.VersionId);
  if (!run) throw new Error(`no rotation ran for ${secretArn}`);
  if (run.outcome === 'failed') throw run.error ?? new Error('rotation failed');
  return out.VersionId!;
}

export async function stagesOf(world: World, secretArn: string): Promise<Record<string, string[]>> {
  const out = await world.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
  return out.VersionIdsToStages ?? {};
}

export async function versionWith(
  world: World,
  secretArn: string,
  stage: string,
): Promise<string | undefined> {
  const stages = await stagesOf(world, secretArn);
  return Object.entries(stages).find(([, s]) => s.includes(stage))?.[0];
}

/** The key a version holds (parsed as keyturn stores it). */
export async function storedKey(world: World, secretArn: string, versionId?: string): Promise<StoredKey> {
  const out = await world.sm.send(
    new GetSecretValueCommand({
      SecretId: secretArn,
      ...(versionId ? { VersionId: versionId } : { VersionStage: STAGE.current }),
    }),
  );
  const parsed = parseSecretContent(out.SecretString ?? '');
  if (!parsed.ok || parsed.content.kind !== 'key') throw new Error(`version holds no key: ${versionId}`);
  return parsed.content.key;
}

export function invoke(handler: Handler, event: unknown, functionName = 'keyturn-test') {
  return handler(event, lambdaContext(functionName));
}
