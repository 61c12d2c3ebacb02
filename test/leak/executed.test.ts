/**
 * The runbook per failure, proven on the synthesized definition: each task of the leak state machine is made to
 * fail on every attempt in turn (its Lambda invocation errors, as a crash, a timeout or a bad grant would), and each
 * ends with on-call paged: by escalate (a critical "leak-escalated" page and an escalated incident), or, when escalate
 * itself cannot run, by the execution failing into the failure alarm on the critical topic.
 */
import { DynamoIncidentStore } from '../../lambdas/aws/incident-store';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { captureOutput } from '../helpers/lambda';
import { startDynalite, type LocalDynamo } from '../ledger/dynalite';
import { leakMachine, runLeak, taskStates } from './machine';
import { buildWorld, createIncidentTable, leakEvent, selfIssuedKey, type World } from './world';

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
  incidents = new DynamoIncidentStore(dynamo.doc, await createIncidentTable(dynamo.client));
  world = buildWorld(sm, incidents);
  output = captureOutput();
});
afterEach(() => output.restore());

const injected = () => Object.assign(new Error('injected: the function crashed'), { name: 'InjectedFault' });
const always = () => injected();

type Scenario = 'revoke-first' | 'rotate-then-revoke' | 'unmanaged';
async function eventFor(scenario: Scenario) {
  if (scenario === 'unmanaged')
    return leakEvent({ key: 'no-such-key', environment: 'prod', where: 'slack', reportedBy: 'bob' });
  await selfIssuedKey(world, scenario === 'rotate-then-revoke' ? { 'keyturn:leak-policy': scenario } : {});
  return leakEvent({ key: 'billing-api', environment: 'prod', where: 'a gist', reportedBy: 'scanner' });
}

/** Where each task is reached, and the Fail state its failure ends in after on-call was paged. */
const ESCALATED: Array<[string, Scenario, string]> = [
  ['ResolveAndRevoke', 'revoke-first', 'LeakContainFailed'],
  ['RotateNow', 'revoke-first', 'LeakResponseEscalated'],
  ['CheckReplacement', 'revoke-first', 'LeakResponseEscalated'],
  ['RevokeAfterRotation', 'rotate-then-revoke', 'LeakResponseEscalated'],
  ['AuditExposure', 'revoke-first', 'LeakResponseEscalated'],
  ['RotateLinkedKeys', 'revoke-first', 'LeakResponseEscalated'],
  ['RecordAndNotify', 'revoke-first', 'LeakResponseEscalated'],
  ['SecondCheck', 'revoke-first', 'LeakResponseEscalated'],
  ['RecordUnmanaged', 'unmanaged', 'LeakResponseEscalated'],
];
/** The escalate tasks themselves, and a task whose failure reaches each. */
const PAGING: Array<[string, string]> = [
  ['EscalateContain', 'ResolveAndRevoke'],
  ['Escalate', 'RotateNow'],
];

/** The blast-radius approval's tasks: their failure cases need a held response (test/leak/blast-radius.test.ts). */
const HELD = ['AwaitApproval', 'ApprovedRevoke', 'RecordDenied', 'RecordApprovalTimeout'];

test('every task of the synthesized definition has a failure case (a new task needs its runbook)', () => {
  expect([...ESCALATED.map(([s]) => s), ...PAGING.map(([s]) => s), ...HELD].sort()).toEqual(
    taskStates().sort(),
  );
});

test.each(ESCALATED)(
  '%s failing on every attempt (%s): retried, then escalated; on-call paged, incident escalated',
  async (state, scenario, failState) => {
    const event = await eventFor(scenario);
    const run = await runLeak(world.deps, event, { faults: { [state]: always } });
    expect(run).toMatchObject({ status: 'FAILED', error: failState });
    const attempts = run.execution.invocations.filter((i) => i.state === state);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((i) => i.outcome === 'error' && i.error === 'InjectedFault')).toBe(true);
    const page = world.messages.at(-1)!;
    // An unmanaged key's page keeps its kind (the person's job is the same: revoke it by hand).
    const kind = scenario === 'unmanaged' ? 'leak-unmanaged' : 'leak-escalated';
    expect(page).toMatchObject({ severity: 'critical', kind });
    expect(page.message).toContain(
      'escalate to on-call: failed (InjectedFault: InjectedFault: injected: the function crashed)',
    );
    const incidentId =
      state === 'ResolveAndRevoke' ? run.execution.name : page.message.match(/inc-[\w-]+/)![0];
    expect((await incidents.get(incidentId))?.status).toBe('escalated');
  },
);

test('a task that fails once and then works is retried and the response completes (no page beyond the plan)', async () => {
  const event = await eventFor('revoke-first');
  const run = await runLeak(world.deps, event, {
    faults: Object.fromEntries(
      taskStates()
        .filter((s) => !s.startsWith('Escalate'))
        .map((s) => [s, (attempt: number) => (attempt === 1 ? injected() : undefined)]),
    ),
  });
  expect(run.status).toBe('SUCCEEDED');
  expect(run.state).toMatchObject({
    revoked: true,
    rotation: 'current',
    verified: true,
    secondCheck: 'refused',
  });
  expect(world.messages.map((m) => m.kind)).toEqual(['leak-contained', 'leak']);
});

describe('escalate itself failing: the execution fails and the failure alarm pages', () => {
  const { template, machineId } = leakMachine();

  test.each(PAGING)(
    '%s failing (after %s failed): the execution fails, no page was sent',
    async (escalate, first) => {
      const event = await eventFor('revoke-first');
      const run = await runLeak(world.deps, event, { faults: { [first]: always, [escalate]: always } });
      expect(run).toMatchObject({ status: 'FAILED', error: 'InjectedFault' });
      expect(run.execution.invocations.filter((i) => i.state === escalate).length).toBeGreaterThan(1);
      expect(world.messages.filter((m) => m.kind === 'leak-escalated')).toEqual([]);
    },
  );

  test("the failure alarm counts this machine's failed and timed-out executions and notifies the critical topic", () => {
    const alarm = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::CloudWatch::Alarm' &&
        /a leak response failed/.test(String(r.Properties?.AlarmDescription)),
    )!.Properties!;
    const metrics = JSON.stringify(alarm.Metrics);
    for (const needed of ['ExecutionsFailed', 'ExecutionsTimedOut', machineId])
      expect(metrics).toContain(needed);
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
    expect(JSON.stringify(alarm.AlarmActions)).toMatch(/Critical/);
  });
});
