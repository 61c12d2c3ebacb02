/** The default keyturn stack: one pipeline and every configured key. */
import { Annotations, CfnOutput, NestedStack, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { foreignArns } from './config/arns';
import type { KeyturnConfig } from './config/schema';
import type { ManagedKey } from './managed-key';
import { KeyturnPipeline } from './pipeline';
import { planShards, type ShardPlan } from './key-shards';
import { ENV, LEAK_ENV, SCANNING_OUTPUTS, STACK_OUTPUTS } from '../lambdas/core/constants';

export { SCANNING_OUTPUTS, STACK_OUTPUTS };
import { KeyturnScanningIntake } from './scanning-intake';

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
  /** The secret scanning intake, when `secretScanning.enabled`. */
  public readonly scanningIntake?: KeyturnScanningIntake;

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
    const scanning = props.config.secretScanning;
    if (scanning?.enabled) {
      this.scanningIntake = new KeyturnScanningIntake(this, 'SecretScanning', {
        pipeline: this.pipeline,
        stateMachine: this.pipeline.leakResponse.stateMachine,
        publicKeysUrl: scanning.publicKeysUrl,
        rateLimitPerSecond: scanning.rateLimitPerSecond,
        burstLimit: scanning.burstLimit,
        reservedConcurrency: scanning.reservedConcurrency,
      });
    }
    this.addOutputs();
    this.warnOfForeignArns(props.config);
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

  /** The outputs on-call and scripts read, under the stable names of STACK_OUTPUTS (their logical ids). */
  private addOutputs(): void {
    const { notifications, ledgerTable, leakResponse } = this.pipeline;
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out(
      STACK_OUTPUTS.criticalTopicArn,
      notifications.criticalTopic.topicArn,
      'keyturn critical topic: subscribe on-call (pages)',
    );
    out(STACK_OUTPUTS.noticeTopicArn, notifications.noticeTopic.topicArn, 'keyturn notice topic (informs)');
    out(
      STACK_OUTPUTS.ledgerTableName,
      ledgerTable.tableName,
      `keyturn rotation ledger: \`keyturn history\` reads it (or $${ENV.ledgerTable})`,
    );
    out(
      STACK_OUTPUTS.incidentTableName,
      leakResponse.incidentTable.tableName,
      `keyturn leak incidents: \`keyturn incident\` reads it (or $${LEAK_ENV.incidentTable})`,
    );
    out(
      STACK_OUTPUTS.leakStateMachineArn,
      leakResponse.stateMachine.stateMachineArn,
      'keyturn leak response state machine',
    );
    out(
      STACK_OUTPUTS.leakEventBusName,
      leakResponse.eventBus.eventBusName,
      'the leak bus: takes "API Key Leaked" events (source keyturn) from the configured senders only (keyturn leak --event-bus)',
    );
    out(
      STACK_OUTPUTS.revocationTableName,
      leakResponse.revocations.tableName,
      `keyturn revocation table: pass it to ApiKeyVerifier({ revocations: { tableName } }) (docs/verifier.md); the leak function has it as $${LEAK_ENV.revocationTable}`,
    );
    if (this.scanningIntake) {
      out(
        SCANNING_OUTPUTS.reportUrl,
        this.scanningIntake.reportUrl,
        'Register with the scanning partner as the endpoint for leak reports (docs/secret-scanning.md)',
      );
      out(
        SCANNING_OUTPUTS.validityUrl,
        this.scanningIntake.validityUrl,
        'Register with the scanning partner as the validity-check endpoint (docs/secret-scanning.md)',
      );
    }
  }

  /**
   * A warning per configured ARN of another account or region than the one the stack deploys to: the stack's `env`
   * when it has one, else the account and region the CDK CLI deploys with (CDK_DEFAULT_ACCOUNT / _REGION, from
   * the caller's credentials). Nothing to compare with (no env, no credentials): no check.
   */
  private warnOfForeignArns(config: KeyturnConfig): void {
    const known = (value: string) => (Token.isUnresolved(value) ? undefined : value);
    const target = {
      account: known(this.account) ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: known(this.region) ?? process.env.CDK_DEFAULT_REGION,
    };
    for (const f of foreignArns(config, target)) {
      Annotations.of(this).addWarningV2(
        'keyturn:foreign-arn',
        `${f.path} (${f.arn.slice(0, 256)}) names ${f.differs.join(' and ')}. Check it is meant (a copy ` +
          'from another environment?); access across accounts also needs a policy on the other side.',
      );
    }
  }
}
