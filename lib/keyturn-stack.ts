/** The default keyturn stack: one pipeline and every configured key. */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { KeyturnConfig } from './config/schema';
import type { ManagedKey } from './managed-key';
import { KeyturnPipeline } from './pipeline';

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

  constructor(scope: Construct, id: string, props: KeyturnStackProps) {
    super(scope, id, props);
    const { pipeline } = props.config;
    this.pipeline = new KeyturnPipeline(this, 'Pipeline', {
      secretPrefix: pipeline.secretPrefix,
      logRetention: pipeline.logRetentionDays as logs.RetentionDays,
      monitoring: props.config.monitoring,
      notificationSubscriptions: props.config.notifications,
      audit: props.config.audit,
    });
    this.keys = props.config.keys.map((key) => this.pipeline.addKey(keyConstructId(key), { key }));
  }
}
