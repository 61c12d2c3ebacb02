/**
 * CloudTrail LookupEvents (SDK v3), paginated and capped. LookupEvents allows 2 requests/s: the SDK's adaptive retry
 * absorbs throttling (SDK_RETRY_ENV); what is still throttled after it is thrown for the caller to note.
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { TrailRecord } from '../core/leak/audit-summary';
import type { TrailLookup } from '../core/leak/ports';

const PAGE = 50;

export class CloudTrailLookup implements TrailLookup {
  constructor(private readonly client: CloudTrailClient) {}

  async lookup(
    attribute: { key: 'AccessKeyId' | 'ResourceName'; value: string },
    from: Date,
    to: Date,
    max: number,
  ) {
    const records: TrailRecord[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: attribute.key, AttributeValue: attribute.value }],
          StartTime: from,
          EndTime: to,
          MaxResults: Math.min(PAGE, max - records.length),
          NextToken: token,
        }),
      );
      for (const event of out.Events ?? [])
        records.push(
          toRecord(
            event.CloudTrailEvent,
            event.EventName,
            event.EventTime,
            event.EventSource,
            event.Username,
          ),
        );
      token = out.NextToken;
    } while (token && records.length < max);
    return { records, truncated: Boolean(token) };
  }
}

/** Only the fields the summary needs; request parameters and responses are never kept. */
function toRecord(
  raw: string | undefined,
  name?: string,
  time?: Date,
  source?: string,
  user?: string,
): TrailRecord {
  let detail: { sourceIPAddress?: string; errorCode?: string; userIdentity?: { arn?: string } } = {};
  try {
    detail = raw ? (JSON.parse(raw) as typeof detail) : {};
  } catch {
    // A record CloudTrail could not serialize: keep the envelope fields.
  }
  return {
    eventTime: (time ?? new Date(0)).toISOString(),
    eventName: name ?? 'unknown',
    ...(source ? { eventSource: source } : {}),
    ...(detail.sourceIPAddress ? { sourceIp: detail.sourceIPAddress } : {}),
    ...(detail.userIdentity?.arn || user ? { principal: detail.userIdentity?.arn ?? user } : {}),
    ...(detail.errorCode ? { errorCode: detail.errorCode } : {}),
  };
}
