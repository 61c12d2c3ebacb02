/**
 * Rules of the leak response's later tasks (lambdas/core/leak/steps.ts), run one by one in the state machine's
 * order without it (test/leak/rules-world.ts): under rotate-then-revoke the
 * leaked key is revoked only once its replacement is AWSCURRENT, never when the rotation failed; each task is
 * idempotent (a retry changes nothing more); the audit window, the linked keys, the verification, the ledger and the
 * outcome follow what happened.
 */
import { BOOTSTRAP_SECRET_VALUE, LEAK_TAGS } from '../../lambdas/core/constants';
import { KeyConfigurationError } from '../../lambdas/core/errors';
import { contain } from '../../lambdas/core/leak/contain';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import type { LeakState } from '../../lambdas/core/leak/state';
import {
  audit,
  checkRotation,
  conclude,
  escalate,
  leakedKeysRefused,
  MAX_AUDIT_EVENTS,
  MAX_ROTATION_CHECKS,
  recordLedger,
  revokeIssuedLeaked,
  revokeLeaked,
  rotate,
  rotateLinked,
  rotationTokenFor,
  secondCheck,
} from '../../lambdas/core/leak/steps';
import type { KeyContext, Verification } from '../../lambdas/core/provider';
import { acceptedVersions } from '../../lambdas/core/retirement';
import type { StoredKey } from '../../lambdas/core/stored-key';
import { MapProviderRegistry } from '../../lambdas/providers/registry';
import { SelfIssuedProvider } from '../../lambdas/providers/self-issued';
import { captureOutput } from '../helpers/lambda';
import { managedTags } from '../helpers/keys';
import { RevocableProvider } from '../retire/fakes';
import { reportOf, rulesWorld, type RulesWorld } from './rules-world';
import { iamKey, selfIssuedKey } from './world';

let world: RulesWorld;
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  world = rulesWorld(10);
  output = captureOutput();
});
afterEach(() => output.restore());

const BILLING = 'keyturn/prod/billing-api';
const revokedTag = (name = BILLING) =>
  (world.sm.find(name).tags[LEAK_TAGS.revokedVersions] ?? '').split(' ').filter(Boolean);
const accepted = async (arn: string) => acceptedVersions(await world.deps.secrets.describe(arn));
const lastAction = (s: LeakState) => s.actions.at(-1);
const ledger = () => [...world.ledger.entries.values()];

async function rotateThenRevokeKey() {
  const key = await selfIssuedKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
  const state = await contain(world.deps, reportOf('billing-api'));
  expect(state.revoked).toBe(false);
  return { key, state };
}

/** The IAM-like key contained (revoke-first: revoked at the provider). */
async function containedIamKey() {
  const key = await iamKey(world);
  const state = await contain(world.deps, reportOf('deploy-bot'));
  expect(state.revoked).toBe(true);
  return { key, state };
}

describe('rotate and check-rotation', () => {
  test('rule: the rotation token is the incident id, safe characters only, 32 to 64 long (a retry starts no second rotation)', () => {
    expect(rotationTokenFor('inc-20261123T095900-evt0001aaaab')).toBe(
      'keyturn-leak-inc-20261123T095900-evt0001aaaab',
    );
    expect(rotationTokenFor('a_b.c/Z9')).toBe('keyturn-leak-a-b-c-Z900000000000');
    expect(rotationTokenFor('x'.repeat(80))).toBe(`keyturn-leak-${'x'.repeat(51)}`);
    expect(rotationTokenFor('x')).toHaveLength(32);
  });

  test('rule: rotate asks for a rotation with the incident token and waits for it (pending); a retry reuses the token', async () => {
    const { key, state } = await rotateThenRevokeKey();
    const next = await rotate(world.deps, state);
    expect(next.rotation).toBe('pending');
    expect(lastAction(next)).toEqual({
      at: expect.any(String),
      action: 'rotate now (RotateSecret)',
      outcome: 'done',
    });
    expect(world.rotations).toEqual([key.arn]);
    expect(world.sm.versionWith(key.arn, 'AWSCURRENT')).toBe(rotationTokenFor(state.incidentId));
    const tokens: string[] = [];
    const deps: LeakDeps = {
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        rotateNow: async (_: string, token: string) => {
          tokens.push(token);
          return 'in-progress' as const;
        },
      }),
    };
    const retried = await rotate(deps, state);
    expect(tokens).toEqual([rotationTokenFor(state.incidentId)]);
    expect(retried.rotation).toBe('pending');
    expect(lastAction(retried)?.detail).toBe('a rotation was already running: waiting for it');
  });

  test('rule: a rotation that cannot start is recorded failed (with the error) and the response goes on', async () => {
    const { state } = await rotateThenRevokeKey();
    const failing = (thrown: unknown): LeakDeps => ({
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        rotateNow: async () => Promise.reject(thrown),
      }),
    });
    const boom = Object.assign(new Error(`denied ${'x'.repeat(600)}`), { name: 'AccessDeniedException' });
    const next = await rotate(failing(boom), state);
    expect(next.rotation).toBe('failed');
    expect(lastAction(next)).toMatchObject({ action: 'rotate now (RotateSecret)', outcome: 'failed' });
    expect(lastAction(next)?.detail).toBe(`AccessDeniedException: denied ${'x'.repeat(600)}`.slice(0, 500));
    const odd = await rotate(failing('a string'), state);
    expect(lastAction(odd)?.detail).toBe('a non-Error value was thrown');
  });

  test('rule: check-rotation is done when another version is AWSCURRENT, and does nothing unless a rotation is pending', async () => {
    const { state } = await rotateThenRevokeKey();
    const describes = world.sm.callCount('DescribeSecret');
    expect(await checkRotation(world.deps, state)).toBe(state);
    expect(world.sm.callCount('DescribeSecret')).toBe(describes);

    const pending: LeakState = { ...state, rotation: 'pending', rotationChecks: 3 };
    const still = await checkRotation(world.deps, pending);
    expect(still).toEqual({ ...pending, rotationChecks: 4 });

    const rotated = await rotate(world.deps, state);
    const current = await checkRotation(world.deps, { ...rotated, rotationChecks: 3 });
    const newVersion = rotationTokenFor(state.incidentId);
    expect(current).toMatchObject({ rotation: 'current', newVersion, rotationChecks: 4 });
    expect(lastAction(current)).toMatchObject({
      action: 'replacement is AWSCURRENT',
      outcome: 'done',
      detail: newVersion,
    });
  });

  test(`rule: check-rotation gives up after ${MAX_ROTATION_CHECKS} checks (10 minutes of 15 s waits), not before`, async () => {
    const { state } = await rotateThenRevokeKey();
    const pending: LeakState = { ...state, rotation: 'pending' };
    const at39 = await checkRotation(world.deps, { ...pending, rotationChecks: 38 });
    expect(at39).toMatchObject({ rotation: 'pending', rotationChecks: 39 });
    const at40 = await checkRotation(world.deps, { ...pending, rotationChecks: 39 });
    expect(at40).toMatchObject({ rotation: 'failed', rotationChecks: 40 });
    expect(lastAction(at40)).toMatchObject({
      action: 'wait for replacement',
      outcome: 'failed',
      detail: "no new AWSCURRENT after 40 checks: read the rotate function's log",
    });
    expect(MAX_ROTATION_CHECKS).toBe(40);
  });

  test('rule: a secret with no AWSCURRENT label has no replacement yet', async () => {
    const { state } = await rotateThenRevokeKey();
    const deps: LeakDeps = {
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        describe: async (id: string) => ({ ...(await world.deps.secrets.describe(id)), versions: {} }),
      }),
    };
    const next = await checkRotation(deps, { ...state, rotation: 'pending', replacedVersion: 'v-old' });
    expect(next).toMatchObject({ rotation: 'pending', rotationChecks: 1 });
    expect(next.newVersion).toBeUndefined();
  });
});

describe('a state without a managed key', () => {
  test('rule: every task that needs the key refuses a state without one, naming the incident, before any call', async () => {
    const { state } = await rotateThenRevokeKey();
    const keyless: LeakState = { ...state, key: undefined, rotation: 'pending', revoked: true };
    const calls = world.sm.callCount();
    for (const task of [rotate, checkRotation, audit, rotateLinked, leakedKeysRefused]) {
      const error = await Promise.resolve(task(world.deps, keyless)).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'NoManagedKeyError',
        message: `incident ${state.incidentId} has no managed key`,
      });
    }
    expect(world.sm.callCount()).toBe(calls);
    expect(world.rotations).toEqual([]);
  });
});

describe('revoke-leaked (rotate-then-revoke)', () => {
  test('rule: the leaked key is never revoked while its replacement is not current (pending or failed)', async () => {
    const { key, state } = await rotateThenRevokeKey();
    for (const rotation of ['not-started', 'pending', 'failed'] as const) {
      const next = await revokeLeaked(world.deps, { ...state, rotation });
      expect(next.revoked).toBe(false);
      expect(lastAction(next)).toMatchObject({
        action: 'revoke leaked key (rotate-then-revoke)',
        outcome: 'skipped',
        detail: 'the replacement is not current: the leaked key still works',
      });
    }
    expect(revokedTag()).toEqual([]);
    expect(await accepted(key.arn)).toEqual(expect.arrayContaining([key.current, key.previous]));
  });

  test('rule: once the replacement is current, every leaked version is revoked (and only they)', async () => {
    const { key, state } = await rotateThenRevokeKey();
    const current = await checkRotation(world.deps, await rotate(world.deps, state));
    const next = await revokeLeaked(world.deps, current);
    expect(next.revoked).toBe(true);
    expect(revokedTag().sort()).toEqual([key.current, key.previous].sort());
    expect(await accepted(key.arn)).toEqual([current.newVersion]);
    expect(lastAction(next)).toMatchObject({
      action: 'revoke leaked key (rotate-then-revoke)',
      outcome: 'done',
      detail: state.leaked.map((v) => v.versionId).join(', '),
    });
  });

  test('rule: revoke-leaked is idempotent and a no-op when nothing leaked or it already revoked', async () => {
    const { state } = await rotateThenRevokeKey();
    const current = await checkRotation(world.deps, await rotate(world.deps, state));
    const nothing = { ...current, leaked: [] };
    expect(await revokeLeaked(world.deps, nothing)).toBe(nothing);
    const done = { ...current, revoked: true };
    expect(await revokeLeaked(world.deps, done)).toBe(done);
    expect(revokedTag()).toEqual([]);
  });

  test('rule: a leaked IAM key whose id keyturn did not issue is not revoked; all refused is a failed step', async () => {
    const key = await iamKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const current = await checkRotation(world.deps, await rotate(world.deps, state));
    world.issuance.reset();
    const next = await revokeLeaked(world.deps, current);
    expect(world.iam.revoked).toEqual([]);
    expect(next.revoked).toBe(true);
    expect(lastAction(next)).toMatchObject({ outcome: 'failed' });
    expect(lastAction(next)?.detail).toBe(
      `NOT revoked, keyturn did not issue the key of version(s) ${state.leaked.map((v) => v.versionId).join(', ')}: a human revokes it`,
    );
    expect(world.sm.find(key.arn).tags[LEAK_TAGS.revokedVersions]).toBeUndefined();
  });

  test('rule: some refused, some revoked: the step is done and says which', async () => {
    await iamKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const [cur, prev] = state.leaked;
    world.issuance.entries.splice(
      world.issuance.entries.findIndex((e) => e.versionId === prev.versionId),
      1,
    );
    const next = await revokeIssuedLeaked(world.deps, state, 'revoke it');
    expect(world.iam.revoked).toEqual([cur.keyId]);
    expect(lastAction(next)).toMatchObject({ action: 'revoke it', outcome: 'done' });
    expect(lastAction(next)?.detail).toBe(
      `${cur.versionId} (AWSCURRENT, key ${cur.keyId}); NOT revoked, keyturn did not issue the key of version(s) ${prev.versionId}: a human revokes it`,
    );
  });

  test('rule: a leaked version that no longer reads as a key is not revoked at the provider', async () => {
    await iamKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const [cur, prev] = state.leaked;
    const deps: LeakDeps = {
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        readVersion: async (id: string, versionId: string) =>
          versionId === prev.versionId ? undefined : world.deps.secrets.readVersion(id, versionId),
      }),
    };
    await revokeIssuedLeaked(deps, state, 'revoke it');
    expect(world.iam.revoked).toEqual([cur.keyId]);
  });

  test('rule: a leaked version that reads as something other than a key (bootstrap) is not revoked', async () => {
    await iamKey(world, { 'keyturn:leak-policy': 'rotate-then-revoke' });
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const [cur, prev] = state.leaked;
    const deps: LeakDeps = {
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        readVersion: async (id: string, versionId: string) =>
          versionId === prev.versionId
            ? BOOTSTRAP_SECRET_VALUE
            : world.deps.secrets.readVersion(id, versionId),
      }),
    };
    const next = await revokeIssuedLeaked(deps, state, 'revoke it');
    expect(world.iam.revoked).toEqual([cur.keyId]);
    expect(lastAction(next)?.outcome).toBe('done');
  });
});

describe('audit', () => {
  test('rule: the audit window starts at the exposure or the oldest leaked key, whichever is earlier, and ends now', async () => {
    await selfIssuedKey(world);
    const state = await contain(world.deps, reportOf('billing-api', { exposedAt: '2026-11-22T08:00:00Z' }));
    const createdAt = state.leaked.map((v) => v.createdAt!).sort();
    expect(createdAt).toHaveLength(2);
    const early: LeakState = {
      ...state,
      leaked: [{ ...state.leaked[0], createdAt: '2026-11-20T00:00:00.000Z' }, state.leaked[1]],
    };
    const next = await audit(world.deps, early);
    const call = world.trail.calls[0];
    expect(call.from.toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(next.audit).toMatchObject({ from: '2026-11-20T00:00:00.000Z', to: call.to.toISOString() });
    await audit(world.deps, state);
    expect(world.trail.calls[1].from.toISOString()).toBe('2026-11-22T08:00:00.000Z');
    // Now is the clock of the deps when the audit runs.
    expect(world.trail.calls[1].to.getTime()).toBeGreaterThan(world.trail.calls[0].to.getTime());
  });

  test('rule: the audit window never starts more than 90 days back (CloudTrail keeps no more), nor without a start', async () => {
    await selfIssuedKey(world);
    const state = await contain(world.deps, reportOf('billing-api', { exposedAt: '2025-01-01T00:00:00Z' }));
    await audit(world.deps, state);
    await audit(world.deps, { ...state, leaked: [], signal: { ...state.signal, exposedAt: undefined } });
    for (const call of world.trail.calls)
      expect(call.to.getTime() - call.from.getTime()).toBe(90 * 86_400_000);
  });

  test('rule: IAM keys are audited by access key id, each leaked one; other keys (and IAM with none live) by the secret', async () => {
    const { key, state } = await containedIamKey();
    await audit(world.deps, state);
    expect(world.trail.calls.map((c) => [c.key, c.value])).toEqual(
      state.leaked.map((v) => ['AccessKeyId', v.keyId]),
    );
    world.trail.calls.length = 0;
    await audit(world.deps, { ...state, leaked: [] });
    expect(world.trail.calls.map((c) => [c.key, c.value])).toEqual([['ResourceName', key.arn]]);
  });

  test(`rule: at most ${MAX_AUDIT_EVENTS} events are read; more makes the audit partial, a note-free step`, async () => {
    await selfIssuedKey(world);
    const state = await contain(world.deps, reportOf('billing-api'));
    const record = {
      eventTime: '2026-11-22T09:00:00Z',
      eventName: 'GetSecretValue',
      principal: 'p',
      sourceIp: 'ip',
    };
    world.trail.records = Array.from({ length: 501 }, () => record);
    const next = await audit(world.deps, state);
    expect(next.audit).toMatchObject({ events: 500, partial: true });
    expect(lastAction(next)).toMatchObject({
      action: 'audit CloudTrail',
      outcome: 'done',
      detail: '500 event(s), partial',
    });
    world.trail.records = [record];
    const complete = await audit(world.deps, state);
    expect(complete.audit).toMatchObject({ events: 1, partial: false });
    expect(complete.audit).not.toHaveProperty('note');
    expect(lastAction(complete)?.detail).toBe('1 event(s)');
  });

  test('rule: a failed lookup degrades the audit to a partial note naming the lookup to run by hand; the others still count', async () => {
    const { state } = await containedIamKey();
    const [a, b] = state.leaked;
    const record = {
      eventTime: '2026-11-22T09:00:00Z',
      eventName: 'ListUsers',
      principal: 'p',
      sourceIp: 'ip',
    };
    const deps: LeakDeps = {
      ...world.deps,
      trail: {
        lookup: async (attribute) => {
          if (attribute.value === a.keyId)
            throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
          return { records: [record], truncated: false };
        },
      },
    };
    const next = await audit(deps, state);
    const note = `CloudTrail lookup incomplete (ThrottlingException: Rate exceeded): run the lookup by hand for AccessKeyId=${a.keyId}`;
    expect(next.audit).toMatchObject({ events: 1, partial: true, note });
    expect(lastAction(next)).toMatchObject({
      action: 'audit CloudTrail',
      outcome: 'note',
      detail: '1 event(s), partial',
    });
    expect(b.keyId).not.toBe(a.keyId);
  });

  test('rule: one truncated lookup keeps the audit partial when a later one is complete', async () => {
    const { state } = await containedIamKey();
    const [a] = state.leaked;
    let calls = 0;
    const deps: LeakDeps = {
      ...world.deps,
      trail: {
        lookup: async (attribute) => {
          calls += 1;
          return { records: [], truncated: attribute.value === a.keyId };
        },
      },
    };
    const next = await audit(deps, state);
    expect(calls).toBe(2);
    expect(next.audit?.partial).toBe(true);
    expect(lastAction(next)?.outcome).toBe('done');
  });
});

describe('linked keys', () => {
  test('rule: a linked keyturn key of the same environment is rotated with its own token; others are listed for people', async () => {
    const linked = world.sm.addSecret('keyturn/prod/invoice-api', {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags({ 'keyturn:key': 'invoice-api' }),
    });
    await world.rotate(linked.arn);
    world.sm.addSecret('keyturn/prod/planted', { value: 'x', tags: { team: 'a' } });
    const key = await selfIssuedKey(world, {
      'keyturn:linked-systems': 'invoice-api planted billing-service',
    });
    const state = await contain(world.deps, reportOf('billing-api'));
    const next = await rotateLinked(world.deps, state);
    expect(world.rotations).toEqual([linked.arn]);
    expect(world.sm.versionWith(linked.arn, 'AWSCURRENT')).toBe(
      rotationTokenFor(`${state.incidentId}-invoice-api`),
    );
    const note = 'not a keyturn key: its owner must check it and move it to the new key';
    expect(next.actions.slice(-3)).toEqual([
      { at: expect.any(String), action: 'rotate linked key invoice-api', outcome: 'done' },
      { at: expect.any(String), action: 'linked system planted', outcome: 'note', detail: note },
      { at: expect.any(String), action: 'linked system billing-service', outcome: 'note', detail: note },
    ]);
    expect(key.arn).not.toBe(linked.arn);
  });

  test('rule: a linked rotation that fails is recorded failed and the next linked key is still tried', async () => {
    await selfIssuedKey(world, { 'keyturn:linked-systems': 'billing-api billing-api' });
    const state = await contain(world.deps, reportOf('billing-api'));
    let calls = 0;
    const deps: LeakDeps = {
      ...world.deps,
      secrets: Object.assign(Object.create(world.deps.secrets), {
        rotateNow: async () => {
          calls += 1;
          throw Object.assign(new Error('rotation already in progress elsewhere'), {
            name: 'InvalidRequestException',
          });
        },
      }),
    };
    const next = await rotateLinked(deps, state);
    expect(calls).toBe(2);
    expect(next.actions.slice(-2)).toEqual(
      Array(2).fill({
        at: expect.any(String),
        action: 'rotate linked key billing-api',
        outcome: 'failed',
        detail: 'InvalidRequestException: rotation already in progress elsewhere',
      }),
    );
  });

  test('rule: at most 20 linked systems are handled', async () => {
    const systems = Array.from({ length: 21 }, (_, i) => `s${i}`);
    await selfIssuedKey(world, { 'keyturn:linked-systems': systems.join(' ') });
    const state = await contain(world.deps, reportOf('billing-api'));
    const next = await rotateLinked(world.deps, state);
    const handled = next.actions.slice(state.actions.length).map((a) => a.action);
    expect(handled).toEqual(systems.slice(0, 20).map((s) => `linked system ${s}`));
  });
});

/** An IAM-like provider whose revocation reaches verify only after `lag` verifications (IAM propagation). */
class LaggingProvider extends RevocableProvider {
  readonly verifyRetry = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };
  lag = 2;
  verifies = 0;
  readonly contexts: KeyContext[] = [];
  override async verify(ctx: KeyContext, key: StoredKey): Promise<Verification> {
    this.verifies += 1;
    this.contexts.push(ctx);
    if (this.lag > 0 && !this.live.has(key.keyId)) {
      this.lag -= 1;
      return { accepted: true as const };
    }
    return super.verify(ctx, key);
  }
}

describe('verification, conclusion and the second check', () => {
  test('rule: a self-issued key is refused once consumers refuse its versions; accepted before', async () => {
    const { state } = await rotateThenRevokeKey();
    expect(await leakedKeysRefused(world.deps, state)).toBe(false);
    const current = await checkRotation(world.deps, await rotate(world.deps, state));
    // The old AWSPREVIOUS lost its label in the rotation; the old AWSCURRENT is AWSPREVIOUS now (still accepted).
    const partial = await revokeLeaked(world.deps, { ...current, leaked: [current.leaked[1]] });
    expect(await leakedKeysRefused(world.deps, partial)).toBe(true);
    expect(await leakedKeysRefused(world.deps, { ...partial, leaked: state.leaked })).toBe(false);
  });

  test('rule: an IAM key is refused when the provider says no for every leaked key; one still accepted is not refused', async () => {
    const { state } = await containedIamKey();
    expect(await leakedKeysRefused(world.deps, state)).toBe(true);
    world.iam.live.add(state.leaked[1].keyId);
    expect(await leakedKeysRefused(world.deps, state)).toBe(false);
  });

  test("rule: the verification waits out the provider's propagation with its own retry policy", async () => {
    const lagging = new LaggingProvider();
    world.deps.providers = new MapProviderRegistry([new SelfIssuedProvider(), lagging]);
    await iamKey(world);
    // The world's rotations issued through the other provider: this one holds the same key ids.
    for (const e of world.issuance.entries) lagging.live.add(e.keyId);
    const state = await contain(world.deps, reportOf('deploy-bot'));
    lagging.lag = 2;
    expect(await leakedKeysRefused(world.deps, { ...state, leaked: [state.leaked[0]] })).toBe(true);
    expect(lagging.verifies).toBe(3);
    expect(lagging.contexts.at(-1)).toEqual({
      secretId: state.key!.secretArn,
      secretName: 'keyturn/prod/deploy-bot',
      token: state.leaked[0].versionId,
      policy: expect.objectContaining({ keyName: 'deploy-bot', provider: 'iam-access-key' }),
    });
  });

  test('rule: nothing leaked is trivially refused, without a read', async () => {
    const { state } = await containedIamKey();
    const reads = world.sm.callCount();
    expect(await leakedKeysRefused(world.deps, { ...state, leaked: [] })).toBe(true);
    expect(world.sm.callCount()).toBe(reads);
  });

  test('rule: a key whose provider is not deployed cannot be verified (a configuration error, not "refused")', async () => {
    const { key, state } = await containedIamKey();
    world.deps.providers = new MapProviderRegistry([new SelfIssuedProvider()]);
    const error = await leakedKeysRefused(world.deps, state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyConfigurationError);
    expect((error as Error).message).toContain(key.arn);
    expect((error as Error).message).toContain('unknown provider "iam-access-key"');
  });

  test('rule: conclude verifies a revoked key, resolves the incident, writes the ledger and sends the report', async () => {
    const { key, state } = await containedIamKey();
    const current = await checkRotation(world.deps, await rotate(world.deps, state));
    const next = await conclude(world.deps, current);
    expect(next.verified).toBe(true);
    expect(lastAction(next)).toMatchObject({
      action: 'verify revocation',
      outcome: 'done',
      detail: 'the leaked key is refused',
    });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'resolved',
      verified: true,
    });
    expect(world.messages.at(-1)).toMatchObject({ kind: 'leak', severity: 'notice' });
    expect(ledger().map((e) => [e.kind, e.outcome, e.idempotencyKey])).toEqual([
      ...state.leaked.map((v) => ['revocation', 'leak', `revocation#${v.versionId}`]),
      ['incident', 'responded', `incident#${state.incidentId}`],
    ]);
    for (const [i, v] of state.leaked.entries())
      expect(ledger()[i]).toMatchObject({
        keyName: 'deploy-bot',
        environment: 'prod',
        secretArn: key.arn,
        versionId: v.versionId,
        detail: `incident ${state.incidentId}: key ${v.keyId}`,
        at: expect.any(String),
      });
  });

  test('rule: a key the provider still accepts after the revocation is a failed verification and an escalated incident', async () => {
    world.iam.ignoreRevoke = true;
    const { state } = await containedIamKey();
    const next = await conclude(world.deps, await checkRotation(world.deps, await rotate(world.deps, state)));
    expect(next.verified).toBe(false);
    expect(lastAction(next)).toMatchObject({
      action: 'verify revocation',
      outcome: 'failed',
      detail: 'the leaked key is STILL ACCEPTED',
    });
    expect(world.incidents.records.get(state.incidentId)?.status).toBe('escalated');
    expect(world.messages.at(-1)).toMatchObject({ severity: 'critical' });
  });

  test('rule: conclude verifies nothing that was not revoked, and a failed rotation escalates', async () => {
    const { state } = await rotateThenRevokeKey();
    const failed = await revokeLeaked(world.deps, { ...state, rotation: 'failed' });
    const next = await conclude(world.deps, failed);
    expect(next.verified).toBeUndefined();
    expect(next.actions.map((a) => a.action)).not.toContain('verify revocation');
    expect(world.incidents.records.get(state.incidentId)?.status).toBe('escalated');
    expect(ledger().map((e) => e.kind)).toEqual(['incident']);
  });

  test('rule: a replaced, unrevoked key (no live version matched) resolves; an unmanaged key escalates with no ledger entry', async () => {
    await selfIssuedKey(world);
    const none = await contain(world.deps, reportOf('billing-api', { keyId: 'sha256:0000000000000000' }));
    const current = await checkRotation(world.deps, await rotate(world.deps, none));
    await conclude(world.deps, current);
    expect(world.incidents.records.get(none.incidentId)?.status).toBe('resolved');

    const unmanaged = await contain(world.deps, reportOf('nobody', {}, 'evt-0007-unmanaged'));
    const entries = ledger().length;
    await conclude(world.deps, unmanaged);
    expect(world.incidents.records.get(unmanaged.incidentId)?.status).toBe('escalated');
    expect(ledger()).toHaveLength(entries);
    expect(world.messages.at(-1)?.kind).toBe('leak-unmanaged');
  });

  test('rule: the ledger says when a leaked version was not revoked because keyturn did not issue it', async () => {
    await iamKey(world);
    const issued = [...world.issuance.entries];
    world.issuance.reset();
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const [cur, prev] = state.leaked;
    for (const e of issued.filter((x) => x.versionId === cur.versionId)) await world.issuance.recordIssued(e);
    await recordLedger(world.deps, { ...state, failure: 'x' });
    expect(ledger().map((e) => [e.outcome, e.idempotencyKey, e.detail])).toEqual([
      ['leak', `revocation#${cur.versionId}`, `incident ${state.incidentId}: key ${cur.keyId}`],
      [
        'refused-unissued',
        `revocation#${prev.versionId}#refused-unissued`,
        `incident ${state.incidentId}: not revoked, keyturn did not issue this version's key`,
      ],
      [
        'escalated',
        `incident#${state.incidentId}`,
        `incident ${state.incidentId}: https://github.com/acme/app/blob/main/.env`,
      ],
    ]);
  });

  test('rule: a self-issued key is revoked per version by the marks: the ledger records each leaked version revoked', async () => {
    await selfIssuedKey(world);
    const state = await contain(world.deps, reportOf('billing-api'));
    world.issuance.reset();
    const reads = world.issuance.reads;
    await recordLedger(world.deps, state);
    expect(ledger().map((e) => [e.outcome, e.idempotencyKey])).toEqual([
      ...state.leaked.map((v) => ['leak', `revocation#${v.versionId}`]),
      ['responded', `incident#${state.incidentId}`],
    ]);
    // Consumers check the marks: the issuance records are not needed (nor read) for the ledger.
    expect(world.issuance.reads).toBe(reads);
  });

  test("rule: with the key's provider gone from the deployment, the ledger records a revocation only where keyturn issued the key", async () => {
    await iamKey(world);
    const state = await contain(world.deps, reportOf('deploy-bot'));
    const [cur, prev] = state.leaked;
    world.issuance.entries.splice(
      world.issuance.entries.findIndex((e) => e.versionId === prev.versionId),
      1,
    );
    world.deps.providers = new MapProviderRegistry([new SelfIssuedProvider()]);
    await recordLedger(world.deps, state);
    expect(ledger().map((e) => [e.versionId, e.outcome])).toEqual([
      [cur.versionId, 'leak'],
      [prev.versionId, 'refused-unissued'],
      [undefined, 'responded'],
    ]);
  });

  test('rule: no ledger configured or no managed key: nothing is written and nothing fails', async () => {
    const { state } = await containedIamKey();
    await expect(conclude({ ...world.deps, ledger: undefined }, state)).resolves.toMatchObject({
      verified: true,
    });
    await recordLedger(world.deps, { ...state, key: undefined });
    expect(ledger()).toEqual([]);
  });

  test('rule: the ledger of a non-revoked response holds only the incident', async () => {
    const { state } = await containedIamKey();
    const reads = world.issuance.reads;
    await recordLedger(world.deps, { ...state, revoked: false });
    expect(ledger().map((e) => e.kind)).toEqual(['incident']);
    expect(world.issuance.reads).toBe(reads);
  });

  test('rule: escalate records the failure with the cause (errorType and message of a Lambda failure), pages and writes the ledger', async () => {
    const { state } = await containedIamKey();
    const cause = JSON.stringify({
      errorType: 'ProviderError',
      errorMessage: 'iam: throttled',
      trace: ['at x'],
    });
    const next = await escalate(world.deps, state, { Error: 'ProviderError', Cause: cause });
    expect(next.failure).toBe('ProviderError: ProviderError: iam: throttled');
    expect(lastAction(next)).toMatchObject({
      action: 'escalate to on-call',
      outcome: 'failed',
      detail: next.failure,
    });
    expect(world.incidents.records.get(state.incidentId)?.status).toBe('escalated');
    expect(world.messages.at(-1)).toMatchObject({ kind: 'leak-escalated', severity: 'critical' });
    expect(ledger().at(-1)).toMatchObject({ kind: 'incident', outcome: 'escalated' });
  });

  test('rule: the failure text survives a missing error, a cause that is not JSON, a partial cause and a long one', async () => {
    const { state } = await containedIamKey();
    const failure = async (error: { Error?: string; Cause?: string } | undefined) =>
      (await escalate(world.deps, state, error)).failure;
    expect(await failure(undefined)).toBe('a task failed');
    expect(await failure({})).toBe('a task failed');
    expect(await failure({ Error: 'States.Timeout' })).toBe('States.Timeout');
    expect(await failure({ Error: 'E', Cause: 'plain text '.repeat(50) })).toBe(
      `E: ${'plain text '.repeat(50).slice(0, 300)}`,
    );
    expect(await failure({ Error: 'E', Cause: JSON.stringify({ errorMessage: 'only a message' }) })).toBe(
      'E: only a message',
    );
    const long = await failure({
      Error: 'E',
      Cause: JSON.stringify({ errorType: 'T', errorMessage: 'm'.repeat(2000) }),
    });
    expect(long).toBe(`E: ${`T: ${'m'.repeat(2000)}`.slice(0, 800)}`);
    expect(await failure({ Error: 'E'.repeat(2000) })).toHaveLength(1024);
  });

  test('rule: the second check of a still-refused key records it and keeps the outcome; it never resolves what needed a person', async () => {
    const { state } = await containedIamKey();
    const concluded = await conclude(
      world.deps,
      await checkRotation(world.deps, await rotate(world.deps, state)),
    );
    const messages = world.messages.length;
    const next = await secondCheck(world.deps, concluded);
    expect(next.secondCheck).toBe('refused');
    expect(lastAction(next)).toEqual({
      at: expect.any(String),
      action: 'second check of the revocation',
      outcome: 'done',
    });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'resolved',
      secondCheck: 'refused',
    });
    expect(world.messages).toHaveLength(messages);

    const failedRotation = await secondCheck(world.deps, { ...concluded, rotation: 'failed' });
    expect(failedRotation.secondCheck).toBe('refused');
    expect(world.incidents.records.get(state.incidentId)?.status).toBe('escalated');
  });

  test('rule: a leaked key accepted again at the second check escalates and pages critical', async () => {
    const { state } = await containedIamKey();
    const concluded = await conclude(
      world.deps,
      await checkRotation(world.deps, await rotate(world.deps, state)),
    );
    world.iam.live.add(state.leaked[0].keyId); // re-enabled by someone
    const next = await secondCheck(world.deps, concluded);
    expect(next.secondCheck).toBe('still-accepted');
    expect(lastAction(next)).toMatchObject({ action: 'second check of the revocation', outcome: 'failed' });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'escalated',
      secondCheck: 'still-accepted',
    });
    const page = world.messages.at(-1)!;
    expect(page).toMatchObject({
      kind: 'leak-still-accepted',
      severity: 'critical',
      subject: 'keyturn: leaked key of deploy-bot is ACCEPTED AGAIN',
      keyName: 'deploy-bot',
    });
    // A key working again needs a person: the critical topic, and a body that says so (it said RESOLVED before).
    expect(page.message.split('\n').slice(0, 3)).toEqual([
      'The second check found a leaked key accepted again.',
      '',
      'CRITICAL: leaked key of prod/deploy-bot is ACCEPTED AGAIN',
    ]);
    expect(page.message).toContain(
      'Impact: The leaked key was revoked, but the second check found it ACCEPTED AGAIN (re-enabled or restored): revoke it again by hand and find who in CloudTrail.',
    );
    expect(world.incidents.records.get(state.incidentId)?.impact).toContain('ACCEPTED AGAIN');
  });

  test('rule: the second check of an unrevoked response does nothing', async () => {
    const { state } = await rotateThenRevokeKey();
    const saved = world.incidents.saved.length;
    expect(await secondCheck(world.deps, state)).toBe(state);
    expect(world.incidents.saved).toHaveLength(saved);
    expect(world.messages).toEqual([expect.objectContaining({ kind: 'leak-contained' })]);
  });
});
