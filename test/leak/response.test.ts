/**
 * The leak response end to end: the synthesized state machine executed with its tasks bound to the real leak
 * handler (test/leak/machine.ts), against the stateful Secrets Manager fake, providers, a real DynamoDB-compatible
 * incident table and recorders for SNS and the ledger.
 */
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import { LEAK_TAGS } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import type { LeakState } from '../../lambdas/core/leak/state';
import { acceptedVersions } from '../../lambdas/core/retirement';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { managedTags } from '../helpers/keys';
import { captureOutput } from '../helpers/lambda';
import { leakMachine, runLeak, type LeakRunOptions } from './machine';

const managedTagsFor = (name: string) => managedTags({ 'keyturn:key': name });
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import {
  buildWorld,
  createIncidentTable,
  healthEvent,
  iamKey,
  leakEvent,
  selfIssuedKey,
  type World,
} from './world';

const sm = new FakeSecretsManager();
let dynamo: LocalDynamo;
let incidents: DynamoIncidentStore;
let world: World;

// The first synth of the stack takes tens of seconds on a loaded machine: before the tests, not inside one.
beforeAll(async () => {
  dynamo = await startDynalite();
  leakMachine();
}, 300_000);
afterAll(async () => dynamo.close());
let output: ReturnType<typeof captureOutput>;
beforeEach(async () => {
  sm.reset();
  incidents = new DynamoIncidentStore(dynamo.doc, await createIncidentTable(dynamo.client));
  world = buildWorld(sm, incidents);
  output = captureOutput();
});
afterEach(() => output.restore());

/** The executed state machine to its end; the final state (it must succeed). */
async function respond(event: unknown, options: LeakRunOptions = {}): Promise<LeakState> {
  const run = await runLeak(world.deps, event, options);
  if (run.status !== 'SUCCEEDED') throw new Error(`execution ${run.status}: ${run.error}: ${run.cause}`);
  return run.state!;
}

const describe_ = (arn: string) =>
  new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' })).describe(arn);
const report = (extra: Record<string, unknown> = {}) =>
  leakEvent({
    key: 'billing-api',
    environment: 'prod',
    where: 'https://github.com/acme/app/blob/main/.env',
    reportedBy: 'secret-scanner',
    exposedAt: '2026-11-22T08:00:00Z',
    ...extra,
  });

/** Every stored key value: none may appear in anything keyturn sends or records. */
function assertNoKeyMaterial(...things: unknown[]) {
  const keys = sm.allValues().flatMap((v) => {
    try {
      const key = (JSON.parse(v) as { key?: string }).key;
      return key ? [key] : [];
    } catch {
      return [];
    }
  });
  expect(keys.length).toBeGreaterThan(0);
  const text = JSON.stringify(things);
  for (const key of keys) expect(text).not.toContain(key);
}

describe('revoke-first (the default)', () => {
  test('a leak event revokes the key at once, issues a replacement, audits, records and pages', async () => {
    const key = await selfIssuedKey(world);
    world.trail.records = [
      {
        eventTime: '2026-11-22T09:00:00Z',
        eventName: 'GetSecretValue',
        eventSource: 'secretsmanager.amazonaws.com',
        sourceIp: '203.0.113.9',
        principal: 'arn:aws:iam::111122223333:role/ci',
      },
    ];

    // Revoked before any rotation: when RotateNow first runs, both versions are marked refused and none rotated.
    let atRotate: { revoked?: string; rotations: number } | undefined;
    const state = await respond(report(), {
      faults: {
        RotateNow: () => {
          atRotate ??= {
            revoked: sm.find(key.arn).tags[LEAK_TAGS.revokedVersions],
            rotations: world.rotations.length,
          };
          return undefined;
        },
      },
    });
    expect(atRotate!.rotations).toBe(0);
    expect(atRotate!.revoked!.split(' ').sort()).toEqual([key.current, key.previous].sort());
    expect(state.rotation).toBe('current');
    expect(state.newVersion).toBe(sm.versionWith(key.arn, 'AWSCURRENT'));
    expect(acceptedVersions(await describe_(key.arn))).toEqual([state.newVersion]);
    expect(state.verified).toBe(true);
    expect(state.secondCheck).toBe('refused');
    expect(sm.find(key.arn).tags[LEAK_TAGS.revokedVersions].split(' ').sort()).toEqual(
      [key.current, key.previous].sort(),
    );

    const record = await incidents.get(state.incidentId);
    expect(record).toMatchObject({
      status: 'resolved',
      key: 'prod/billing-api',
      revoked: true,
      rotation: 'current',
      verified: true,
      owner: expect.any(String),
      where: 'https://github.com/acme/app/blob/main/.env',
    });
    expect(record!.audit).toMatchObject({
      events: 1,
      byCall: [['secretsmanager:GetSecretValue', 1]],
      from: '2026-11-22T08:00:00.000Z',
    });
    expect(world.trail.calls[0]).toMatchObject({ key: 'ResourceName', value: key.arn });

    // Paged once, when contained; the report of a response that went to plan is a notice.
    expect(world.messages.map((m) => [m.kind, m.severity])).toEqual([
      ['leak-contained', 'critical'],
      ['leak', 'notice'],
    ]);
    const [page, message] = world.messages;
    expect(page).toMatchObject({
      keyName: 'billing-api',
      environment: 'prod',
      subject: 'keyturn: prod/billing-api leaked: revoked, replacement rotating',
    });
    for (const needed of [
      state.incidentId,
      `keyturn incident ${state.incidentId}`,
      'Runbook:',
      'owner ',
      'https://github.com/acme/app/blob/main/.env',
      // The free text is marked as claimed; the account is what EventBridge recorded.
      'reported by secret-scanner (claimed; sent from account 111122223333 (verified by EventBridge) through the leak bus)',
    ])
      expect(page.message).toContain(needed);
    expect(message).toMatchObject({
      severity: 'notice',
      kind: 'leak',
      keyName: 'billing-api',
      environment: 'prod',
    });
    for (const needed of [
      'revoked and replaced',
      state.incidentId,
      'keyturn incident',
      'keyturn history prod/billing-api',
      'Runbook:',
      '203.0.113.9',
      'owner ',
      'Impact: Leaked key revoked, verified refused',
    ]) {
      expect(message.message + message.subject).toContain(needed);
    }
    expect([...world.ledger.entries.keys()].sort()).toEqual(
      [`incident#${state.incidentId}`, `revocation#${key.current}`, `revocation#${key.previous}`].sort(),
    );
    assertNoKeyMaterial(state, record, world.messages, [...world.ledger.entries.values()], output.text());
  });

  test('an IAM key from an AWS Health event: mapped by access key id, revoked at the provider, audited by key id', async () => {
    const key = await iamKey(world);
    const currentKeyId = JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId as string;
    const state = await respond(healthEvent(currentKeyId));
    expect(state.key?.keyName).toBe('deploy-bot');
    expect(state.leaked.map((v) => v.keyId)).toEqual([currentKeyId]);
    expect(world.iam.revoked).toContain(currentKeyId);
    expect(world.iam.live.has(currentKeyId)).toBe(false);
    expect(state.verified).toBe(true);
    expect(world.trail.calls.map((c) => c.key)).toEqual(['AccessKeyId']);
    expect(world.messages.map((m) => m.kind)).toEqual(['leak-contained', 'leak']);
    expect(world.messages[1].message).toContain('AWS Health AWS_RISK_CREDENTIALS_EXPOSED');
    assertNoKeyMaterial(state, world.messages, await incidents.get(state.incidentId));
  });

  test('the provider refusing to revoke: contain is retried (each retry revokes again, though the tag was written), then escalated with the cause', async () => {
    await iamKey(world);
    world.iam.failRevoke = new Error('AccessDenied: iam:UpdateAccessKey');
    let revokeCalls = 0;
    const revoke = world.iam.revoke.bind(world.iam);
    world.iam.revoke = async (ctx, key) => {
      revokeCalls++;
      return revoke(ctx, key);
    };
    const run = await runLeak(
      world.deps,
      leakEvent({ key: 'deploy-bot', environment: 'prod', where: 'pastebin', reportedBy: 'alice' }),
    );
    expect(run).toMatchObject({ status: 'FAILED', error: 'LeakContainFailed' });
    expect(run.execution.invocations.filter((i) => i.state === 'ResolveAndRevoke')).toHaveLength(5);
    // Both live versions (AWSCURRENT, AWSPREVIOUS), on every one of the 5 attempts.
    expect(revokeCalls).toBe(10);
    expect(world.messages.at(-1)).toMatchObject({ severity: 'critical', kind: 'leak-escalated' });
    expect(world.messages.at(-1)!.message).toContain(
      'The response stopped: Error: Error: AccessDenied: iam:UpdateAccessKey',
    );
    // Contain failed before it could name the incident: the execution's name does.
    expect((await incidents.get(run.execution.name))?.status).toBe('escalated');
  });

  test('a provider revoke that fails once: the retried contain revokes the key, though the tag was already written', async () => {
    const key = await iamKey(world);
    const currentKeyId = JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId as string;
    world.iam.failRevoke = new Error('Throttling: Rate exceeded');
    const revoke = world.iam.revoke.bind(world.iam);
    world.iam.revoke = async (ctx, k) => {
      const p = revoke(ctx, k);
      delete world.iam.failRevoke;
      return p;
    };
    const state = await respond(
      leakEvent({ key: 'deploy-bot', environment: 'prod', where: 'pastebin', reportedBy: 'alice' }),
    );
    expect(world.iam.live.has(currentKeyId)).toBe(false);
    expect(state).toMatchObject({ revoked: true, verified: true });
  });

  test('rotation failing after the revoke: on-call is told the key is revoked and no replacement is current', async () => {
    const key = await selfIssuedKey(world);
    world.failNextRotation();
    const state = await respond(report());
    expect(state.rotationChecks).toBe(40);
    expect(state.revoked).toBe(true);
    expect(state.rotation).toBe('failed');
    expect(sm.versionWith(key.arn, 'AWSCURRENT')).toBe(key.current);
    const message = world.messages[1];
    expect(message.severity).toBe('critical');
    expect(message.subject).toContain('NO replacement current');
    expect(message.message).toContain('The leaked key is REVOKED and NO replacement is current');
    expect(message.message).toContain('keyturn rotate prod/billing-api');
    expect((await incidents.get(state.incidentId))?.status).toBe('escalated');
  });

  test('CloudTrail throttling degrades the audit to a note; the response still completes', async () => {
    await selfIssuedKey(world);
    world.trail.failure = throttling();
    const state = await respond(report());
    expect(state.audit).toMatchObject({
      partial: true,
      events: 0,
      note: expect.stringContaining('CloudTrail lookup incomplete'),
    });
    expect(state.rotation).toBe('current');
    expect(world.messages[1].message).toContain('note: CloudTrail lookup incomplete');
  });
});

test('linked systems that are keyturn keys are rotated too; the others are listed for their owners', async () => {
  await selfIssuedKey(world, { 'keyturn:linked-systems': 'invoice-api billing-service' });
  const linked = world.sm.addSecret('keyturn/prod/invoice-api', {
    value: sm.valueAt(sm.find('keyturn/prod/billing-api').arn, 'AWSCURRENT')!,
    tags: managedTagsFor('invoice-api'),
  });
  const state = await respond(report());
  expect(world.rotations).toEqual([sm.find('keyturn/prod/billing-api').arn, linked.arn]);
  expect(state.actions).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'rotate linked key invoice-api', outcome: 'done' }),
      expect.objectContaining({ action: 'linked system billing-service', outcome: 'note' }),
    ]),
  );
});

describe('rotate-then-revoke', () => {
  test('the leaked key keeps working until the replacement is current, then is revoked and verified', async () => {
    const key = await selfIssuedKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const contained = await contain(
      world.deps,
      report({ keyId: JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId }),
    );
    expect(contained.revoked).toBe(false);
    expect(acceptedVersions(await describe_(key.arn))).toContain(key.current);

    const state = await respond(report({ keyId: JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId }));
    expect(state.leaked.map((v) => v.versionId)).toEqual([key.current]);
    expect(state.revoked).toBe(true);
    expect(acceptedVersions(await describe_(key.arn))).not.toContain(key.current);
    expect(state.actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['replacement is AWSCURRENT', 'revoke leaked key (rotate-then-revoke)']),
    );
    const order = state.actions.map((a) => a.action);
    expect(order.indexOf('replacement is AWSCURRENT')).toBeLessThan(
      order.indexOf('revoke leaked key (rotate-then-revoke)'),
    );
  });

  test('a failed rotation leaves the key unrevoked and says so', async () => {
    const key = await selfIssuedKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    world.failNextRotation();
    const state = await respond(report());
    expect(state.revoked).toBe(false);
    expect(acceptedVersions(await describe_(key.arn))).toContain(key.current);
    expect(world.messages[0]).toMatchObject({
      kind: 'leak-contained',
      severity: 'critical',
      subject: expect.stringContaining('not revoked yet'),
    });
    expect(world.messages[1]).toMatchObject({ kind: 'leak', severity: 'critical' });
    expect(world.messages[1].message).toContain('NOT revoked and still works');
  });
});

describe('signals that are not a managed key, duplicates and retries', () => {
  test('an unknown key raises "unmanaged key leaked" and changes nothing', async () => {
    await selfIssuedKey(world);
    const before = sm.snapshot();
    const writesBefore =
      sm.callCount('PutSecretValue') +
      sm.callCount('UpdateSecretVersionStage') +
      sm.callCount('RotateSecret');
    const state = await respond(
      leakEvent({ key: 'no-such-key', environment: 'prod', where: 'slack', reportedBy: 'bob' }),
    );
    expect(state.decision).toBe('unmanaged');
    expect(sm.snapshot()).toEqual(before);
    expect(
      sm.callCount('PutSecretValue') +
        sm.callCount('UpdateSecretVersionStage') +
        sm.callCount('RotateSecret'),
    ).toBe(writesBefore);
    expect(world.messages).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'leak-unmanaged',
        subject: 'keyturn: unmanaged key leaked: no-such-key',
      }),
    ]);
    expect(await incidents.get(state.incidentId)).toMatchObject({ unmanaged: true, status: 'escalated' });
  });

  test('a second signal for the same key within the window joins the open incident and rotates nothing', async () => {
    await selfIssuedKey(world);
    const first = await respond(report());
    const second = await respond(
      leakEvent(
        { key: 'billing-api', environment: 'prod', where: 'another scanner', reportedBy: 'gitleaks' },
        'evt-0002-cccc',
      ),
    );
    expect(second.decision).toBe('joined');
    expect(second.incidentId).toBe(first.incidentId);
    expect(world.rotations).toHaveLength(1);
    expect((await incidents.get(first.incidentId))?.signals).toBe(2);
    // The duplicate pages nobody: the two messages are the first signal's page and report.
    expect(world.messages.map((m) => m.kind)).toEqual(['leak-contained', 'leak']);
  });

  test('contain retried with the same event stays on the same incident and responds (no false "joined")', async () => {
    await selfIssuedKey(world);
    const a = await contain(world.deps, report());
    const b = await contain(world.deps, report());
    expect(b.decision).toBe('respond');
    expect(b.incidentId).toBe(a.incidentId);
  });

  test('an attacker allowed on the bus claiming to be AWS Health is shown as a claim from its own account', async () => {
    await selfIssuedKey(world);
    const forged = { ...report({ reportedBy: 'AWS Health' }), account: '444455556666' };
    const state = await respond(forged);
    const reporter = (await incidents.get(state.incidentId))!.reportedBy;
    expect(reporter).toBe(
      'AWS Health (claimed; sent from account 444455556666 (verified by EventBridge) through the leak bus)',
    );
    for (const m of world.messages) expect(m.message).not.toContain('AWS Health (verified');
  });

  test('free text that carries a credential is redacted before it is stored or sent', async () => {
    await selfIssuedKey(world);
    const leakedText =
      'found AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in config.js';
    const state = await respond(report({ where: leakedText }));
    expect(state.signal.where).toBe('found AKIAIOSFODNN7EXAMPLE with [redacted] in config.js');
    expect(JSON.stringify(await incidents.get(state.incidentId))).not.toContain('wJalrXUtnFEMI');
    expect(world.messages).toHaveLength(2);
    for (const m of world.messages) expect(m.message + m.subject).not.toContain('wJalrXUtnFEMI');
  });
});
