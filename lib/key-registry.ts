/**
 * The deployed registry of managed keys (lambdas/core/registry.ts): a DynamoDB table holding one entry per key,
 * written during the deployment by a custom resource per key (Custom::KeyturnRegistration, so each secret's full
 * ARN is resolved by CloudFormation) through one writer function. The table's resource policy denies every item
 * write to every principal but the writer's role, so no runtime principal (keyturn's own functions included), and
 * no person, can add, change or remove an entry except by deploying. Functions get read grants only.
 */
import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { REGISTRY_ENV, REGISTRY_RESOURCE_TYPE, REGISTRY_SCHEMA } from '../lambdas/core/constants';
import type { KeyConfig } from './config/schema';
import { KeyturnFunction } from './keyturn-function';
import { providerSettingsFor } from './providers';

const REGISTRY_WRITER_ENTRY = path.join(__dirname, '..', 'lambdas', 'registry', 'handler.ts');

/** Every DynamoDB action that writes items: denied to all but the writer. */
const REGISTRY_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:RestoreTableFromBackup',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:ImportTable',
];

export interface KeyturnRegistryProps {
  /** The keyturn KMS key: the table is encrypted with it, and every entry names it as the secrets' key. */
  readonly encryptionKey: kms.IKey;
  /**
   * Retention of the writer function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A registry entry's policy, the shape lambdas/core/key-policy.ts KeyPolicy reads (lib/ may not import runtime
 * modules: test/infra/registry.test.ts parses every synthesized entry with the runtime's parser).
 */
interface RegistryPolicy {
  keyName: string;
  provider: string;
  environment: string;
  tier: string;
  overlapHours: number;
  leakPolicy: string;
  owner?: string;
  runbook?: string;
  linkedSystems: string[];
  providerSettings: Record<string, string>;
}

/** The policy a key's configuration gives it: what every function believes about the key. */
export function registryPolicyFor(key: KeyConfig): RegistryPolicy {
  return {
    keyName: key.name,
    provider: key.provider.kind,
    environment: key.environment,
    tier: key.tier,
    overlapHours: key.overlapHours,
    leakPolicy: key.leakPolicy,
    owner: key.owner,
    runbook: key.runbookUrl,
    linkedSystems: [...key.linkedSystems],
    providerSettings: providerSettingsFor(key),
  };
}

export class KeyturnRegistry extends Construct {
  public readonly table: dynamodb.Table;
  /** The function CloudFormation invokes to write entries (the only principal the table lets write). */
  public readonly writer: KeyturnFunction;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: KeyturnRegistryProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.writer = new KeyturnFunction(this, 'Writer', {
      entry: REGISTRY_WRITER_ENTRY,
      description: 'Writes the registry of managed keys during deployments (CloudFormation custom resource)',
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      // Deployments write entries a few at a time; a cap keeps a stray invoker from flooding the table.
      reservedConcurrentExecutions: 5,
    });
    const onlyTheWriter = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'OnlyTheDeploymentWritesTheRegistry',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: REGISTRY_WRITE_ACTIONS,
          // A resource policy may not name its own table (a cycle): "*" here means this table.
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.writer.role.roleArn } },
        }),
      ],
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: REGISTRY_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      resourcePolicy: onlyTheWriter,
    });
    this.writer.function.addEnvironment(REGISTRY_ENV.table, this.table.tableName);
    this.grantKey(this.writer.role, ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
    iam.Grant.addToPrincipal({
      grantee: this.writer.role,
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * Register `key`, whose secret is `secret`, in `scope` (the key's own construct, so it moves with the key into a
   * shard stack). The entry is written when CloudFormation creates the resource, rewritten when the configuration
   * changes, removed when the key leaves the configuration.
   */
  register(
    scope: Construct,
    key: KeyConfig,
    secret: secretsmanager.ISecret,
    secretName: string,
  ): CustomResource {
    const registration = new CustomResource(scope, 'Registration', {
      serviceToken: this.writer.function.functionArn,
      resourceType: REGISTRY_RESOURCE_TYPE,
      properties: {
        SecretName: secretName,
        SecretArn: secret.secretArn,
        KmsKeyArn: this.encryptionKey.keyArn,
        Policy: JSON.stringify(registryPolicyFor(key)),
      },
    });
    // The writer's permissions must exist before CloudFormation invokes it.
    registration.node.addDependency(this.writer);
    return registration;
  }

  /** Let `fn` look entries up (GetItem) and hand it the table's name. */
  grantLookup(fn: KeyturnFunction): void {
    this.grantReadActions(fn, ['dynamodb:GetItem']);
  }

  /** Let `fn` look entries up and list them all (the audit's drift report). */
  grantList(fn: KeyturnFunction): void {
    this.grantReadActions(fn, ['dynamodb:GetItem', 'dynamodb:Scan']);
  }

  private grantReadActions(fn: KeyturnFunction, actions: string[]): void {
    fn.function.addEnvironment(REGISTRY_ENV.table, this.table.tableName);
    this.grantKey(fn.role, ['kms:Decrypt']);
    iam.Grant.addToPrincipal({ grantee: fn.role, actions, resourceArns: [this.table.tableArn] });
  }

  private grantKey(grantee: iam.IGrantable, actions: string[]): void {
    this.encryptionKey.grant(
      new kms.ViaServicePrincipal(`dynamodb.${Stack.of(this).region}.amazonaws.com`, grantee.grantPrincipal),
      ...actions,
    );
  }
}
