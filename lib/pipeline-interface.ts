import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { KeyturnRegistry } from './key-registry';

/** What a managed key needs from its pipeline; lets keys live in other stacks (shards) than the pipeline. */
export interface IKeyturnPipeline {
  /** The customer-managed KMS key that encrypts every managed secret. */
  readonly encryptionKey: kms.IKey;
  /** The one rotation function that serves every managed key. */
  readonly rotationFunction: lambda.IFunction;
  /** Prefix of managed secret names, e.g. `keyturn/`. */
  readonly secretPrefix: string;
  /** The deployed registry each key registers itself in. */
  readonly registry: KeyturnRegistry;
}
