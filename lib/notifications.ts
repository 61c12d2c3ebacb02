/**
 * keyturn's two SNS topics: `critical` pages on-call, `notice` informs. Both KMS-encrypted with the pipeline key
 * and refuse non-TLS publishers. Every keyturn function and alarm routes through these two topics.
 */
import { Annotations, Aspects, Stack, type IAspect } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { NotificationsConfig } from './config/monitoring';
import { Construct, type IConstruct } from 'constructs';
import { STACK_OUTPUTS } from '../lambdas/core/constants';

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
    Aspects.of(this).add(new WarnWhenNobodyIsPaged(this));
  }

  topicFor(severity: Severity): sns.Topic {
    return severity === 'critical' ? this.criticalTopic : this.noticeTopic;
  }

  /**
   * Subscribe the configured endpoints. Every message carries the attributes `severity`, `kind` and, when known,
   * `key` and `environment`; a subscription's `filter` becomes an SNS filter policy on them. An SQS queue
   * encrypted with its own KMS key must let sns.amazonaws.com use that key (the queue owner's policy).
   */
  addSubscriptions(config: NotificationsConfig): sns.Subscription[] {
    const out: sns.Subscription[] = [];
    (['critical', 'notice'] as const).forEach((severity) => {
      config[severity].forEach((s, index) => {
        const filterPolicy = s.filter
          ? Object.fromEntries(
              Object.entries(s.filter)
                .filter(([, values]) => values?.length)
                .map(([attribute, values]) => [
                  attribute,
                  sns.SubscriptionFilter.stringFilter({ allowlist: values }),
                ]),
            )
          : undefined;
        const id = `${severity}-${index}`;
        const subscription =
          s.protocol === 'email'
            ? new subs.EmailSubscription(s.endpoint, { filterPolicy })
            : s.protocol === 'https'
              ? new subs.UrlSubscription(s.endpoint, {
                  protocol: sns.SubscriptionProtocol.HTTPS,
                  filterPolicy,
                })
              : s.protocol === 'sqs'
                ? new subs.SqsSubscription(sqs.Queue.fromQueueArn(this, `Queue-${id}`, s.endpoint), {
                    filterPolicy,
                  })
                : new subs.LambdaSubscription(
                    lambda.Function.fromFunctionArn(this, `Function-${id}`, s.endpoint),
                    { filterPolicy },
                  );
        const topic = this.topicFor(severity);
        const before = topic.node.children.length;
        topic.addSubscription(subscription);
        out.push(
          ...topic.node.children
            .slice(before)
            .filter((c): c is sns.Subscription => c instanceof sns.Subscription),
        );
      });
    });
    return out;
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

/**
 * Synth warns when no subscription in the app targets the critical topic: every page would go nowhere. Checked once
 * the tree is complete (aspects run before synthesis), so subscriptions added anywhere, from the configuration or
 * by the consumer's own `topic.addSubscription`, count.
 */
class WarnWhenNobodyIsPaged implements IAspect {
  constructor(private readonly notifications: KeyturnNotifications) {}

  visit(node: IConstruct): void {
    if (node !== this.notifications) return;
    const topic = this.notifications.criticalTopic;
    const stack = Stack.of(topic);
    const target = JSON.stringify(stack.resolve(topic.topicArn));
    const subscribed = node.node.root.node
      .findAll()
      .some(
        (c) =>
          c instanceof sns.CfnSubscription &&
          Stack.of(c) === stack &&
          JSON.stringify(stack.resolve(c.topicArn)) === target,
      );
    if (subscribed) return;
    Annotations.of(topic).addWarningV2(
      'keyturn:no-critical-subscriber',
      'Nobody is subscribed to the critical topic, so no alarm or leak page reaches anyone. Add an endpoint to ' +
        '"notifications.critical" (email, https, sqs or lambda), or after deploy subscribe on-call to the stack ' +
        `output ${STACK_OUTPUTS.criticalTopicArn}.`,
    );
  }
}
