/**
 * The leak response end to end, in the state machine's order (runLeakResponse), against the stateful Secrets
 * Manager fake, providers, a real DynamoDB-compatible incident table and recorders for SNS and the ledger.
 */
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import { LEAK_TAGS } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import { continueLeakResponse, runLeakResponse } from '../../lambdas/core/leak/run';
import { escalate } from '../../lambdas/core/leak/steps';
import { acceptedVersions } from '../../lambdas/core/retirement';
import { SecretsManagerSecretStore } from '../../lambdas/aws/secret-store';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FakeSecretsManager, throttling } from '../helpers/secrets-manager-fake';
import { managedTags } from '../helpers/keys';

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

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());
beforeEach(async () => {
  sm.reset();
  incidents = new DynamoIncidentStore(dynamo.doc, await createIncidentTable(dynamo.client));
  world = buildWorld(sm, incidents);
});

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

    const contained = await contain(world.deps, report());
    // Revoked before any rotation: consumers accept neither leaked version any more.
    expect(contained.revoked).toBe(true);
    expect(acceptedVersions(await describe_(key.arn))).toEqual([]);
    expect(world.rotations).toHaveLength(0);

    const state = await continueLeakResponse(world.deps, contained, { secondCheck: true });
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
    assertNoKeyMaterial(state, record, world.messages, [...world.ledger.entries.values()]);
  });

  test('an IAM key from an AWS Health event: mapped by access key id, revoked at the provider, audited by key id', async () => {
    const key = await iamKey(world);
    const currentKeyId = JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId as string;
    const state = await runLeakResponse(world.deps, healthEvent(currentKeyId));
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

  test('the provider refusing to revoke throws from contain (retried, then escalated); escalate pages with a clear message', async () => {
    await iamKey(world);
    world.iam.failRevoke = new Error('AccessDenied: iam:UpdateAccessKey');
    const state = await runLeakResponse(
      world.deps,
      leakEvent({ key: 'deploy-bot', environment: 'prod', where: 'pastebin', reportedBy: 'alice' }),
    ).catch((e: Error) => e);
    expect(state).toBeInstanceOf(Error);
    // The state machine catches contain's failure and runs escalate with the state so far.
    const escalated = await escalate(
      world.deps,
      {
        incidentId: 'inc-x',
        decision: 'respond',
        detectedAt: '2026-11-23T10:00:00Z',
        leaked: [],
        revoked: false,
        rotation: 'not-started',
        rotationChecks: 0,
        actions: [],
        signal: {
          signalId: 'evt',
          origin: 'keyturn',
          receivedAt: '2026-11-23T10:00:00Z',
          where: 'pastebin',
          reportedBy: 'alice',
          key: 'deploy-bot',
        },
      },
      {
        Error: 'ProviderError',
        Cause: JSON.stringify({
          errorType: 'ProviderError',
          errorMessage: 'iam-access-key: revoking failed: AccessDenied',
        }),
      },
    );
    expect(escalated.failure).toContain('ProviderError');
    expect(world.messages.at(-1)).toMatchObject({ severity: 'critical', kind: 'leak-escalated' });
    expect(world.messages.at(-1)!.message).toContain(
      'The response stopped: ProviderError: ProviderError: iam-access-key: revoking failed: AccessDenied',
    );
    expect((await incidents.get('inc-x'))?.status).toBe('escalated');
  });

  test('rotation failing after the revoke: on-call is told the key is revoked and no replacement is current', async () => {
    const key = await selfIssuedKey(world);
    world.failNextRotation();
    const state = await runLeakResponse(world.deps, report(), { maxRotationChecks: 3, rotationWaitMs: 0 });
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
    const state = await runLeakResponse(world.deps, report());
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
  const state = await runLeakResponse(world.deps, report());
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

    const state = await runLeakResponse(
      world.deps,
      report({ keyId: JSON.parse(sm.valueAt(key.arn, 'AWSCURRENT')!).keyId }),
    );
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
    const state = await runLeakResponse(world.deps, report(), { maxRotationChecks: 2, rotationWaitMs: 0 });
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
    const state = await runLeakResponse(
      world.deps,
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
    const first = await runLeakResponse(world.deps, report(), {});
    const second = await runLeakResponse(
      world.deps,
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

  test('free text that carries a credential is redacted before it is stored or sent', async () => {
    await selfIssuedKey(world);
    const leakedText =
      'found AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in config.js';
    const state = await runLeakResponse(world.deps, report({ where: leakedText }));
    expect(state.signal.where).toBe('found AKIAIOSFODNN7EXAMPLE with [redacted] in config.js');
    expect(JSON.stringify(await incidents.get(state.incidentId))).not.toContain('wJalrXUtnFEMI');
    expect(world.messages).toHaveLength(2);
    for (const m of world.messages) expect(m.message + m.subject).not.toContain('wJalrXUtnFEMI');
  });
});
