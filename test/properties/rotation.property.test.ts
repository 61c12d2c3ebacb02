/**
 * Property-based fault injection over the rotation protocol: random schedules of steps (repeated, reordered,
 * concurrent, sent with stale or unknown tokens, a new rotation begun mid-way), Secrets Manager faults before and
 * after the write (throttling, 500, timeout after success), provider faults (lost create responses, refusals,
 * slow propagation) and retirements firing early or twice. Runs: KEYTURN_PROPERTY_RUNS (default 1,000) each.
 * A failure prints fast-check's seed and path: replay with `fc.assert(prop, { seed, path })`.
 */
import * as fc from 'fast-check';
import { deps as handlerDeps, handler } from '../helpers/rotate-handler';
import { captureOutput, lambdaContext } from '../helpers/lambda';
import { FakeSecretsManager } from '../helpers/secrets-manager-fake';
import { deployedRegistry } from '../helpers/registry';
import { retireOutcomes, retireThroughProvider, retireThroughRetireFunction } from './retire-adapter';
import { installTagResource } from '../retire/fakes';
import { PROPERTY_RUNS, RotationWorld, scenarioArb, type RetireFn, type Scenario } from './rotation-world';

const sm = new FakeSecretsManager();
beforeEach(() => {
  handlerDeps.registry = deployedRegistry(sm);
});

interface RunOptions {
  retire?: RetireFn;
  configure?: (world: RotationWorld) => void;
  invoke?: ConstructorParameters<typeof RotationWorld>[3];
}

async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RotationWorld> {
  sm.reset();
  const world = new RotationWorld(sm, scenario, options.retire, options.invoke);
  options.configure?.(world);
  await world.setUp();
  for (const [i, action] of scenario.actions.entries()) {
    await world.apply(action);
    await world.checkAlways(`after action ${i} (${action.kind})`);
  }
  await world.settle();
  await world.checkSettled();
  if (options.retire) {
    await world.retireAll();
    await world.checkSettled();
  }
  return world;
}

const recordingScenarios = scenarioArb.map((s): Scenario => ({ ...s, provider: 'recording' }));

describe('rotation under random schedules and faults', () => {
  test(`rule: exactly one AWSCURRENT exists, the provider accepts its key, no provider key is orphaned, every error is typed (${PROPERTY_RUNS} runs)`, async () => {
    let promotions = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const world = await runScenario(scenario);
        promotions += world.promotionsUnderFaults;
        expect(world.violations).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS },
    );
    // Not vacuous: schedules really completed rotations while faults were being injected.
    expect(promotions).toBeGreaterThan(PROPERTY_RUNS / 2);
  });

  test(`rule: a retirement firing early or twice never revokes the AWSCURRENT key, nor any key before its successor was verified (${PROPERTY_RUNS} runs)`, async () => {
    let revocations = 0;
    await fc.assert(
      fc.asyncProperty(recordingScenarios, async (scenario) => {
        const world = await runScenario(scenario, { retire: retireThroughProvider });
        revocations += world.recording.calls.filter(
          (c) => c.op === 'revoke' && c.outcome === 'revoked',
        ).length;
        expect(world.violations).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS },
    );
    expect(revocations).toBeGreaterThan(PROPERTY_RUNS / 4);
  });

  test(`rule: the retire function itself, firing early or twice under faults, never revokes the AWSCURRENT key nor one whose successor is unverified, and throws only typed errors (${PROPERTY_RUNS} runs)`, async () => {
    retireOutcomes.clear();
    let revocations = 0;
    await fc.assert(
      fc.asyncProperty(recordingScenarios, async (scenario) => {
        const world = await runScenario(scenario, {
          retire: retireThroughRetireFunction,
          configure: () => installTagResource(sm),
        });
        revocations += world.recording.calls.filter(
          (c) => c.op === 'revoke' && c.outcome === 'revoked',
        ).length;
        expect(world.violations).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS },
    );
    // Not vacuous: the real function retired keys, and its guards turned early or repeated firings away.
    expect(revocations).toBeGreaterThan(PROPERTY_RUNS / 4);
    expect(retireOutcomes.get('retired')).toBeGreaterThan(PROPERTY_RUNS / 4);
    expect(
      (retireOutcomes.get('already-retired') ?? 0) +
        (retireOutcomes.get('skipped-current') ?? 0) +
        (retireOutcomes.get('skipped-pending') ?? 0),
    ).toBeGreaterThan(0);
  });

  test(`rule: no key material in any log line, metric or error of the rotate handler (${PROPERTY_RUNS} runs through the handler)`, async () => {
    const output = captureOutput();
    const saved = { ...handlerDeps };
    let errors = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          const seen = output.text().length;
          const invoke = (event: object) => handler(event, lambdaContext('keyturn-rotate'));
          const world = await runScenario(scenario, {
            invoke,
            configure: (w) =>
              Object.assign(handlerDeps, {
                providers: w.deps.providers,
                issuance: w.issuance,
                sleep: w.deps.sleep,
                afterPromotion: w.deps.afterPromotion,
              }),
          });
          errors += world.thrown.length;
          const errorText = world.thrown
            .map(
              (e) =>
                `${e.name} ${e.message} ${e.cause instanceof Error ? e.cause.message : String(e.cause ?? '')}`,
            )
            .join('\n');
          expect(world.leaksIn(output.text().slice(seen) + '\n' + errorText)).toEqual([]);
          expect(world.violations).toEqual([]);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    } finally {
      output.restore();
      Object.assign(handlerDeps, saved);
    }
    expect(errors).toBeGreaterThan(PROPERTY_RUNS / 4);
    expect(output.text()).toContain('RotationStepFailed'); // the capture really held logs and metrics
  });
});

describe('the properties can fail (sensitivity)', () => {
  test('rule: a provider whose create is not idempotent per token is caught leaving orphan keys', async () => {
    const result = await fc.check(
      fc.asyncProperty(recordingScenarios, async (scenario) => {
        const world = await runScenario(scenario, {
          configure: (w) => (w.recording.idempotentCreate = false),
        });
        return world.violations.length === 0;
      }),
      { numRuns: PROPERTY_RUNS },
    );
    expect(result.failed).toBe(true);
    expect(result.counterexample).not.toBeNull();
  });

  test('rule: a retire that revokes the AWSCURRENT key is caught', async () => {
    const careless: RetireFn = async (world, ctx) => {
      const current = world.currentKey();
      if (typeof current === 'object') await world.provider.revoke(ctx, current);
    };
    let caught = 0;
    await fc.assert(
      fc.asyncProperty(recordingScenarios, async (scenario) => {
        const world = await runScenario(scenario, { retire: careless });
        if (world.recording.calls.some((c) => c.op === 'revoke' && c.outcome === 'revoked')) {
          expect(world.violations.join('\n')).toContain('while it is AWSCURRENT');
          caught++;
        }
      }),
      { numRuns: 200 },
    );
    expect(caught).toBeGreaterThan(20);
  });
});
