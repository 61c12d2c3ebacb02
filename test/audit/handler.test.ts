/**
 * The audit function end to end: Secrets Manager fake (client-mock), SNS mock, and the ledger in a real
 * dynalite on 127.0.0.1. One notice per run (critical topic when a finding is critical), a clean run sends
 * nothing but is recorded, a retried run records once, and no key material reaches SNS, logs or metrics.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ENV } from '../../lambdas/core/constants';
import { DynamoLedger } from '../../lambdas/aws/ledger';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { createLedgerTable, startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { NOW, daysAgo, hoursAgo } from './fixtures';
import { addManaged, installVersionIds } from './secrets-fixture';

process.env[ENV.criticalTopicArn] = 'arn:aws:sns:eu-west-1:111122223333:critical';
process.env[ENV.noticeTopicArn] = 'arn:aws:sns:eu-west-1:111122223333:notice';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const handlerModule = require('../../lambdas/audit/handler') as typeof import('../../lambdas/audit/handler');
const { audit, deps, handler } = handlerModule;

const fake = new FakeSecretsManager();
const sns = mockClient(SNSClient);
const KEY_MATERIAL = 'kt_live_SuperSecretKeyMaterial0123456789abcdefXYZ';
let dynamo: LocalDynamo;
let ledger: DynamoLedger;
let tables = 0;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());
beforeEach(async () => {
  fake.reset();
  installVersionIds(fake);
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  const table = `audit-ledger-${++tables}`;
  await createLedgerTable(dynamo.client, table);
  ledger = new DynamoLedger(dynamo.doc, table);
  deps.ledger = ledger;
  deps.now = () => NOW;
  output = captureOutput();
});
afterEach(() => output.restore());

const value = JSON.stringify({
  keyturn: 1,
  provider: 'self-issued',
  keyId: 'k1',
  key: KEY_MATERIAL,
  createdAt: NOW.toISOString(),
});

function healthyAccount() {
  addManaged(fake, 'billing-api', { value, lastRotatedDate: daysAgo(2), lastAccessedDate: hoursAgo(1) });
  addManaged(fake, 'reports-api', {
    value,
    environment: 'staging',
    tags: { 'keyturn:tier': 'standard' },
    lastRotatedDate: daysAgo(10),
    lastAccessedDate: hoursAgo(3),
  });
}

test('a clean audit sends nothing but records its run in the ledger', async () => {
  healthyAccount();
  const result = await audit({ scheduledTime: '2026-06-15T06:00:00Z' });
  expect(result).toMatchObject({ checked: 2, findings: 0 });
  expect(sns).not.toHaveReceivedCommand(PublishCommand);
  const runs = await ledger.history('*', '*');
  expect(runs).toEqual([
    expect.objectContaining({
      kind: 'audit',
      outcome: 'clean',
      idempotencyKey: 'audit#2026-06-15T06:00:00Z',
    }),
  ]);
});

test('findings go out as ONE notice; a critical finding sends it to the critical topic', async () => {
  healthyAccount();
  addManaged(fake, 'old-api', { value, lastRotatedDate: daysAgo(20), lastAccessedDate: hoursAgo(1) }); // overdue: critical
  addManaged(fake, 'idle-api', { value, lastRotatedDate: daysAgo(1), lastAccessedDate: daysAgo(60) }); // unused: notice

  const result = await audit({ scheduledTime: '2026-06-15T06:00:00Z' });

  expect(result).toMatchObject({ checked: 4, findings: 2, notified: 'critical' });
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  const publish = sns.commandCalls(PublishCommand)[0].args[0].input;
  expect(publish.TopicArn).toBe('arn:aws:sns:eu-west-1:111122223333:critical');
  expect(publish.MessageAttributes?.kind?.StringValue).toBe('audit');
  expect(publish.Message).toMatch(/\[critical\] prod\/old-api rotation-overdue/);
  expect(publish.Message).toMatch(/\[notice\] prod\/idle-api unused/);
  expect(publish.Message!.indexOf('[critical]')).toBeLessThan(publish.Message!.indexOf('[notice]'));
  // Each key with findings has a line in its own history.
  expect(await ledger.history('old-api', 'prod')).toEqual([
    expect.objectContaining({ kind: 'audit', outcome: 'critical-findings', detail: 'rotation-overdue' }),
  ]);
});

test('notice-only findings go to the notice topic', async () => {
  addManaged(fake, 'idle-api', { value, lastRotatedDate: daysAgo(1), lastAccessedDate: daysAgo(60) });
  const result = await audit({});
  expect(result.notified).toBe('notice');
  expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(
    'arn:aws:sns:eu-west-1:111122223333:notice',
  );
});

test('a retried run (same scheduled time) records one ledger line per key', async () => {
  addManaged(fake, 'old-api', { value, lastRotatedDate: daysAgo(20), lastAccessedDate: hoursAgo(1) });
  await audit({ scheduledTime: '2026-06-15T06:00:00Z' });
  await audit({ scheduledTime: '2026-06-15T06:00:00Z' });
  expect(await ledger.history('*', '*')).toHaveLength(1);
  expect(await ledger.history('old-api', 'prod')).toHaveLength(1);
});

test('the audit never reads a secret value, and key material reaches no SNS message, log or metric', async () => {
  healthyAccount();
  addManaged(fake, 'old-api', { value, lastRotatedDate: daysAgo(20), lastAccessedDate: daysAgo(90) });
  await handler({ scheduledTime: '2026-06-15T06:00:00Z' }, lambdaContext('keyturn-audit'));
  expect(fake.callCount('GetSecretValue')).toBe(0);
  const published = sns
    .commandCalls(PublishCommand)
    .map((c) => JSON.stringify(c.args[0].input))
    .join('\n');
  expect(published).not.toContain(KEY_MATERIAL);
  expect(output.text()).not.toContain(KEY_MATERIAL);
  // Metrics were emitted (EMF), per rule too.
  expect(output.text()).toContain('AuditFindings');
  expect(output.text()).toMatch(/"Rule":"rotation-overdue"/);
});
