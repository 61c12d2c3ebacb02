/**
 * The leak response as AWS runs it: the state machine synthesized from the keyturn app (bin/keyturn.config.json,
 * bundling skipped), executed by test/helpers/state-machine.ts with every task bound to the real leak handler
 * (lambdas/leak/handler.ts: parser, middy, Powertools) whose clients are the world's fakes.
 */
import { deps as handlerDeps, handler } from '../../lambdas/leak/handler';
import type { LeakState } from '../../lambdas/core/leak/state';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import { execute, type Execution, type ExecuteOptions, type ExecutionResult } from '../helpers/state-machine';
import { leakMachine } from './definition';

export { leakMachine, taskStates, type LeakMachine } from './definition';

export type LeakRunOptions = Omit<ExecuteOptions, 'functions'>;

/** Start the executed leak response for `event` with the handler's clients replaced by `deps`. */
export function startLeak(deps: LeakDeps, event: unknown, options: LeakRunOptions = {}): Execution {
  Object.assign(handlerDeps, deps);
  const { definition, functionArn } = leakMachine();
  return execute(definition, event, {
    ...options,
    functions: { [functionArn]: (e, context) => handler(e as never, context) },
  });
}

/** Run it to the end: the final state when it succeeded, else the failure. */
export async function runLeak(
  deps: LeakDeps,
  event: unknown,
  options: LeakRunOptions = {},
): Promise<ExecutionResult & { state?: LeakState; execution: Execution }> {
  const execution = startLeak(deps, event, options);
  const result = await execution.done;
  return {
    ...result,
    execution,
    ...(result.status === 'SUCCEEDED' ? { state: result.output as LeakState } : {}),
  };
}
