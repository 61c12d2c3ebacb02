/**
 * CloudWatch Logs Insights over the SDK: start a query over a window, poll until it completes, return the rows as
 * records. Failed, cancelled or timed-out queries are errors (the evaluator's run fails and its alarm says so).
 */
import {
  GetQueryResultsCommand,
  StartQueryCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';

export class LogsInsightsQueryError extends Error {
  constructor(status: string, options?: { cause?: unknown }) {
    super(`Logs Insights query ended ${status}`, options);
    this.name = 'LogsInsightsQueryError';
  }
}

export class LogsInsights {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly options: {
      pollMs?: number;
      timeoutMs?: number;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {}

  async run(
    logGroupNames: string[],
    queryString: string,
    window: { from: Date; to: Date },
  ): Promise<Array<Record<string, string>>> {
    const { queryId } = await this.client.send(
      new StartQueryCommand({
        logGroupNames,
        queryString,
        startTime: Math.floor(window.from.getTime() / 1000),
        // Logs Insights' end is inclusive, to the second: stop one second before the next window begins.
        endTime: Math.floor(window.to.getTime() / 1000) - 1,
        limit: 10_000,
      }),
    );
    const pollMs = this.options.pollMs ?? 1000;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const out = await this.client.send(new GetQueryResultsCommand({ queryId }));
      if (out.status === 'Complete') {
        return (out.results ?? []).map((row) =>
          Object.fromEntries(
            row.filter((f) => f.field && f.value !== undefined).map((f) => [f.field!, f.value!]),
          ),
        );
      }
      if (out.status && !['Scheduled', 'Running'].includes(out.status))
        throw new LogsInsightsQueryError(out.status);
      if (Date.now() > deadline) throw new LogsInsightsQueryError('Timeout (still running)');
      await sleep(pollMs);
    }
  }
}
