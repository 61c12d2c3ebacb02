/**
 * Every log group in the pipeline (functions, state machine, trail) is encrypted with keyturn's KMS key: logs hold
 * key names, principals and incident details, and the account's other readers of CloudWatch Logs should not.
 * An aspect, so a log group added later by any construct is covered without remembering to pass the key.
 */
import { Aspects, Stack, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';

class EncryptLogGroups implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  visit(node: IConstruct): void {
    // A log group that names its own key keeps it.
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) node.kmsKeyId = this.key.keyArn;
  }
}

/**
 * Encrypt every log group under `scope` with `key`, and let CloudWatch Logs of this account and region use the key
 * for log groups only (the encryption context names a log group ARN). A key you bring (`encryptionKey`) must allow
 * the same in its own policy: an imported key's policy cannot be changed here.
 */
export function encryptLogGroups(scope: Construct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchLogsEncryptKeyturnLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );
  Aspects.of(scope).add(new EncryptLogGroups(key));
}
