/**
 * keyturn's two SNS topics: `critical` pages on-call, `notice` informs. Both KMS-encrypted with the pipeline key
 * and refuse non-TLS publishers. Every keyturn function and alarm routes through these two topics.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export type Severity = 'critical' | 'notice';

export interface KeyturnNotificationsProps {
  /** Key that encrypts both topics. */
  readonly encryptionKey: kms.IKey;
}

export class KeyturnNotifications extends Construct {
  public readonly criticalTopic: sns.Topic;
  public readonly noticeTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: KeyturnNotificationsProps) {
    super(scope, id);
    this.criticalTopic = this.topic('Critical', 'keyturn critical: pages on-call', props.encryptionKey);
    this.noticeTopic = this.topic('Notice', 'keyturn notice', props.encryptionKey);
  }

  topicFor(severity: Severity): sns.Topic {
    return severity === 'critical' ? this.criticalTopic : this.noticeTopic;
  }

  /** Let `grantee` publish to both topics (and use the key to encrypt messages). */
  grantPublish(grantee: iam.IGrantable): void {
    this.criticalTopic.grantPublish(grantee);
    this.noticeTopic.grantPublish(grantee);
  }

  private topic(id: string, displayName: string, masterKey: kms.IKey): sns.Topic {
    return new sns.Topic(this, id, { displayName, masterKey, enforceSSL: true });
  }
}
