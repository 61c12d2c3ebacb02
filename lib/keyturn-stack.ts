/** The default keyturn stack: one pipeline and every configured key. */
import { Annotations, NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { KeyturnConfig } from './config/schema';
import type { ManagedKey } from './managed-key';
import { KeyturnPipeline } from './pipeline';
import { planShards, type ShardPlan } from './key-shards';

export interface KeyturnStackProps extends StackProps {
  /** The validated configuration (see lib/config). */
  readonly config: KeyturnConfig;
}

/** CDK construct ids must be unique and stable: derived from the key's environment and name. */
export function keyConstructId(key: { environment: string; name: string }): string {
  return `Key-${key.environment}-${key.name}`;
}

export class KeyturnStack extends Stack {
  public readonly pipeline: KeyturnPipeline;
  public readonly keys: ManagedKey[];
  /** The nested stacks holding the keys when they are sharded (empty: the keys are in this stack). */
  public readonly keyShards: NestedStack[] = [];
  public readonly shardPlan: ShardPlan;

  constructor(scope: Construct, id: string, props: KeyturnStackProps) {
    super(scope, id, props);
    const { pipeline } = props.config;
    this.pipeline = new KeyturnPipeline(this, 'Pipeline', {
      secretPrefix: pipeline.secretPrefix,
      logRetention: pipeline.logRetentionDays as logs.RetentionDays,
      monitoring: props.config.monitoring,
      notificationSubscriptions: props.config.notifications,
      audit: props.config.audit,
      leakResponse: props.config.leakResponse,
    });
    this.shardPlan = planShards(props.config.keys, pipeline.keyShards);
    if (this.shardPlan.shardCount === 0) {
      this.keys = props.config.keys.map((key) => this.pipeline.addKey(keyConstructId(key), { key }));
      return;
    }
    if (!this.shardPlan.pinned) {
      Annotations.of(this).addWarningV2(
        'keyturn:key-shards-default',
        `${props.config.keys.length} keys are spread over ${this.shardPlan.shardCount} key shard stacks by default: ` +
          `pin pipeline.keyShards to ${this.shardPlan.shardCount}, or a later change of the key count moves keys between stacks`,
      );
    }
    this.keys = this.shardPlan.shards.flatMap((keys, i) => {
      const shard = new NestedStack(this, `KeyShard${i}`, {
        description: `keyturn: managed keys, shard ${i} of ${this.shardPlan.shardCount}`,
      });
      this.keyShards.push(shard);
      return keys.map((key) => this.pipeline.addKey(keyConstructId(key), { key }, shard));
    });
  }
}
