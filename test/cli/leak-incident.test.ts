/**
 * `keyturn leak`, `keyturn leak approve|deny` and `keyturn incident` on a fixture account: the event put (and nothing
 * else), the held response answered with the token from the incident record, the incident shown
 * from a real DynamoDB-compatible table, exit codes, --json schemas, and errors that say what to do.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import type { IncidentRecord } from '../../lambdas/core/leak/ports';
import { EXIT } from '../../bin/cli/exit-codes';
import { errorJson, incidentJson, leakJson } from '../../bin/cli/schemas';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { createIncidentTable } from '../leak/world';
import { addManaged, installVersionIds } from '../audit/secrets-fixture';
import { daysAgo } from '../audit/fixtures';
import { keyturn } from './harness';

const fake = new FakeSecretsManager();
const events = mockClient(EventBridgeClient);
const KEY_MATERIAL = 'kt_live_LeakCliFixtureKeyMaterial0123456789abcdQ';

beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-123' }] });
  addManaged(fake, 'billing-api', {
    value: JSON.stringify({
      keyturn: 1,
      provider: 'self-issued',
      keyId: 'k1',
      key: KEY_MATERIAL,
      createdAt: '2026-06-01T00:00:00.000Z',
    }),
    lastRotatedDate: daysAgo(2),
  });
});

const putDetail = () =>
  JSON.parse(events.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].Detail!) as Record<
    string,
    unknown
  >;

describe('keyturn leak', () => {
  test('puts one "API Key Leaked" event for the resolved key and says what happens next', async () => {
    const { code, stdout } = await keyturn(
      [
        'leak',
        'billing-api',
        '--yes',
        '--where',
        'https://github.com/acme/app/.env',
        '--exposed-at',
        '2026-11-23T08:00:00Z',
      ],
      { env: { USER: 'alice' } },
    );
    expect(code).toBe(EXIT.ok);
    const entry = events.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0];
    expect(entry).toMatchObject({ Source: 'keyturn', DetailType: 'API Key Leaked' });
    expect(putDetail()).toEqual({
      key: 'billing-api',
      environment: 'prod',
      where: 'https://github.com/acme/app/.env',
      reportedBy: 'alice',
      exposedAt: '2026-11-23T08:00:00Z',
    });
    expect(stdout).toContain('Leak of prod/billing-api reported (event evt-123)');
    expect(stdout).toContain('keyturn history prod/billing-api');
    expect(stdout + JSON.stringify(entry)).not.toContain(KEY_MATERIAL);
    // Only reads of metadata: the CLI never reads a value or writes a secret.
    expect(
      fake.callCount('GetSecretValue') + fake.callCount('PutSecretValue') + fake.callCount('RotateSecret'),
    ).toBe(0);
  });

  test('--json matches the schema; --key-id and --reported-by pass through', async () => {
    const { stdout } = await keyturn([
      '--json',
      'leak',
      'prod/billing-api',
      '--yes',
      '--where',
      'slack',
      '--key-id',
      'sha256:0011aabb',
      '--reported-by',
      'gitleaks',
    ]);
    expect(leakJson.parse(JSON.parse(stdout))).toMatchObject({
      eventId: 'evt-123',
      key: 'billing-api',
      environment: 'prod',
      managed: true,
    });
    expect(putDetail()).toMatchObject({ keyId: 'sha256:0011aabb', reportedBy: 'gitleaks' });
  });

  test('an unknown key is a clear error (exit 5) and puts nothing; --unmanaged reports it anyway', async () => {
    const unknown = await keyturn(['leak', 'no-such-key', '--yes', '--where', 'slack']);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
    const unmanaged = await keyturn(['leak', 'vendor-token', '--yes', '--where', 'slack', '--unmanaged']);
    expect(unmanaged.code).toBe(EXIT.ok);
    expect(putDetail()).toMatchObject({ key: 'vendor-token' });
    expect(unmanaged.stdout).toContain('unmanaged key leaked');
  });

  test('a bad --exposed-at is a usage error naming the format; nothing is put', async () => {
    const { code, stderr } = await keyturn([
      'leak',
      'billing-api',
      '--yes',
      '--where',
      'x',
      '--exposed-at',
      'yesterday',
    ]);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('ISO-8601');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('EventBridge refusing the entry, missing credentials and access denied each say what to do', async () => {
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const refused = await keyturn(['leak', 'billing-api', '--yes', '--where', 'x']);
    expect(refused.code).toBe(EXIT.awsError);
    expect(refused.stderr).toContain('EventBridge did not accept the leak event (InternalFailure)');

    events.on(PutEventsCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    expect((await keyturn(['leak', 'billing-api', '--yes', '--where', 'x'])).code).toBe(EXIT.noCredentials);

    events.on(PutEventsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: events:PutEvents'), {
        name: 'AccessDeniedException',
      }),
    );
    const denied = await keyturn(['--json', 'leak', 'billing-api', '--yes', '--where', 'x']);
    expect(denied.code).toBe(EXIT.accessDenied);
    expect(errorJson.parse(JSON.parse(denied.stdout)).error.code).toBe(EXIT.accessDenied);
  });
  test('no terminal and no --yes: the plan is shown, nothing is sent (usage error)', async () => {
    const { code, stderr } = await keyturn(['leak', 'prod/billing-api', '--where', 'slack']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('re-run with --yes');
    expect(stderr).toMatch(/Will REVOKE at once 1 live version\(s\): [0-9a-f-]{36} \(AWSCURRENT\)/);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  test('on a terminal: what will be revoked is shown, and it is sent only when the key is typed back', async () => {
    const asked: string[] = [];
    const answer = (typed: string) => async (question: string, expected: string) => {
      asked.push(question);
      return typed === expected;
    };
    const typo = await keyturn(['leak', 'billing-api', '--where', 'slack'], {
      confirm: answer('prod/billing-ap'),
    });
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.stderr).toContain('Not confirmed: nothing was sent.');
    expect(typo.stderr).toContain('Policy: revoke-first');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);

    const ok = await keyturn(['leak', 'billing-api', '--where', 'slack'], {
      confirm: answer('prod/billing-api'),
    });
    expect(ok.code).toBe(EXIT.ok);
    expect(asked).toEqual([
      expect.stringContaining('prod/billing-api'),
      expect.stringContaining('prod/billing-api'),
    ]);
    expect(events.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].EventBusName).toBe(
      'keyturn-leak-signals',
    );
  });

  test('--dry-run shows the plan and sends nothing, even with --yes', async () => {
    const { code, stdout } = await keyturn(['leak', 'billing-api', '--where', 'slack', '--yes', '--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('Key: prod/billing-api');
    expect(stdout).toContain('Event bus: keyturn-leak-signals');
    expect(stdout).toContain('Dry run: nothing was sent.');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});

describe('keyturn incident', () => {
  let dynamo: LocalDynamo;
  let table: string;
  const record: IncidentRecord = {
    id: 'inc-20261123T095900-evt0001aaaab',
    status: 'resolved',
    severity: 'critical',
    key: 'prod/billing-api',
    unmanaged: false,
    environment: 'prod',
    owner: 'payments-team@example.com',
    detectedAt: '2026-11-23T10:00:00.000Z',
    where: 'https://github.com/acme/app/.env',
    reportedBy: 'alice',
    signals: 1,
    revoked: true,
    rotation: 'current',
    newVersion: 'v-9',
    verified: true,
    actions: [
      { at: '2026-11-23T10:00:01.000Z', action: 'revoke leaked key (revoke-first)', outcome: 'done' },
      { at: '2026-11-23T10:00:20.000Z', action: 'replacement is AWSCURRENT', outcome: 'done', detail: 'v-9' },
    ],
    audit: {
      from: '2026-11-23T08:00:00.000Z',
      to: '2026-11-23T10:00:30.000Z',
      events: 3,
      partial: false,
      denied: 1,
      byCall: [['secretsmanager:GetSecretValue', 3]],
      byCaller: [],
      bySourceIp: [['203.0.113.9', 3]],
    },
    impact: 'Leaked key revoked, verified refused; replacement v-9 is AWSCURRENT.',
    updatedAt: '2026-11-23T10:00:30.000Z',
  };
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = await createIncidentTable(dynamo.client);
    await new DynamoIncidentStore(dynamo.doc, table).save(record);
  });
  afterAll(async () => dynamo.close());

  test('shows the timeline, the audit and the impact', async () => {
    const { code, stdout } = await keyturn(['incident', record.id], {
      dynamo: () => dynamo.doc,
      env: { KEYTURN_INCIDENT_TABLE: table },
    });
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain(`Incident ${record.id}: RESOLVED (critical)`);
    expect(stdout).toMatch(/2026-11-23T10:00:01.000Z\s+revoke leaked key \(revoke-first\)\s+done/);
    expect(stdout).toContain('3 CloudTrail event(s), 1 failed/denied');
    expect(stdout).toContain('source IPs: 203.0.113.9 ×3');
  });

  test('--json matches the incident schema', async () => {
    const { stdout } = await keyturn(['--json', 'incident', record.id, '--table', table], {
      dynamo: () => dynamo.doc,
    });
    expect(incidentJson.parse(JSON.parse(stdout))).toMatchObject({
      id: record.id,
      status: 'resolved',
      revoked: true,
    });
  });

  test('unknown incident (exit 5), malformed id and missing table (exit 2) say what to do', async () => {
    const missing = await keyturn(['incident', 'inc-20261123T095900-nope'], {
      dynamo: () => dynamo.doc,
      env: { KEYTURN_INCIDENT_TABLE: table },
    });
    expect(missing.code).toBe(EXIT.notFound);
    const malformed = await keyturn(['incident', '../../etc/passwd'], {
      dynamo: () => dynamo.doc,
      env: { KEYTURN_INCIDENT_TABLE: table },
    });
    expect(malformed.code).toBe(EXIT.usage);
    const noTable = await keyturn(['incident', record.id]);
    expect(noTable.code).toBe(EXIT.usage);
    expect(noTable.stderr).toContain('KEYTURN_INCIDENT_TABLE');
  });
});

describe('keyturn leak approve | deny (a response held by the blast-radius cap)', () => {
  const sfn = mockClient(SFNClient);
  let dynamo: LocalDynamo;
  let table: string;
  const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAfake-task-token-of-the-held-response';
  const held = (id: string, status: 'waiting' | 'denied' = 'waiting'): IncidentRecord => ({
    id,
    status: 'open',
    severity: 'critical',
    key: 'prod/billing-api',
    unmanaged: false,
    policy: 'revoke-first',
    detectedAt: '2026-11-23T10:00:00.000Z',
    where: 'https://paste.example.com/x',
    reportedBy: 'scanner (claimed)',
    signals: 1,
    revoked: false,
    rotation: 'not-started',
    actions: [],
    impact: 'Held by the blast-radius cap',
    updatedAt: '2026-11-23T10:00:00.000Z',
    approval: { status, reason: 'cap', requestedAt: '2026-11-23T10:00:00.000Z' },
  });
  const ids = { waiting: 'inc-20261123T100000-held1', answered: 'inc-20261123T100000-held2' };
  beforeAll(async () => {
    dynamo = await startDynalite();
    table = await createIncidentTable(dynamo.client);
    const store = new DynamoIncidentStore(dynamo.doc, table);
    await store.save(held(ids.waiting));
    await store.attachApprovalToken(ids.waiting, TOKEN);
    await store.save(held(ids.answered, 'denied'));
  });
  afterAll(async () => dynamo.close());
  beforeEach(() => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });
  const cli = (argv: string[], extra: Parameters<typeof keyturn>[1] = {}) =>
    keyturn(argv, {
      dynamo: () => dynamo.doc,
      env: { KEYTURN_INCIDENT_TABLE: table, USER: 'alice' },
      ...extra,
    });

  test('approve sends SendTaskSuccess with the token from the incident record; the token is never printed', async () => {
    const { code, stdout, stderr } = await cli(['leak', 'approve', ids.waiting, '--yes']);
    expect(code).toBe(EXIT.ok);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({
      taskToken: TOKEN,
      output: JSON.stringify({ by: 'alice' }),
    });
    expect(stdout).toContain(
      `Approved ${ids.waiting}: the leak response now revokes and replaces prod/billing-api`,
    );
    expect(stdout + stderr).not.toContain(TOKEN);
  });

  test('deny sends SendTaskFailure with KeyturnLeakDenied and the reason; --reason is required', async () => {
    const noReason = await cli(['leak', 'deny', ids.waiting, '--yes']);
    expect(noReason.code).toBe(EXIT.usage);
    const { code } = await cli([
      'leak',
      'deny',
      ids.waiting,
      '--yes',
      '--reason',
      'a scanner flood',
      '--by',
      'bob',
    ]);
    expect(code).toBe(EXIT.ok);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0].args[0].input).toEqual({
      taskToken: TOKEN,
      error: 'KeyturnLeakDenied',
      cause: JSON.stringify({ by: 'bob', note: 'a scanner flood' }),
    });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
  });

  test('on a terminal the plan is shown and it is sent only when the incident id is typed back', async () => {
    const typo = await cli(['leak', 'approve', ids.waiting], { confirm: async () => false });
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.stderr).toContain('Approve: keyturn REVOKES the leaked version(s) now');
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
    const noTerminal = await cli(['leak', 'approve', ids.waiting]);
    expect(noTerminal.code).toBe(EXIT.usage);
    expect(noTerminal.stderr).toContain('re-run with --yes');
    const ok = await cli(['leak', 'approve', ids.waiting], {
      confirm: async (_q, expected) => expected === ids.waiting,
    });
    expect(ok.code).toBe(EXIT.ok);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  test('an incident not waiting, an unknown or malformed id, and an expired token send nothing or say so', async () => {
    const answered = await cli(['leak', 'approve', ids.answered, '--yes']);
    expect(answered.code).toBe(EXIT.usage);
    expect(answered.stderr).toContain('is not waiting for approval (approval denied)');
    expect((await cli(['leak', 'approve', 'inc-20261123T100000-nope', '--yes'])).code).toBe(EXIT.notFound);
    expect((await cli(['leak', 'approve', '../x', '--yes'])).code).toBe(EXIT.usage);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
    const late = await cli(['leak', 'approve', ids.waiting, '--yes']);
    expect(late.code).toBe(EXIT.notFound);
    expect(late.stderr).toContain('is no longer waiting (TaskTimedOut');
  });

  test('keyturn incident shows the approval and never the token, in text and --json', async () => {
    const text = await cli(['incident', ids.waiting]);
    expect(text.stdout).toContain(
      `Approval (blast-radius cap): waiting: keyturn leak approve|deny ${ids.waiting}`,
    );
    const json = await cli(['--json', 'incident', ids.waiting]);
    expect(JSON.parse(json.stdout)).toMatchObject({ approval: { status: 'waiting' } });
    expect(text.stdout + json.stdout).not.toContain(TOKEN);
  });

  test('reporting a leak still works beside the subcommands, and still requires --where', async () => {
    const missing = await cli(['leak', 'billing-api', '--yes']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain('keyturn leak needs --where <text>');
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
    const { code } = await cli(['leak', 'billing-api', '--yes', '--where', 'slack']);
    expect(code).toBe(EXIT.ok);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
