/**
 * Rules of the blast-radius gate (lambdas/core/leak/gate.ts), task by task without the state machine
 * (test/leak/rules-world.ts): past the cap a response revokes and rotates nothing and is held; a response that acts
 * on nothing gives its place back; the page names the incident and the commands, never the task token; approval
 * revokes (revoke-first) and goes on; denial and the timeout end it unrevoked, recorded, the marker freed.
 */
import { LEAK_TAGS } from '../../lambdas/core/constants';
import { contain } from '../../lambdas/core/leak/contain';
import {
  ApprovalStateError,
  approvalDenied,
  approvalGranted,
  approvalNeededMessage,
  approvalTimedOut,
  awaitApproval,
  holdForApproval,
  startClaim,
} from '../../lambdas/core/leak/gate';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import type { LeakState } from '../../lambdas/core/leak/state';
import { acceptedVersions } from '../../lambdas/core/retirement';
import { captureOutput } from '../helpers/lambda';
import { reportOf, rulesWorld, type RulesWorld } from './rules-world';
import { selfIssuedKey } from './world';

let world: RulesWorld;
let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  world = rulesWorld(1);
  output = captureOutput();
});
afterEach(() => output.restore());

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAS0secret-task-token';
const revokedTag = () =>
  (world.sm.find('keyturn/prod/billing-api').tags[LEAK_TAGS.revokedVersions] ?? '')
    .split(' ')
    .filter(Boolean);
const accepted = async (arn: string) => acceptedVersions(await world.deps.secrets.describe(arn));

/** The cap full (another incident holds the one place): the next response that would revoke is held. */
async function heldResponse(tags: Record<string, string> = {}) {
  const key = await selfIssuedKey(world, tags);
  world.budget.places.add('inc-earlier');
  const state = await contain(world.deps, reportOf('billing-api'));
  return { key, state };
}

describe('holding', () => {
  test('rule: past the cap the response revokes and rotates nothing, opens its incident held and pages nobody yet', async () => {
    const { key, state } = await heldResponse();
    expect(state.decision).toBe('held');
    expect(state.revoked).toBe(false);
    expect(state.leaked.map((v) => v.versionId).sort()).toEqual([key.current, key.previous].sort());
    expect(revokedTag()).toEqual([]);
    expect(await accepted(key.arn)).toEqual(expect.arrayContaining([key.current, key.previous]));
    expect(world.rotations).toEqual([]);
    expect(world.messages).toEqual([]);
    const reason =
      '1 key(s) already revoked by the leak response within 10 min (the blast-radius cap): nothing is revoked or rotated until on-call approves';
    expect(state.approval).toEqual({ status: 'waiting', reason, requestedAt: expect.any(String) });
    expect(Date.parse(state.approval!.requestedAt)).not.toBeNaN();
    expect(state.actions.at(-1)).toMatchObject({
      action: 'blast-radius cap reached: held for approval',
      outcome: 'note',
      detail: reason,
    });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'open',
      revoked: false,
      approval: { status: 'waiting', reason },
    });
    expect(world.incidents.markers.get('open#prod/billing-api')).toBe(state.incidentId);
    // Held: the place was not given (the window is full) and nothing was given back.
    expect(world.budget.places).toEqual(new Set(['inc-earlier']));
  });

  test('rule: the reason names the cap and its window in minutes, rounded', async () => {
    await selfIssuedKey(world);
    const deps: LeakDeps = {
      ...world.deps,
      budget: {
        maxRevocations: 0,
        windowSeconds: 150,
        claim: async () => ({ admitted: false, release: async () => undefined }),
      },
    };
    const state = await contain(deps, reportOf('billing-api'));
    expect(state.approval?.reason).toBe(
      '0 key(s) already revoked by the leak response within 3 min (the blast-radius cap): nothing is revoked or rotated until on-call approves',
    );
  });

  test('rule: holding with no cap configured still says why (the cap, without figures)', async () => {
    const { state } = await heldResponse();
    world.incidents.markers.clear();
    const held = await holdForApproval(
      { ...world.deps, budget: undefined },
      { ...state, incidentId: 'inc-nocap' },
    );
    expect(held.approval?.reason).toBe(
      'the blast-radius cap: nothing is revoked or rotated until on-call approves',
    );
  });

  test('rule: a second held signal for the same key joins the open incident (one incident, one approval)', async () => {
    const { state: first } = await heldResponse();
    const second = await contain(
      world.deps,
      reportOf('billing-api', { where: 'another paste' }, 'evt-0002-second'),
    );
    expect(second.decision).toBe('joined');
    expect(second.incidentId).toBe(first.incidentId);
    expect(second.approval).toBeUndefined();
    expect(second.actions.at(-1)).toMatchObject({
      action: 'join open incident',
      outcome: 'note',
      detail: first.incidentId,
    });
    expect(world.incidents.records.get(first.incidentId)?.signals).toBe(2);
    expect(revokedTag()).toEqual([]);
  });

  test('rule: holding needs a managed key (a state without one is refused, nothing opened)', async () => {
    const { state } = await heldResponse();
    world.incidents.markers.clear();
    const keyless: LeakState = { ...state, key: undefined, incidentId: 'inc-keyless' };
    const error = await holdForApproval(world.deps, keyless).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalStateError);
    expect(error).toMatchObject({
      name: 'ApprovalStateError',
      message: 'incident inc-keyless has no managed key',
    });
    expect(world.incidents.records.has('inc-keyless')).toBe(false);
  });
});

describe('the count', () => {
  test('rule: without a budget (tests of other steps) nothing is held and the key is revoked', async () => {
    const key = await selfIssuedKey(world);
    world.budget.places.add('inc-earlier');
    const state = await contain({ ...world.deps, budget: undefined }, reportOf('billing-api'));
    expect(state.decision).toBe('respond');
    expect(state.revoked).toBe(true);
    expect(revokedTag().sort()).toEqual([key.current, key.previous].sort());
    const claim = startClaim({ ...world.deps, budget: undefined }, 'inc-x');
    await expect(claim.settle(true)).resolves.toBe(true);
    await expect(claim.release()).resolves.toBeUndefined();
  });

  test('rule: a response under the cap that revokes keeps its place; one that matches no live version gives it back', async () => {
    await selfIssuedKey(world);
    const revoking = await contain(world.deps, reportOf('billing-api'));
    expect(revoking.revoked).toBe(true);
    expect(world.budget.places).toEqual(new Set([revoking.incidentId]));
    expect(world.budget.released).toEqual([]);

    world.budget.places.clear();
    world.incidents.markers.clear();
    const nothing = await contain(
      world.deps,
      reportOf('billing-api', { keyId: 'sha256:0000000000000000' }, 'evt-0003-nomatch'),
    );
    expect(nothing.leaked).toEqual([]);
    expect(nothing.decision).toBe('respond');
    expect(world.budget.released).toEqual([nothing.incidentId]);
    expect(world.budget.places.size).toBe(0);
  });

  test('rule: a response that acts on nothing is never held, even with the cap full', async () => {
    await selfIssuedKey(world);
    world.budget.places.add('inc-earlier');
    const nothing = await contain(world.deps, reportOf('billing-api', { keyId: 'sha256:0000000000000000' }));
    expect(nothing.decision).toBe('respond');
    expect(nothing.approval).toBeUndefined();
    const unmanaged = await contain(world.deps, reportOf('no-such-key', {}, 'evt-0004-unmanaged'));
    expect(unmanaged.decision).toBe('unmanaged');
    expect(world.budget.places).toEqual(new Set(['inc-earlier']));
  });

  test('rule: an unmanaged key and a duplicate that joins give their place back', async () => {
    await selfIssuedKey(world);
    const unmanaged = await contain(world.deps, reportOf('no-such-key', {}, 'evt-0005-unmanaged'));
    expect(world.budget.released).toEqual([unmanaged.incidentId]);

    world.budget.maxRevocations = 2;
    const first = await contain(world.deps, reportOf('billing-api'));
    const duplicate = await contain(world.deps, reportOf('billing-api', {}, 'evt-0006-duplicate'));
    expect(duplicate.decision).toBe('joined');
    // The duplicate's own incident (its claim) gave the place back; the state names the open one.
    expect(world.budget.released).toEqual([unmanaged.incidentId, world.budget.claims.at(-1)]);
    expect(world.budget.claims.at(-1)).not.toBe(first.incidentId);
    expect(world.budget.places).toEqual(new Set([first.incidentId]));
  });

  test('rule: a refused claim gives nothing back, and a count that fails after a read failed is not left unhandled', async () => {
    const released: string[] = [];
    const deps = (claim: () => Promise<{ admitted: boolean; release: () => Promise<void> }>): LeakDeps => ({
      ...world.deps,
      budget: { maxRevocations: 1, windowSeconds: 600, claim },
    });
    const refused = startClaim(
      deps(async () => ({ admitted: false, release: async () => void released.push('refused') })),
      'inc-a',
    );
    await expect(refused.settle(false)).resolves.toBe(true);
    await refused.release();
    expect(released).toEqual([]);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      startClaim(
        deps(() => Promise.reject(new Error('count table unreachable'))),
        'inc-b',
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  test('rule: a count that fails fails the task (it is retried), nothing revoked', async () => {
    await selfIssuedKey(world);
    const deps: LeakDeps = {
      ...world.deps,
      budget: {
        maxRevocations: 1,
        windowSeconds: 600,
        claim: () => Promise.reject(new Error('count table unreachable')),
      },
    };
    await expect(contain(deps, reportOf('billing-api'))).rejects.toThrow('count table unreachable');
    expect(revokedTag()).toEqual([]);
  });
});

describe('the page', () => {
  test('rule: the approval page names the key, what would be revoked, why, the commands and the timeout; never the token', async () => {
    const { key, state } = await heldResponse({ 'keyturn:runbook': 'https://runbooks.example.com/billing' });
    await world.incidents.attachApprovalToken(state.incidentId, TOKEN);
    const page = approvalNeededMessage(state, 5400);
    const id = state.incidentId;
    const [cur, prev] = [state.leaked[0], state.leaked[1]];
    expect(page).toEqual({
      severity: 'critical',
      kind: 'leak-approval-needed',
      subject: 'keyturn: prod/billing-api leaked: held for approval (blast-radius cap)',
      keyName: 'billing-api',
      environment: 'prod',
      message: [
        'CRITICAL: prod/billing-api leaked: HELD FOR APPROVAL (blast-radius cap); nothing revoked yet',
        `Incident: ${id}`,
        'Key: prod/billing-api (provider self-issued, policy revoke-first), owner payments-team@example.com',
        `Would revoke: ${cur.versionId} (AWSCURRENT, key ${cur.keyId}), ${prev.versionId} (AWSPREVIOUS, key ${prev.keyId})`,
        `Found: https://github.com/acme/app/blob/main/.env; reported by secret-scanner (claimed; sent from account 111122223333 (verified by EventBridge) through the leak bus) at ${state.signal.receivedAt}`,
        `Why held: ${state.approval!.reason}. Many leak reports at once may be a real mass leak, or someone flooding leak events.`,
        'To revoke and replace now:',
        `  keyturn leak approve ${id}`,
        'To refuse (nothing is revoked; the incident is recorded):',
        `  keyturn leak deny ${id} --reason "<why>"`,
        'Nobody answering within 90 min ends the response WITHOUT revoking (and pages again).',
        'Runbook: https://runbooks.example.com/billing',
        `  keyturn incident ${id}`,
      ].join('\n'),
    });
    expect(cur.versionId).toBe(key.current);
    expect(JSON.stringify(page)).not.toContain(TOKEN);
  });

  test('rule: with nothing live, no owner, no runbook and no approval reason the page still says what it knows', async () => {
    const { state } = await heldResponse();
    const bare: LeakState = {
      ...state,
      leaked: [],
      approval: undefined,
      key: { ...state.key!, owner: undefined, runbook: undefined },
    };
    const lines = approvalNeededMessage(bare, 3600).message.split('\n');
    expect(lines).toContain(
      'Key: prod/billing-api (provider self-issued, policy revoke-first), owner unknown',
    );
    expect(lines).toContain('Would revoke: no live version');
    expect(lines).toContain(
      'Why held: the blast-radius cap. Many leak reports at once may be a real mass leak, or someone flooding leak events.',
    );
    expect(lines.some((l) => l.startsWith('Runbook:'))).toBe(false);
    // Nothing in place of the runbook: the timeout line is followed by the incident command.
    expect(lines.slice(-2)).toEqual([
      'Nobody answering within 60 min ends the response WITHOUT revoking (and pages again).',
      `  keyturn incident ${state.incidentId}`,
    ]);
  });

  test('rule: a page for a state without a key has no key lines and no key labels', async () => {
    const { state } = await heldResponse();
    const page = approvalNeededMessage({ ...state, key: undefined }, 3600);
    expect(page.subject).toBe('keyturn: billing-api leaked: held for approval (blast-radius cap)');
    expect(page.message).not.toMatch(/^(Key|Would revoke):/m);
    // The incident line is followed by where it was found: nothing in place of the key lines.
    const lines = page.message.split('\n');
    expect(lines[1]).toBe(`Incident: ${state.incidentId}`);
    expect(lines[2]).toMatch(/^Found: /);
    expect(lines).toHaveLength(10);
    expect(page).not.toHaveProperty('keyName');
    expect(page).not.toHaveProperty('environment');
  });

  test('rule: AwaitApproval keeps the token on the incident, pages once, and records the page', async () => {
    const { state } = await heldResponse();
    const next = await awaitApproval(world.deps, state, TOKEN, 3600);
    expect(world.incidents.tokens.get(state.incidentId)).toBe(TOKEN);
    expect(world.messages).toEqual([approvalNeededMessage(state, 3600)]);
    expect(next.actions.at(-1)).toMatchObject({ action: 'page on-call for approval', outcome: 'done' });
    expect(next.actions.at(-1)).not.toHaveProperty('detail');
    expect(JSON.stringify(next)).not.toContain(TOKEN);
  });

  test('rule: AwaitApproval refuses a response that is not held, or held without its approval, before any effect', async () => {
    const { state } = await heldResponse();
    for (const bad of [
      { ...state, decision: 'respond' as const },
      { ...state, approval: undefined },
    ]) {
      const error = await awaitApproval(world.deps, bad, TOKEN, 3600).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalStateError);
      expect((error as Error).message).toBe(`incident ${state.incidentId} is not held for approval`);
    }
    expect(world.incidents.tokens.size).toBe(0);
    expect(world.messages).toEqual([]);
  });
});

describe('the answer', () => {
  test('rule: approval of a revoke-first key revokes every leaked version now and records who approved', async () => {
    const { key, state } = await heldResponse();
    const next = await approvalGranted(world.deps, state, { by: 'alice', note: 'real leak' });
    expect(next.decision).toBe('respond');
    expect(next.revoked).toBe(true);
    expect(revokedTag().sort()).toEqual([key.current, key.previous].sort());
    expect(await accepted(key.arn)).toEqual([]);
    const actions = next.actions.slice(-2);
    expect(actions[0]).toMatchObject({
      action: 'approved by a human',
      outcome: 'done',
      detail: 'by alice (claimed)',
    });
    expect(actions[1]).toMatchObject({
      action: 'revoke leaked key (revoke-first, approved)',
      outcome: 'done',
    });
    expect(next.approval).toEqual({
      ...state.approval,
      status: 'approved',
      at: expect.any(String),
      by: 'alice',
      note: 'real leak',
    });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'open',
      revoked: true,
      approval: { status: 'approved', by: 'alice' },
    });
  });

  test('rule: approval of a rotate-then-revoke key revokes nothing yet (the rotation comes first)', async () => {
    const { key, state } = await heldResponse({ 'keyturn:leak-policy': 'rotate-then-revoke' });
    const next = await approvalGranted(world.deps, state, { by: 'alice' });
    expect(next.decision).toBe('respond');
    expect(next.revoked).toBe(false);
    expect(revokedTag()).toEqual([]);
    expect(await accepted(key.arn)).toEqual(expect.arrayContaining([key.current, key.previous]));
    expect(next.approval).not.toHaveProperty('note');
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'open',
      approval: { status: 'approved' },
    });
  });

  test('rule: approval revokes nothing when nothing is live or it was already revoked (a retried task)', async () => {
    const { state } = await heldResponse();
    for (const s of [
      { ...state, leaked: [] },
      { ...state, revoked: true },
    ]) {
      const next = await approvalGranted(world.deps, s, { by: 'alice' });
      expect(next.actions.map((a) => a.action)).not.toContain('revoke leaked key (revoke-first, approved)');
    }
    expect(revokedTag()).toEqual([]);
  });

  test('rule: an answer to a response that was not held is refused', async () => {
    const { state } = await heldResponse();
    const notHeld: LeakState = { ...state, approval: undefined };
    for (const answer of [
      () => approvalGranted(world.deps, notHeld, { by: 'alice' }),
      () => approvalDenied(world.deps, notHeld, { by: 'bob' }),
      () => approvalTimedOut(world.deps, notHeld),
    ]) {
      const error = await answer().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApprovalStateError);
      expect((error as Error).message).toBe(`incident ${state.incidentId} was not held for approval`);
    }
    expect(revokedTag()).toEqual([]);
    expect(world.messages).toEqual([]);
  });

  test('rule: denial revokes nothing, resolves the incident, frees the key for the next report, writes the ledger and tells on-call', async () => {
    const { key, state } = await heldResponse();
    const next = await approvalDenied(world.deps, state, { by: 'bob', note: 'a test key in a fixture' });
    expect(next.revoked).toBe(false);
    expect(revokedTag()).toEqual([]);
    expect(await accepted(key.arn)).toEqual(expect.arrayContaining([key.current, key.previous]));
    expect(next.actions.at(-1)).toMatchObject({
      action: 'denied by a human: nothing revoked',
      outcome: 'done',
      detail: 'by bob (claimed): a test key in a fixture',
    });
    expect(next.approval).toMatchObject({ status: 'denied', by: 'bob', note: 'a test key in a fixture' });
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'resolved',
      approval: { status: 'denied' },
    });
    expect(world.incidents.releasedMarkers).toEqual([
      { marker: 'open#prod/billing-api', incidentId: state.incidentId },
    ]);
    expect([...world.ledger.entries.values()]).toEqual([
      expect.objectContaining({
        kind: 'incident',
        outcome: 'responded',
        idempotencyKey: `incident#${state.incidentId}`,
      }),
    ]);
    expect(world.messages).toHaveLength(1);
    expect(world.messages[0]).toMatchObject({ severity: 'notice', kind: 'leak-approval-ended' });
    expect(world.messages[0].message).toContain('DENIED by bob');
  });

  test('rule: a denial without a reason records who denied and no note', async () => {
    const { state } = await heldResponse();
    const next = await approvalDenied(world.deps, state, { by: 'bob' });
    expect(next.actions.at(-1)?.detail).toBe('by bob (claimed)');
    expect(next.approval).not.toHaveProperty('note');
  });

  test('rule: a timeout revokes nothing, escalates, frees the key, writes the ledger escalated and pages critical', async () => {
    const { key, state } = await heldResponse();
    const note = 'nobody approved in time: nothing was revoked or rotated, the leaked key STILL WORKS';
    const next = await approvalTimedOut(world.deps, state);
    expect(next.revoked).toBe(false);
    expect(revokedTag()).toEqual([]);
    expect(await accepted(key.arn)).toEqual(expect.arrayContaining([key.current, key.previous]));
    expect(next.actions.at(-1)).toMatchObject({
      action: 'approval timed out',
      outcome: 'failed',
      detail: note,
    });
    expect(next.approval).toEqual({ ...state.approval, status: 'timed-out', at: expect.any(String), note });
    expect(next.failure).toBe(`approval timed out: ${note}`);
    expect(world.incidents.records.get(state.incidentId)).toMatchObject({
      status: 'escalated',
      approval: { status: 'timed-out' },
    });
    expect(world.incidents.releasedMarkers).toEqual([
      { marker: 'open#prod/billing-api', incidentId: state.incidentId },
    ]);
    expect([...world.ledger.entries.values()]).toEqual([
      expect.objectContaining({ kind: 'incident', outcome: 'escalated' }),
    ]);
    expect(world.messages).toHaveLength(1);
    expect(world.messages[0]).toMatchObject({ severity: 'critical', kind: 'leak-approval-ended' });
    // The next report of the key starts a new response.
    world.budget.places.clear();
    const again = await contain(world.deps, reportOf('billing-api', {}, 'evt-0009-again'));
    expect(again.decision).toBe('respond');
    expect(again.revoked).toBe(true);
  });
});
