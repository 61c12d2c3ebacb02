/**
 * `keyturn leak` and `keyturn incident` on a fixture account: the event put (and nothing else), the incident shown
 * from a real DynamoDB-compatible table, exit codes, --json schemas, and errors that say what to do.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
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
