/**
 * The rules of the exposure-window audit summary (lambdas/core/leak/audit-summary.ts): what a leaked key did between
 * exposure and revocation, folded from CloudTrail records. The window and its first and last use are exact at their
 * edges, counts are complete or marked partial, every list and field is capped, and on-call's lines say what was
 * seen and nothing more.
 */
import { describeAudit, summarizeTrail, type TrailRecord } from '../../lambdas/core/leak/audit-summary';

const WINDOW = { from: '2026-11-22T07:00:00.000Z', to: '2026-11-23T10:00:00.000Z' };

const rec = (eventTime: string, extra: Partial<TrailRecord> = {}): TrailRecord => ({
  eventTime,
  eventName: 'GetObject',
  eventSource: 's3.amazonaws.com',
  sourceIp: '203.0.113.7',
  principal: 'arn:aws:iam::111122223333:user/ci',
  ...extra,
});

test('rule: no records: the window as asked, zero events, no first or last use, empty lists', () => {
  expect(summarizeTrail([], WINDOW, false)).toStrictEqual({
    ...WINDOW,
    events: 0,
    partial: false,
    denied: 0,
    byCall: [],
    byCaller: [],
    bySourceIp: [],
  });
});

test('rule: first and last use are the earliest and latest event times, whatever order the lookup returned', () => {
  const s = summarizeTrail(
    [
      rec('2026-11-23T09:00:00Z'),
      rec('2026-11-22T07:00:00Z'),
      rec('2026-11-23T10:00:00Z'),
      rec('2026-11-22T12:00:00Z'),
    ],
    WINDOW,
    false,
  );
  expect([s.firstSeen, s.lastSeen, s.events]).toEqual(['2026-11-22T07:00:00Z', '2026-11-23T10:00:00Z', 4]);
  const one = summarizeTrail([rec('2026-11-22T08:00:00Z')], WINDOW, false);
  expect([one.firstSeen, one.lastSeen]).toEqual(['2026-11-22T08:00:00Z', '2026-11-22T08:00:00Z']);
});

test('rule: the summary keeps the window it was given and whether the lookup was partial', () => {
  const s = summarizeTrail([rec('2026-11-22T08:00:00Z')], WINDOW, true);
  expect([s.from, s.to, s.partial]).toEqual([WINDOW.from, WINDOW.to, true]);
});

test('rule: calls are counted as service:name (the amazonaws.com suffix dropped), or the bare name without a source', () => {
  const s = summarizeTrail(
    [
      rec('2026-11-22T08:00:00Z'),
      rec('2026-11-22T08:01:00Z'),
      rec('2026-11-22T08:02:00Z', { eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' }),
      rec('2026-11-22T08:03:00Z', { eventSource: undefined, eventName: 'ConsoleLogin' }),
    ],
    WINDOW,
    false,
  );
  expect(s.byCall).toEqual([
    ['s3:GetObject', 2],
    ['ConsoleLogin', 1],
    ['iam:CreateUser', 1],
  ]);
});

test('rule: callers and source addresses are counted, a missing one as "unknown"', () => {
  const s = summarizeTrail(
    [
      rec('2026-11-22T08:00:00Z'),
      rec('2026-11-22T08:01:00Z', { sourceIp: undefined, principal: undefined }),
      rec('2026-11-22T08:02:00Z', { sourceIp: '198.51.100.1' }),
    ],
    WINDOW,
    false,
  );
  expect(s.byCaller).toEqual([
    ['arn:aws:iam::111122223333:user/ci', 2],
    ['unknown', 1],
  ]);
  expect(s.bySourceIp).toEqual([
    ['198.51.100.1', 1],
    ['203.0.113.7', 1],
    ['unknown', 1],
  ]);
});

test('rule: every record with an error code counts as failed or denied, the others do not', () => {
  const s = summarizeTrail(
    [
      rec('2026-11-22T08:00:00Z', { errorCode: 'AccessDenied' }),
      rec('2026-11-22T08:01:00Z'),
      rec('2026-11-22T08:02:00Z', { errorCode: 'ThrottlingException' }),
    ],
    WINDOW,
    false,
  );
  expect([s.denied, s.events]).toEqual([2, 3]);
});

test('rule: the lists hold the ten largest counts, largest first, ties in name order', () => {
  const records = Array.from({ length: 12 }, (_, i) =>
    Array.from({ length: i + 1 }, () => rec('2026-11-22T08:00:00Z', { sourceIp: `10.0.0.${i}` })),
  ).flat();
  const s = summarizeTrail(records, WINDOW, false);
  expect(s.bySourceIp).toHaveLength(10);
  expect(s.bySourceIp[0]).toEqual(['10.0.0.11', 12]);
  expect(s.bySourceIp[9]).toEqual(['10.0.0.2', 3]);
  const ties = summarizeTrail(
    ['b', 'c', 'a', 'c'].map((ip) => rec('2026-11-22T08:00:00Z', { sourceIp: ip })),
    WINDOW,
    false,
  );
  expect(ties.bySourceIp).toEqual([
    ['c', 2],
    ['a', 1],
    ['b', 1],
  ]);
});

test('rule: a counted field is cut to 200 characters and the note to 500', () => {
  const long = 'p'.repeat(300);
  const s = summarizeTrail([rec('2026-11-22T08:00:00Z', { principal: long })], WINDOW, true, 'n'.repeat(600));
  expect(s.byCaller).toEqual([['p'.repeat(200), 1]]);
  expect(s.note).toBe('n'.repeat(500));
  expect(summarizeTrail([], WINDOW, false, '')).not.toHaveProperty('note');
  expect(summarizeTrail([], WINDOW, true, 'throttled').note).toBe('throttled');
});

test('rule: on-call reads "not run" when there was no audit', () => {
  expect(describeAudit(undefined)).toBe('Audit: not run.');
});

test('rule: on-call reads the window, the counts, partial or not, the first and last use and the top five of each list', () => {
  const records = [
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((ip) => rec('2026-11-22T08:00:00Z', { sourceIp: `10.0.0.${ip}` })),
    rec('2026-11-23T09:00:00Z', { errorCode: 'AccessDenied', sourceIp: '10.0.0.a' }),
  ];
  expect(describeAudit(summarizeTrail(records, WINDOW, true, 'throttled at page 3'))).toBe(
    [
      'Audit 2026-11-22T07:00:00.000Z → 2026-11-23T10:00:00.000Z: 7 CloudTrail event(s) (partial), 1 failed/denied.',
      '  first 2026-11-22T08:00:00Z, last 2026-11-23T09:00:00Z',
      '  calls: s3:GetObject ×7',
      '  callers: arn:aws:iam::111122223333:user/ci ×7',
      '  source IPs: 10.0.0.a ×2, 10.0.0.b ×1, 10.0.0.c ×1, 10.0.0.d ×1, 10.0.0.e ×1',
      '  note: throttled at page 3',
    ].join('\n'),
  );
});

test('rule: a complete audit with nothing seen is one line, not marked partial', () => {
  expect(describeAudit(summarizeTrail([], WINDOW, false))).toBe(
    'Audit 2026-11-22T07:00:00.000Z → 2026-11-23T10:00:00.000Z: 0 CloudTrail event(s), 0 failed/denied.',
  );
});

test('rule: each list line shows only when that list has entries', () => {
  const summary = { ...summarizeTrail([rec('2026-11-22T08:00:00Z')], WINDOW, false) };
  expect(describeAudit({ ...summary, byCall: [] })).not.toContain('calls:');
  expect(describeAudit({ ...summary, byCaller: [] })).not.toContain('callers:');
  expect(describeAudit({ ...summary, bySourceIp: [] })).not.toContain('source IPs:');
  expect(describeAudit({ ...summary, byCall: [] })).toContain('  callers: ');
});
