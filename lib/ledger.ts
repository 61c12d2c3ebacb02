/**
 * The rotation ledger: one DynamoDB table where rotations, retirements, revocations, incidents and audit runs are
 * appended. Point-in-time recovery on, encrypted with the keyturn KMS key, retained on stack deletion. Entries of
 * one key share a partition; the sort key is the entry's idempotency key (a retried step writes once); a local
 * index orders a key's entries by time for `keyturn history`. Grants are methods: append (put only, never into an
 * issuance partition), record issuance (put into the `issued#*` partitions only: what createSecret recorded
 * issuing), read, and read of the issuance records alone.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LEDGER_SCHEMA } from '../lambdas/core/constants';

/** The partitions of the issuance records, as an IAM `dynamodb:LeadingKeys` pattern. */
const ISSUANCE_PARTITIONS = `${LEDGER_SCHEMA.issuancePrefix}*`;

export interface KeyturnLedgerProps {
  /** The keyturn KMS key; the table is encrypted with it. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN (the ledger is the audit trail: keep it)
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class KeyturnLedger extends Construct {
  public readonly table: dynamodb.Table;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: KeyturnLedgerProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const { partitionKey, sortKey, timeIndex, timeAttribute } = LEDGER_SCHEMA;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addLocalSecondaryIndex({
      indexName: timeIndex,
      sortKey: { name: timeAttribute, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /**
   * Let `grantee` append entries: PutItem only (no update, no delete: the ledger is append-only), outside the
   * issuance partitions (`dynamodb:LeadingKeys` not `issued#*`: a function that revokes must not be able to forge
   * the record it trusts before revoking), and the key through DynamoDB only.
   */
  grantAppend(grantee: iam.IGrantable): iam.Grant {
    return this.grantPut(grantee, {
      'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [ISSUANCE_PARTITIONS] },
    });
  }

  /**
   * Let `grantee` record the keys it issues: PutItem into the issuance partitions (`issued#*`) only. createSecret
   * alone (the rotate function) holds it.
   */
  grantRecordIssued(grantee: iam.IGrantable): iam.Grant {
    return this.grantPut(grantee, {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ISSUANCE_PARTITIONS] },
    });
  }

  /** Let `grantee` read a key's history: Query and GetItem on the table and its index. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    this.grantKey(grantee, ['kms:Decrypt']);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query', 'dynamodb:GetItem'],
      resourceArns: [this.table.tableArn, `${this.table.tableArn}/index/${LEDGER_SCHEMA.timeIndex}`],
    });
  }

  /**
   * Let `grantee` read what keyturn recorded issuing (the functions that revoke, and createSecret): Query on the
   * table, for items of the issuance partitions only (`dynamodb:LeadingKeys` `issued#*`), and the key through
   * DynamoDB only. No other ledger item, no index, no write.
   */
  grantReadIssued(grantee: iam.IGrantable): iam.Grant {
    this.grantKey(grantee, ['kms:Decrypt']);
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ISSUANCE_PARTITIONS] },
      },
    });
    return grant;
  }

  private grantPut(grantee: iam.IGrantable, conditions: Record<string, Record<string, unknown>>): iam.Grant {
    this.grantKey(grantee, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
      conditions,
    });
  }

  private grantKey(grantee: iam.IGrantable, actions: string[]): void {
    this.encryptionKey.grant(
      new kms.ViaServicePrincipal(`dynamodb.${Stack.of(this).region}.amazonaws.com`, grantee.grantPrincipal),
      ...actions,
    );
  }
}
