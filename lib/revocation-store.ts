/**
 * The revocation table: one small item per secret whose versions the leak response revoked, written at contain and
 * read by every verifier every few seconds (lambdas/verifier, docs/verifier.md). On-demand billing: a verifier's
 * eventually consistent read of a tiny item is half a read request unit, so polling every 5 s costs cents per
 * container-month where Secrets Manager reads would cost dollars. The items hold secret names and version ids only
 * (never key material), so the table uses DynamoDB's own encryption and consumers need no KMS grant.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { REVOCATION_SCHEMA } from '../lambdas/core/constants';

export interface KeyturnRevocationStoreProps {
  /**
   * What happens to the table when the stack is deleted. The records are derived (the revoked-versions tag holds
   * the same ids), so nothing is lost with it.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class KeyturnRevocationStore extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: KeyturnRevocationStoreProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: REVOCATION_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** The leak response: PutItem only (it writes the full list of a secret's revoked versions). */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
    });
  }

  /** A verifier's consumer (any service that embeds ApiKeyVerifier): read-only, GetItem and BatchGetItem. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      resourceArns: [this.table.tableArn],
    });
  }
}
