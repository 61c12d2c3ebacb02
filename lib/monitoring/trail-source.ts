/**
 * Where the CloudTrail records come from: a trail keyturn creates (multi-region, log file validation, KMS-encrypted,
 * to a log group with retention), or the log group of an organization's existing trail.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface TrailSourceProps {
  /** Encrypts the created trail's files and log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * An existing trail to read instead of creating one.
   * @default - a new trail is created
   */
  readonly existingTrail?: { readonly logGroupName: string; readonly trailName: string };
  /**
   * Retention of the created trail's log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
}

export class TrailSource extends Construct {
  public readonly logGroup: logs.ILogGroup;
  /** The trail's name (StopLogging/DeleteTrail on it raise alarms). */
  public readonly trailName: string;
  /** The trail created by keyturn, if any. */
  public readonly trail?: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: TrailSourceProps) {
    super(scope, id);
    if (props.existingTrail) {
      this.logGroup = logs.LogGroup.fromLogGroupName(this, 'LogGroup', props.existingTrail.logGroupName);
      this.trailName = props.existingTrail.trailName;
      return;
    }
    this.trailName = `${Stack.of(this).stackName}-keyturn`.slice(0, 128);
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket IS the access-log destination of the trail bucket; logging it into itself would loop',
    });
    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: this.trailName,
      bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      encryptionKey: props.encryptionKey,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: logGroup,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    // CloudTrail must be able to encrypt with the key, for this trail only (AWS's documented key policy). A no-op for
    // imported keys: their policy is their owner's job.
    const stack = Stack.of(this);
    const trailArn = stack.formatArn({
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: this.trailName,
    });
    const cloudtrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudtrailPrincipal],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`,
          },
        },
      }),
    );
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [cloudtrailPrincipal],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );
    this.logGroup = logGroup;
  }
}
