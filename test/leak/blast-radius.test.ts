/**
 * The blast-radius cap on the executed state machine (the synthesized definition, tasks bound to the real leak
 * handler, test/leak/machine.ts), with the real count (lambdas/aws/revocation-budget.ts) and incident store on a
 * DynamoDB-compatible table: past the cap a response revokes nothing, pages on-call with the incident and the
 * commands, and waits on its task token; approval revokes and the response completes; denial and the timeout end it
 * with nothing revoked and a record. Under the cap nothing changes. A flood of leak events revokes at most the cap.
 */
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import { DynamoRevocationBudget } from '../../lambdas/aws/revocation-budget';
import { BOOTSTRAP_SECRET_VALUE, LEAK_DENIED_ERROR } from '../../lambdas/core/constants';
import type { LeakState } from '../../lambdas/core/leak/state';
import { acceptedVersions } from '../../lambdas/core/retirement';
import { captureOutput } from '../helpers/lambda';
import { managedTags } from '../helpers/keys';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import type { Execution } from '../helpers/state-machine';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { leakMachine, runLeak, startLeak, taskStates } from './machine';
import { buildWorld, createIncidentTable, leakEvent, type World } from './world';

const sm = new FakeSecretsManager();
let dynamo: LocalDynamo;
let incidents: DynamoIncidentStore;
let world: World;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  dynamo = await startDynalite();
  leakMachine();
}, 300_000);
afterAll(async () => dynamo.close());
beforeEach(async () => {
  sm.reset();
  const table = await createIncidentTable(dynamo.client);
  incidents = new DynamoIncidentStore(dynamo.doc, table);
  const budget = new DynamoRevocationBudget(dynamo.doc, table, { maxRevocations: 3, windowSeconds: 600 });
  world = buildWorld(sm, incidents, budget);
  output = captureOutput();
});
afterEach(() => output.restore());

/** `count` managed self-issued keys, each rotated twice (AWSCURRENT and AWSPREVIOUS hold keys). */
async function keys(count: number, policy: 'revoke-first' | 'rotate-then-revoke' = 'revoke-first') {
  const out: Array<{ name: string; arn: string }> = [];
  for (let i = 0; i < count; i++) {
    const name = `api-${i}`;
    const secret = sm.addSecret(`keyturn/prod/${name}`, {
      value: BOOTSTRAP_SECRET_VALUE,
      tags: managedTags({ 'keyturn:key': name, 'keyturn:leak-policy': policy }),
    });
    await world.rotate(secret.arn);
    await world.rotate(secret.arn);
    out.push({ name, arn: secret.arn });
  }
  return out;
}

const report = (name: string, i: number) =>
  leakEvent(
    { key: name, environment: 'prod', where: 'https://paste.example.com/x', reportedBy: 'scanner' },
    `evt-${String(i).padStart(4, '0')}-flood`,
  );

/** Versions consumers refuse (the revoked-versions tag): the key is revoked for every provider. */
const revokedOf = (arn: string) => {
  const secret = [...sm.secrets.values()].find((s) => s.arn === arn)!;
  return (secret.tags['keyturn:revoked-versions'] ?? '').split(' ').filter(Boolean);
};
const rotationsOf = (arn: string) => world.rotations.filter((r) => r === arn).length;

/** Run the first `n` leaks to their end (under the cap). */
async function revokeFirst(all: Array<{ name: string; arn: string }>, n: number) {
  for (let i = 0; i < n; i++) {
    const run = await runLeak(world.deps, report(all[i].name, i));
    expect(run.status).toBe('SUCCEEDED');
  }
}

/** Start a leak past the cap and wait until it waits for its callback. */
async function held(name: string, i: number): Promise<{ execution: Execution; token: string }> {
  const execution = startLeak(world.deps, report(name, i));
  const token = await execution.callbacks.waitForToken();
  return { execution, token };
}

const approval = (by = 'alice') => JSON.stringify({ by });

test('under the cap nothing changes: three leaks within minutes each revoke, rotate and complete (no wait)', async () => {
  const all = await keys(3);
  for (const [i, k] of all.entries()) {
    const run = await runLeak(world.deps, report(k.name, i));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.entered).not.toContain('AwaitApproval');
    expect(run.state).toMatchObject({ decision: 'respond', revoked: true, rotation: 'current' });
    expect(revokedOf(k.arn).length).toBeGreaterThan(0);
  }
  expect(world.messages.map((m) => m.kind)).not.toContain('leak-approval-needed');
});

test('past the cap: the fourth leak revokes nothing, pages critical with the incident and the commands, and waits', async () => {
  const all = await keys(4);
  await revokeFirst(all, 3);
  const { execution, token } = await held(all[3].name, 3);
  expect(execution.callbacks.pending.get(token)?.state).toBe('AwaitApproval');
  expect(revokedOf(all[3].arn)).toEqual([]);
  expect(rotationsOf(all[3].arn)).toBe(0);
  const page = world.messages.at(-1)!;
  const incidentId = page.message.match(/Incident: (inc-[\w-]+)/)![1];
  expect(page).toMatchObject({ severity: 'critical', kind: 'leak-approval-needed' });
  expect(page.message).toContain(`keyturn leak approve ${incidentId}`);
  expect(page.message).toContain(`keyturn leak deny ${incidentId}`);
  expect(page.message).toContain('3 key(s) already revoked by the leak response within 10 min');
  // The token is a capability: on the incident (for the CLI), never in the page.
  expect(JSON.stringify(world.messages)).not.toContain(token);
  const record = await incidents.get(incidentId);
  expect(record).toMatchObject({ status: 'open', revoked: false, approvalToken: token });
  expect(record?.approval).toMatchObject({ status: 'waiting' });
  execution.callbacks.sendTaskFailure({ taskToken: token, error: LEAK_DENIED_ERROR, cause: approval() });
  await execution.done;
});

test('approve resumes the response: the key is revoked, replaced and verified; the spent token leaves the record', async () => {
  const all = await keys(4);
  await revokeFirst(all, 3);
  const { execution, token } = await held(all[3].name, 3);
  execution.callbacks.sendTaskSuccess({ taskToken: token, output: approval('alice') });
  const result = await execution.done;
  expect(result.status).toBe('SUCCEEDED');
  const state = (result as { output: LeakState }).output;
  expect(state).toMatchObject({
    decision: 'respond',
    revoked: true,
    rotation: 'current',
    verified: true,
    approval: { status: 'approved', by: 'alice' },
  });
  expect(result.entered).toEqual(expect.arrayContaining(['AwaitApproval', 'ApprovedRevoke', 'RotateNow']));
  const leaked = state.leaked.map((v) => v.versionId);
  expect(revokedOf(all[3].arn)).toEqual(expect.arrayContaining(leaked));
  const accepted = acceptedVersions(await world.deps.secrets.describe(all[3].arn));
  expect(accepted.some((v) => leaked.includes(v))).toBe(false);
  const record = await incidents.get(state.incidentId);
  expect(record).toMatchObject({ status: 'resolved', revoked: true, approval: { status: 'approved' } });
  expect(record?.approvalToken).toBeUndefined();
  expect(record?.actions.map((a) => a.action)).toContain('approved by a human');
});

test('a held rotate-then-revoke key waits before it rotates; approval rotates, then revokes', async () => {
  const all = await keys(4, 'rotate-then-revoke');
  await revokeFirst(all, 3);
  const { execution, token } = await held(all[3].name, 3);
  expect(rotationsOf(all[3].arn)).toBe(0);
  execution.callbacks.sendTaskSuccess({ taskToken: token, output: approval() });
  const result = await execution.done;
  expect(result.status).toBe('SUCCEEDED');
  expect((result as { output: LeakState }).output).toMatchObject({ revoked: true, rotation: 'current' });
  expect(result.entered).toContain('RevokeAfterRotation');
});

test('deny ends the response with nothing revoked or rotated, a resolved record, a ledger entry and a notice', async () => {
  const all = await keys(4);
  await revokeFirst(all, 3);
  const { execution, token } = await held(all[3].name, 3);
  execution.callbacks.sendTaskFailure({
    taskToken: token,
    error: LEAK_DENIED_ERROR,
    cause: JSON.stringify({ by: 'bob', note: 'a flood from the test scanner' }),
  });
  const result = await execution.done;
  expect(result.status).toBe('SUCCEEDED');
  expect(result.entered.at(-1)).toBe('DeniedNothingRevoked');
  expect(revokedOf(all[3].arn)).toEqual([]);
  expect(rotationsOf(all[3].arn)).toBe(0);
  const state = (result as { output: LeakState }).output;
  const record = await incidents.get(state.incidentId);
  expect(record).toMatchObject({
    status: 'resolved',
    revoked: false,
    approval: { status: 'denied', by: 'bob', note: 'a flood from the test scanner' },
  });
  expect(record?.approvalToken).toBeUndefined();
  expect(record?.impact).toContain('DENIED by bob (claimed): nothing was revoked');
  expect(world.messages.at(-1)).toMatchObject({ severity: 'notice', kind: 'leak-approval-ended' });
  expect([...world.ledger.entries.values()].filter((e) => e.kind === 'incident').length).toBe(4);
  // The key's open-incident marker is free: a new report of it starts a new response (held again: the cap).
  const again = await held(all[3].name, 9);
  again.execution.callbacks.sendTaskFailure({
    taskToken: again.token,
    error: LEAK_DENIED_ERROR,
    cause: '{}',
  });
  expect((await again.execution.done).entered).toContain('AwaitApproval');
});

test('a timeout pages critical and ends the execution failed, with nothing revoked and an escalated record', async () => {
  const all = await keys(4);
  await revokeFirst(all, 3);
  const { execution, token } = await held(all[3].name, 3);
  execution.callbacks.timeOut(token);
  const result = await execution.done;
  expect(result).toMatchObject({ status: 'FAILED', error: 'LeakApprovalTimedOut' });
  expect(revokedOf(all[3].arn)).toEqual([]);
  const page = world.messages.at(-1)!;
  expect(page).toMatchObject({ severity: 'critical', kind: 'leak-approval-ended' });
  expect(page.subject).toContain('approval TIMED OUT, key NOT revoked');
  const incidentId = page.message.match(/Incident: (inc-[\w-]+)/)![1];
  const record = await incidents.get(incidentId);
  expect(record).toMatchObject({ status: 'escalated', revoked: false, approval: { status: 'timed-out' } });
  expect(record?.approvalToken).toBeUndefined();
});

test('the wait is bounded: AwaitApproval has the configured timeout, and a denial or timeout is never retried', () => {
  const state = leakMachine().definition.States.AwaitApproval as unknown as {
    Resource: string;
    TimeoutSeconds: number;
    Retry: Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
  };
  expect(state.Resource).toMatch(/lambda:invoke\.waitForTaskToken$/);
  expect(state.TimeoutSeconds).toBe(3600);
  const answers = state.Retry.findIndex((r) => r.ErrorEquals.includes(LEAK_DENIED_ERROR));
  expect(state.Retry[answers]).toEqual({
    ErrorEquals: [LEAK_DENIED_ERROR, 'States.Timeout'],
    MaxAttempts: 0,
  });
  const wildcard = state.Retry.findIndex((r) => r.ErrorEquals.includes('States.ALL'));
  expect(answers).toBeLessThan(wildcard);
  expect(leakMachine().definition.TimeoutSeconds).toBe(4 * 3600);
});

test('attacker: a flood of leak events from an allowed sender revokes at most the cap without a human', async () => {
  const all = await keys(8);
  const executions = all.map((k, i) => startLeak(world.deps, report(k.name, i)));
  // Every response has either finished (admitted) or is waiting for a human.
  const outcomes = await Promise.all(
    executions.map((e) =>
      Promise.race([
        e.done.then(() => 'done' as const),
        e.callbacks.waitForToken().then(() => 'held' as const),
      ]),
    ),
  );
  expect(outcomes.filter((o) => o === 'done')).toHaveLength(3);
  expect(outcomes.filter((o) => o === 'held')).toHaveLength(5);
  expect(all.filter((k) => revokedOf(k.arn).length > 0)).toHaveLength(3);
  expect(all.filter((k) => rotationsOf(k.arn) > 0)).toHaveLength(3);
  expect(world.messages.filter((m) => m.kind === 'leak-approval-needed')).toHaveLength(5);
  for (const e of executions)
    for (const token of e.callbacks.pending.keys())
      e.callbacks.sendTaskFailure({ taskToken: token, error: LEAK_DENIED_ERROR, cause: approval('oncall') });
  await Promise.all(executions.map((e) => e.done));
  expect(all.filter((k) => revokedOf(k.arn).length > 0)).toHaveLength(3);
});

test('a retried contain (the count task) does not count twice: the same incident keeps its one place', async () => {
  const all = await keys(4);
  await revokeFirst(all, 2);
  // The third response's contain fails after counting, then its retry succeeds: it still holds one place.
  let failed = false;
  const incidentsOnce = Object.create(world.deps.incidents) as typeof world.deps.incidents;
  incidentsOnce.openOrJoin = async (input) => {
    if (!failed) {
      failed = true;
      throw Object.assign(new Error('injected: throttled'), {
        name: 'ProvisionedThroughputExceededException',
      });
    }
    return world.deps.incidents.openOrJoin(input);
  };
  const third = await runLeak({ ...world.deps, incidents: incidentsOnce }, report(all[2].name, 2));
  expect(third.status).toBe('SUCCEEDED');
  expect(third.execution.invocations.filter((i) => i.state === 'ResolveAndRevoke')).toHaveLength(2);
  // Three incidents counted, not four: the fourth is the one held.
  const { execution, token } = await held(all[3].name, 3);
  expect(execution.callbacks.pending.size).toBe(1);
  execution.callbacks.sendTaskFailure({ taskToken: token, error: LEAK_DENIED_ERROR, cause: approval() });
  await execution.done;
});

test('a duplicate signal that joins the open incident gives its place back; an unmanaged key takes none', async () => {
  const all = await keys(4);
  await revokeFirst(all, 2);
  const duplicate = await runLeak(world.deps, report(all[0].name, 50));
  expect(duplicate.state?.decision).toBe('joined');
  const unmanaged = await runLeak(world.deps, report('no-such-key', 51));
  expect(unmanaged.state?.decision).toBe('unmanaged');
  // Two places taken: the third key is still admitted, the fourth is held.
  expect((await runLeak(world.deps, report(all[2].name, 2))).entered).not.toContain('AwaitApproval');
  const { execution, token } = await held(all[3].name, 3);
  execution.callbacks.sendTaskFailure({ taskToken: token, error: LEAK_DENIED_ERROR, cause: approval() });
  await execution.done;
});

/** How each held task is reached: the answer that leads to it (none: the wait itself). */
const ANSWERS: Array<[string, (e: Execution, token: string) => void]> = [
  ['AwaitApproval', () => undefined],
  ['ApprovedRevoke', (e, token) => e.callbacks.sendTaskSuccess({ taskToken: token, output: approval() })],
  [
    'RecordDenied',
    (e, token) =>
      e.callbacks.sendTaskFailure({ taskToken: token, error: LEAK_DENIED_ERROR, cause: approval() }),
  ],
  ['RecordApprovalTimeout', (e, token) => e.callbacks.timeOut(token)],
];

test('every task of the approval path has a failure case here (test/leak/executed.test.ts lists them)', () => {
  expect(ANSWERS.map(([s]) => s).sort()).toEqual(
    taskStates()
      .filter((s) => ['AwaitApproval', 'ApprovedRevoke', 'RecordDenied', 'RecordApprovalTimeout'].includes(s))
      .sort(),
  );
});

test.each(ANSWERS)(
  '%s failing on every attempt: retried, then escalated; on-call paged, incident escalated, nothing revoked',
  async (state, answer) => {
    const all = await keys(4);
    await revokeFirst(all, 3);
    const crash = () => Object.assign(new Error('injected: the function crashed'), { name: 'InjectedFault' });
    const execution = startLeak(world.deps, report(all[3].name, 3), { faults: { [state]: crash } });
    if (state !== 'AwaitApproval') answer(execution, await execution.callbacks.waitForToken());
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'FAILED', error: 'LeakResponseEscalated' });
    expect(execution.invocations.filter((i) => i.state === state).length).toBeGreaterThan(1);
    const page = world.messages.at(-1)!;
    expect(page).toMatchObject({ severity: 'critical', kind: 'leak-escalated' });
    expect(page.message).toContain('escalate to on-call: failed (InjectedFault');
    const incidentId = page.message.match(/Incident: (inc-[\w-]+)/)![1];
    expect((await incidents.get(incidentId))?.status).toBe('escalated');
    expect(revokedOf(all[3].arn)).toEqual([]);
  },
);
