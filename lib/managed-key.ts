/**
 * One managed API key: its secret (encrypted with the pipeline's KMS key, tagged for people), its entry in the
 * deployed registry (what the functions believe), and its rotation schedule.
 */
import { type CustomResource, RemovalPolicy, SecretValue, Tags } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BOOTSTRAP_SECRET_VALUE, TIERS } from '../lambdas/core/constants';
import type { KeyConfig } from './config/schema';
import type { IKeyturnPipeline } from './pipeline-interface';
import { keyTags } from './key-tags';

export interface ManagedKeyOptions {
  /** The key's validated configuration entry. */
  readonly key: KeyConfig;
}

export interface ManagedKeyProps extends ManagedKeyOptions {
  /** The pipeline whose KMS key and rotate function serve this key. */
  readonly pipeline: IKeyturnPipeline;
}

/** Secrets Manager's schedule for a key: the key's own rotation settings, else its tier's cadence. */
function rotationRulesFor(key: KeyConfig): secretsmanager.CfnRotationSchedule.RotationRulesProperty {
  const tier = TIERS[key.tier];
  const scheduleExpression =
    key.rotation?.scheduleExpression ?? `rate(${key.rotation?.everyDays ?? tier.rotateEveryDays} days)`;
  return { scheduleExpression, duration: `${key.rotation?.windowHours ?? tier.windowHours}h` };
}

export function secretNameFor(secretPrefix: string, key: Pick<KeyConfig, 'environment' | 'name'>): string {
  return `${secretPrefix}${key.environment}/${key.name}`;
}

export class ManagedKey extends Construct {
  public readonly secret: secretsmanager.Secret;
  public readonly rotationSchedule: secretsmanager.CfnRotationSchedule;
  public readonly config: KeyConfig;
  /** The key's entry in the deployed registry (lib/key-registry.ts). */
  public readonly registration: CustomResource;

  constructor(scope: Construct, id: string, props: ManagedKeyProps) {
    super(scope, id);
    const { key, pipeline } = props;
    this.config = key;
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: secretNameFor(pipeline.secretPrefix, key),
      description: `keyturn API key "${key.name}" (${key.environment}); owner ${key.owner}`,
      encryptionKey: pipeline.encryptionKey,
      // A placeholder, not a key: the rotation that runs on deploy issues the first key. The template never
      // changes it, so later deploys never overwrite a rotated value.
      secretStringValue: SecretValue.unsafePlainText(BOOTSTRAP_SECRET_VALUE),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [tagKey, value] of Object.entries(keyTags(key))) Tags.of(this.secret).add(tagKey, value);

    // The L1 schedule, not Secret.addRotationSchedule: the L2 adds one IAM statement and one KMS grant per
    // secret (policy size limits at scale), GetRandomPassword on "*", and an invoke permission with no source
    // account. The pipeline grants all of that once, scoped to managed secrets.
    this.rotationSchedule = new secretsmanager.CfnRotationSchedule(this, 'RotationSchedule', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: pipeline.rotationFunction.functionArn,
      rotationRules: rotationRulesFor(key),
      rotateImmediatelyOnUpdate: true,
    });
    // The function's permission and role policy must exist before Secrets Manager first invokes it.
    this.rotationSchedule.node.addDependency(pipeline.rotationFunction);
    // The deployed registry's entry: the functions act on this secret only once it exists (the first rotation
    // runs as soon as the schedule is created, so the schedule waits for it).
    this.registration = pipeline.registry.register(
      this,
      key,
      this.secret,
      secretNameFor(pipeline.secretPrefix, key),
    );
    this.rotationSchedule.node.addDependency(this.registration);
  }
}
