/**
 * The leak response as AWS runs it: the state machine synthesized from the keyturn app (bin/keyturn.config.json,
 * bundling skipped), executed by test/helpers/state-machine.ts with every task bound to the real leak handler
 * (lambdas/leak/handler.ts: parser, middy, Powertools) whose clients are the world's fakes.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { buildKeyturnApp } from '../../lib/app';
import { deps as handlerDeps, handler } from '../../lambdas/leak/handler';
import type { LeakState } from '../../lambdas/core/leak/state';
import type { LeakDeps } from '../../lambdas/core/leak/ports';
import {
  execute,
  functionArnOf,
  stateMachineDefinitions,
  type Definition,
  type Execution,
  type ExecuteOptions,
  type ExecutionResult,
} from '../helpers/state-machine';
import { exampleConfig, testApp } from '../helpers/synth';
import type { CfnTemplate } from '../helpers/template-iam';

export interface LeakMachine {
  template: CfnTemplate;
  definition: Definition;
  machineId: string;
  functionArn: string;
}

let cached: LeakMachine | undefined;

/** Synthesized once per process (CDK synth is the slow part). */
export function leakMachine(): LeakMachine {
  if (cached) return cached;
  const { stack } = buildKeyturnApp(exampleConfig(), testApp());
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const [machineId, definition] = Object.entries(stateMachineDefinitions(template)).find(
    ([, d]) => d.Comment === 'keyturn leak response',
  )!;
  const [functionId] = Object.entries(template.Resources).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' &&
      String(r.Properties?.Description).startsWith('Leak response tasks'),
  )!;
  cached = { template, definition, machineId, functionArn: functionArnOf(template, functionId) };
  return cached;
}

/** The Task states of the definition. */
export function taskStates(definition: Definition = leakMachine().definition): string[] {
  return Object.entries(definition.States)
    .filter(([, s]) => s.Type === 'Task')
    .map(([name]) => name);
}

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
