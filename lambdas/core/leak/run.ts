/**
 * The whole response in one call, in the state machine's order (lib/leak-response.ts): the end-to-end tests and
 * the benchmark drive it against fakes. In AWS, Step Functions runs the same tasks with retries, waits and timeouts.
 */
import { contain } from './contain';
import type { LeakDeps } from './ports';
import type { LeakState } from './state';
import {
  audit,
  checkRotation,
  conclude,
  escalate,
  revokeLeaked,
  rotate,
  rotateLinked,
  secondCheck,
} from './steps';

export interface RunOptions {
  /** Wait between checks of AWSCURRENT (the state machine waits 15 s). */
  rotationWaitMs?: number;
  maxRotationChecks?: number;
  /** Run the +1 h second check too (tests and the bench skip the wait itself). */
  secondCheck?: boolean;
}

export async function runLeakResponse(
  deps: LeakDeps,
  event: unknown,
  options: RunOptions = {},
): Promise<LeakState> {
  return continueLeakResponse(deps, await contain(deps, event), options);
}

/** Everything after `contain`, from its state. */
export async function continueLeakResponse(
  deps: LeakDeps,
  contained: LeakState,
  options: RunOptions = {},
): Promise<LeakState> {
  let state = contained;
  if (state.decision === 'joined') return state;
  if (state.decision === 'unmanaged') return conclude(deps, state);
  try {
    state = await rotate(deps, state);
    while (state.rotation === 'pending') {
      await deps.sleep?.(options.rotationWaitMs ?? 15_000);
      state = await checkRotation(deps, state, options.maxRotationChecks);
    }
    if (state.key?.leakPolicy === 'rotate-then-revoke') state = await revokeLeaked(deps, state);
    state = await audit(deps, state);
    state = await rotateLinked(deps, state);
    state = await conclude(deps, state);
  } catch (error) {
    const e = error as Error;
    return escalate(deps, state, {
      Error: e.name,
      Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }),
    });
  }
  return options.secondCheck ? secondCheck(deps, state) : state;
}
