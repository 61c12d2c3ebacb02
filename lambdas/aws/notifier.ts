/** Publishes keyturn notifications to SNS, with message attributes that subscribers can filter on. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

type Severity = 'critical' | 'notice';

interface Notification {
  severity: Severity;
  /** What kind of event, e.g. `rotation-failed`, `leak`, `audit`, `retirement-failed`. */
  kind: string;
  subject: string;
  /** Human text. Never key material. */
  message: string;
  keyName?: string;
  environment?: string;
}

interface NotificationTopics {
  critical: string;
  notice: string;
}

export class SnsNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topics: NotificationTopics,
  ) {}

  async publish(n: Notification): Promise<string | undefined> {
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {
      severity: { DataType: 'String', StringValue: n.severity },
      kind: { DataType: 'String', StringValue: n.kind },
    };
    if (n.keyName) attributes.key = { DataType: 'String', StringValue: n.keyName };
    if (n.environment) attributes.environment = { DataType: 'String', StringValue: n.environment };
    const out = await this.client.send(
      new PublishCommand({
        TopicArn: this.topics[n.severity],
        // SNS subjects: ASCII, no newlines, at most 100 characters.
        Subject: n.subject.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100),
        Message: n.message,
        MessageAttributes: attributes,
      }),
    );
    return out.MessageId;
  }
}
