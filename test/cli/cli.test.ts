/**
 * The `keyturn` CLI on a fixture account (Secrets Manager fake over client-mock; the ledger in dynalite):
 * output, exit codes, the `--json` schemas (zod), errors that say what to do, and the call budget of `status`.
 */
import {
  ListSecretsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { DynamoLedger } from '../../lambdas/aws/ledger';
import { errorJson, historyJson, rotateJson, statusJson } from '../../bin/cli/schemas';
import { EXIT } from '../../bin/cli/exit-codes';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { createLedgerTable, startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { daysAgo, hoursAgo } from '../audit/fixtures';
import { addManaged, installVersionIds } from '../audit/secrets-fixture';
import { keyturn } from './harness';

const fake = new FakeSecretsManager();
const KEY_MATERIAL = 'kt_live_CliFixtureKeyMaterial0123456789abcdefQRS';
const value = JSON.stringify({
  keyturn: 1,
  provider: 'self-issued',
  keyId: 'k1',
  key: KEY_MATERIAL,
  createdAt: '2026-06-01T00:00:00.000Z',
});

beforeEach(() => {
  fake.reset();
  installVersionIds(fake);
});

function fixtureAccount() {
  addManaged(fake, 'billing-api', { value, lastRotatedDate: daysAgo(2), lastAccessedDate: hoursAgo(1) });
  addManaged(fake, 'reports-api', {
    value,
    environment: 'staging',
    tags: { 'keyturn:tier': 'standard', 'keyturn:owner': 'analytics@example.com' },
    lastRotatedDate: daysAgo(10),
    lastAccessedDate: hoursAgo(2),
  });
}

describe('keyturn status', () => {
  test('a table of keys: environment, owner, last and next rotation, stages, findings; exit 0 when healthy', async () => {
    fixtureAccount();
    const { code, stdout } = await keyturn(['status']);
    expect(code).toBe(EXIT.ok);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^KEY\s+ENV\s+OWNER\s+LAST ROTATED\s+NEXT ROTATION\s+STAGES\s+FINDINGS$/);
    expect(stdout).toMatch(
      /billing-api\s+prod\s+payments@example\.com\s+2026-06-13 12:00Z\s+2026-06-20 12:00Z\s+current\s+ok/,
    );
    expect(stdout).toMatch(
      /reports-api\s+staging\s+analytics@example\.com\s+2026-06-05 12:00Z\s+2026-09-03 12:00Z\s+current\s+ok/,
    );
    expect(stdout).toMatch(/2 key\(s\); 0 critical and 0 notice finding/);
    expect(stdout).not.toContain(KEY_MATERIAL);
    expect(fake.callCount('GetSecretValue')).toBe(0);
  });

  test('findings with their fix; exit 1 when one is critical', async () => {
    fixtureAccount();
    addManaged(fake, 'old-api', { value, lastRotatedDate: daysAgo(20), lastAccessedDate: hoursAgo(1) });
    const { code, stdout } = await keyturn(['status']);
    expect(code).toBe(EXIT.failed);
    expect(stdout).toMatch(/old-api\s+prod.*rotation-overdue!/);
    expect(stdout).toMatch(/\[critical\] prod\/old-api rotation-overdue: .*\n {2}fix: /);
  });

  test('exit 0 with notice-only findings; --env filters', async () => {
    fixtureAccount();
    addManaged(fake, 'idle-api', {
      value,
      environment: 'staging',
      lastRotatedDate: daysAgo(1),
      lastAccessedDate: daysAgo(60),
    });
    const all = await keyturn(['status']);
    expect(all.code).toBe(EXIT.ok);
    expect(all.stdout).toMatch(/idle-api\s+staging.*unused/);
    const prod = await keyturn(['status', '--env', 'prod']);
    expect(prod.stdout).not.toContain('idle-api');
    expect(prod.stdout).toContain('billing-api');
  });

  test('--json matches the status schema and carries stages and findings', async () => {
    fixtureAccount();
    const stuck = addManaged(fake, 'stuck-api', {
      value,
      lastRotatedDate: daysAgo(1),
      lastAccessedDate: hoursAgo(1),
    });
    fake.beginRotation(stuck.arn, 'v-stuck');
    stuck.versions.get('v-stuck')!.created = hoursAgo(10);
    const { code, stdout } = await keyturn(['--json', 'status']);
    expect(code).toBe(EXIT.failed);
    const parsed = statusJson.parse(JSON.parse(stdout));
    expect(parsed.summary).toEqual({ keys: 3, critical: 1, notice: 0 });
    const key = parsed.keys.find((k) => k.name === 'stuck-api')!;
    expect(key.stages.pending).toBe('v-stuck');
    expect(key.findings).toEqual([expect.objectContaining({ rule: 'rotation-stuck', severity: 'critical' })]);
  });

  test('1,000 keys: 10 ListSecrets calls, no DescribeSecret, one ListSecretVersionIds per unfinished rotation', async () => {
    for (let i = 0; i < 1000; i++)
      addManaged(fake, `key-${String(i).padStart(4, '0')}`, {
        lastRotatedDate: daysAgo(1),
        lastAccessedDate: hoursAgo(1),
      });
    for (let i = 0; i < 3; i++) fake.beginRotation(fake.find(`keyturn/prod/key-000${i}`).arn, `pending-${i}`);
    const { code, stdout } = await keyturn(['--json', 'status']);
    expect(code).toBe(EXIT.ok);
    expect(statusJson.parse(JSON.parse(stdout)).keys).toHaveLength(1000);
    const calls = fake.mock.calls().map((c) => c.args[0].constructor.name);
    expect(calls.filter((n) => n === 'ListSecretsCommand')).toHaveLength(10);
    expect(calls.filter((n) => n === 'ListSecretVersionIdsCommand')).toHaveLength(3);
    expect(calls).toHaveLength(13);
  });

  // The SDK itself retries throttling (SDK_RETRY_ENV, test/aws/sdk-retry.test.ts); what reaches the CLI is final.
  test('throttling that outlasts the SDK retries says to wait and try again; exit code aws-error', async () => {
    fixtureAccount();
    fake.faults.push({ command: 'ListSecrets', when: 'before', error: throttling() });
    const { code, stderr } = await keyturn(['status']);
    expect(code).toBe(EXIT.awsError);
    expect(stderr).toMatch(/kept throttling .* try again/);
    expect(fake.mock).toHaveReceivedCommandTimes(ListSecretsCommand, 1);
  });
});

describe('keyturn rotate', () => {
  const promoteOnSleep = (secretName: string) => () => {
    const secret = fake.find(secretName);
    const pending = fake.versionWith(secretName, 'AWSPENDING')!;
    const current = fake.versionWith(secretName, 'AWSCURRENT')!;
    if (pending === current) return;
    void new SecretsManagerClient({ region: 'eu-west-1' }).send(
      new UpdateSecretVersionStageCommand({
        SecretId: secret.arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending,
        RemoveFromVersionId: current,
      }),
    );
  };

  test('starts a rotation and follows it until the new version is AWSCURRENT, with progress; exit 0', async () => {
    fixtureAccount();
    const { code, stdout, stderr } = await keyturn(['rotate', 'billing-api'], {
      onSleep: promoteOnSleep('keyturn/prod/billing-api'),
    });
    expect(code).toBe(EXIT.ok);
    expect(fake.mock).toHaveReceivedCommandTimes(RotateSecretCommand, 1);
    expect(stderr).toMatch(/prod\/billing-api: rotation started, new version \S+/);
    expect(stderr).toMatch(/waiting \(0 s\): version \S+ is AWSPENDING/);
    expect(stdout).toMatch(/prod\/billing-api: rotated; version \S+ is AWSCURRENT \(5 s\)/);
  });

  test('--json matches the rotate schema', async () => {
    fixtureAccount();
    const { code, stdout } = await keyturn(['--json', 'rotate', 'staging/reports-api'], {
      onSleep: promoteOnSleep('keyturn/staging/reports-api'),
    });
    expect(code).toBe(EXIT.ok);
    expect(rotateJson.parse(JSON.parse(stdout))).toMatchObject({
      key: 'staging/reports-api',
      outcome: 'rotated',
    });
  });

  test('an abandoned rotation (the version loses its label) ends with exit 1 and says where to look', async () => {
    fixtureAccount();
    const drop = () => {
      const secret = fake.find('keyturn/prod/billing-api');
      for (const v of secret.versions.values()) v.stages.delete('AWSPENDING');
    };
    const { code, stderr } = await keyturn(['rotate', 'prod/billing-api'], { onSleep: drop });
    expect(code).toBe(EXIT.failed);
    expect(stderr).toMatch(/abandoned .* Read the rotate function's log/);
  });

  test('a rotation that does not finish within --timeout ends with exit 7', async () => {
    fixtureAccount();
    const { code, stderr } = await keyturn(['rotate', 'billing-api', '--timeout', '30', '--interval', '10']);
    expect(code).toBe(EXIT.timeout);
    expect(stderr).toMatch(/still not finished after 30 s/);
    expect(fake.callCount('DescribeSecret')).toBe(4);
  });

  test('a stuck earlier rotation blocks it: exit 1, pointing at status', async () => {
    fixtureAccount();
    fake.beginRotation(fake.find('keyturn/prod/billing-api').arn, 'v-stuck');
    const { code, stderr } = await keyturn(['rotate', 'billing-api']);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toMatch(/previous rotation is not complete .*`keyturn status`/);
  });

  test('unknown key: exit 5; ambiguous name: exit 2 naming the environments; malformed name: exit 2', async () => {
    fixtureAccount();
    addManaged(fake, 'billing-api', { environment: 'staging', value });
    const unknown = await keyturn(['rotate', 'nope']);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(unknown.stderr).toMatch(/No managed key "nope" .*`keyturn status`/);
    const ambiguous = await keyturn(['rotate', 'billing-api']);
    expect(ambiguous.code).toBe(EXIT.usage);
    expect(ambiguous.stderr).toMatch(/several environments \(prod, staging\)/);
    const malformed = await keyturn(['rotate', 'Bad Name!']);
    expect(malformed.code).toBe(EXIT.usage);
    expect(fake.mock).not.toHaveReceivedCommand(RotateSecretCommand);
  });
});

describe('keyturn history', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
    await createLedgerTable(dynamo.client, 'keyturn-ledger');
    const ledger = new DynamoLedger(dynamo.doc, 'keyturn-ledger');
    const base = { keyName: 'billing-api', environment: 'prod', secretArn: 'arn:x' };
    await ledger.append({
      ...base,
      kind: 'rotation',
      outcome: 'succeeded',
      at: '2026-06-13T12:00:00.000Z',
      versionId: 'v-2',
      idempotencyKey: 'rotation#v-2',
    });
    await ledger.append({
      ...base,
      kind: 'retirement',
      outcome: 'verified-refused',
      at: '2026-06-14T12:05:00.000Z',
      versionId: 'v-1',
      idempotencyKey: 'retirement#v-1',
      detail: 'old key refused by the provider',
    });
  });
  afterAll(async () => dynamo.close());

  test('the ledger of one key, newest first', async () => {
    fixtureAccount();
    const { code, stdout } = await keyturn(['history', 'billing-api'], {
      dynamo: () => dynamo.doc,
      env: { KEYTURN_LEDGER_TABLE: 'keyturn-ledger' },
    });
    expect(code).toBe(EXIT.ok);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^AT\s+KIND\s+OUTCOME\s+VERSION\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /2026-06-14T12:05:00.000Z\s+retirement\s+verified-refused\s+v-1\s+old key refused/,
    );
    expect(lines[2]).toMatch(/2026-06-13T12:00:00.000Z\s+rotation\s+succeeded\s+v-2/);
  });

  test('--json matches the history schema; --limit', async () => {
    fixtureAccount();
    const { stdout } = await keyturn(
      ['--json', 'history', 'prod/billing-api', '--table', 'keyturn-ledger', '--limit', '1'],
      { dynamo: () => dynamo.doc },
    );
    expect(historyJson.parse(JSON.parse(stdout)).entries).toEqual([
      expect.objectContaining({ kind: 'retirement', versionId: 'v-1' }),
    ]);
  });

  test('no table given: exit 2 saying where to find it; a table that does not exist: exit 5', async () => {
    fixtureAccount();
    const missing = await keyturn(['history', 'billing-api']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toMatch(/--table <name> or set KEYTURN_LEDGER_TABLE.*LedgerTableName/);
    const wrong = await keyturn(['history', 'billing-api', '--table', 'nope'], { dynamo: () => dynamo.doc });
    expect(wrong.code).toBe(EXIT.notFound);
    expect(wrong.stderr).toMatch(/No ledger table "nope"/);
  });
});

describe('errors say what to do, with stable exit codes', () => {
  const failWith = (name: string, message: string) => {
    fake.mock.on(ListSecretsCommand).rejects(Object.assign(new Error(message), { name }));
  };

  test('no credentials: exit 3', async () => {
    failWith('CredentialsProviderError', 'Could not load credentials from any providers');
    const { code, stderr } = await keyturn(['status']);
    expect(code).toBe(EXIT.noCredentials);
    expect(stderr).toMatch(/No AWS credentials found\. Sign in/);
  });

  test('expired credentials: exit 3', async () => {
    failWith('ExpiredTokenException', 'The security token included in the request is expired');
    expect((await keyturn(['status'])).code).toBe(EXIT.noCredentials);
  });

  test('access denied: exit 4, naming the permissions needed; --json prints an error object', async () => {
    failWith(
      'AccessDeniedException',
      'User: arn:aws:sts::111122223333:assumed-role/dev/me is not authorized to perform: secretsmanager:ListSecrets',
    );
    const { code, stdout, stderr } = await keyturn(['--json', 'status']);
    expect(code).toBe(EXIT.accessDenied);
    expect(stderr).toMatch(
      /Access denied: .*secretsmanager:ListSecrets.*allowed to read keyturn's secrets metadata/,
    );
    expect(errorJson.parse(JSON.parse(stdout)).error.code).toBe(EXIT.accessDenied);
  });

  test('throttling that never ends: exit 6 after bounded retries', async () => {
    fake.mock.on(ListSecretsCommand).rejects(throttling());
    const { code, stderr } = await keyturn(['status']);
    expect(code).toBe(EXIT.awsError);
    expect(stderr).toMatch(/kept throttling/);
  });

  test('usage: unknown option and bad --timeout exit 2; --help exits 0', async () => {
    expect((await keyturn(['status', '--colour'])).code).toBe(EXIT.usage);
    expect((await keyturn(['rotate', 'billing-api', '--timeout', 'soon'])).code).toBe(EXIT.usage);
    const help = await keyturn(['--help']);
    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toMatch(/status[\s\S]*rotate[\s\S]*history/);
  });
});
