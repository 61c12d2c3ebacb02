/**
 * Execute a synthesized state machine in-process (aws-local-stepfunctions), with its Lambda tasks bound to real
 * handlers: the definition comes from the template that CDK synthesized (its Fn::Join/Ref resolved by the template
 * resolver), never from a hand-written copy of the order. Used by the leak tests, bench/leak.ts and the emulator suite.
 *
 * What the binding does as Step Functions and Lambda would:
 * - a task's input and the function's result cross a JSON boundary (no shared objects, 256 KB per payload);
 * - a function that throws surfaces as the error `errorType` (the thrown error's name) with the Cause a JSON string
 *   `{"errorType","errorMessage","trace"}`, which Retry and Catch match on;
 * - `.waitForTaskToken` tasks invoke the function with `$$.Task.Token` in the payload, then wait for
 *   SendTaskSuccess / SendTaskFailure (`execution.callbacks`), as the console or `keyturn leak approve` sends them;
 *   `callbacks.timeOut` fails the waiting task with States.Timeout, as its TimeoutSeconds elapsing would.
 * Where the local interpreter differs from the service:
 * - aws-local-stepfunctions 3.0.0 declares Node >= 22 and calls `Promise.withResolvers` in every Task state: on Node 20
 *   every task then fails with a TypeError (caught by the definition's Catch, so a run can look right) and the
 *   handler's own rejection goes unhandled. It is polyfilled below, before the interpreter loads.
 * - `$$.Task.Token` is one token per execution (the service issues one per attempt); `$$.Execution.Name` is given here.
 * - Wait states and retry intervals can be skipped (their timers are fixed; the retry counts are kept).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { TemplateResolver, type CfnTemplate } from './template-iam';
import { lambdaContext } from './lambda';

if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const asl = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

export type Definition = import('aws-local-stepfunctions').StateMachineDefinition;
type StateDef = Record<string, unknown> & { Type: string; Resource?: string };

/** Step Functions' limit on a state's input or output. */
const PAYLOAD_LIMIT = 256 * 1024;

/** The definitions of the template's state machines, concrete JSON, by logical id. */
export function stateMachineDefinitions(template: CfnTemplate): Record<string, Definition> {
  const resolver = new TemplateResolver(template);
  const out: Record<string, Definition> = {};
  for (const [id, r] of resolver.ofType('AWS::StepFunctions::StateMachine')) {
    const body = r.Properties?.DefinitionString ?? r.Properties?.Definition;
    const text = resolver.resolve(body);
    out[id] = (typeof text === 'string' ? JSON.parse(text) : text) as Definition;
  }
  return out;
}

/** The ARN a template resolver gives a function (what the definition's Resource fields hold). */
export function functionArnOf(template: CfnTemplate, logicalId: string): string {
  return new TemplateResolver(template).arnOf(logicalId);
}

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface Invocation {
  state: string;
  attempt: number;
  outcome: 'ok' | 'error';
  error?: string;
}

export interface ExecuteOptions {
  /** Handlers by function ARN: every Task state that invokes one runs it. A Task on another resource fails the run. */
  functions: Record<string, LambdaHandler>;
  /** `$$.Execution.Name` (Step Functions: a UUID unless the caller names it). */
  name?: string;
  /** Wait states that pause 0 ms instead of their timer: all (true), or the named ones. @default true */
  skipWaits?: boolean | string[];
  /** Retry intervals of 0 ms (the number of retries is unchanged). @default true */
  immediateRetries?: boolean;
  /**
   * Make a task's invocation fail before the function runs (a function error, as a crash or timeout would):
   * return the error for that attempt (1-based), or undefined to let it run.
   */
  faults?: Record<string, (attempt: number) => Error | undefined>;
}

export interface Callbacks {
  /** Tokens handed to `.waitForTaskToken` tasks and not answered yet. */
  readonly pending: ReadonlyMap<string, { state: string }>;
  /** Resolves once a task waits for a callback (a test or the CLI then answers it). */
  waitForToken(): Promise<string>;
  sendTaskSuccess(input: { taskToken: string; output: string }): void;
  sendTaskFailure(input: { taskToken: string; error?: string; cause?: string }): void;
  /**
   * The task's TimeoutSeconds elapsing while it waits (the service fails it with States.Timeout). The interpreter
   * runs the definition's own timer too, but a test cannot wait an hour for it.
   */
  timeOut(taskToken: string): void;
}

export interface Execution {
  readonly name: string;
  readonly callbacks: Callbacks;
  /** The states entered, in order. */
  readonly entered: string[];
  readonly invocations: Invocation[];
  readonly done: Promise<ExecutionResult>;
}

export type ExecutionResult =
  | { status: 'SUCCEEDED'; output: unknown; entered: string[] }
  | { status: 'FAILED'; error: string; cause: string; entered: string[] };

class TaskFailure extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

function jsonBoundary(value: unknown, what: string): unknown {
  const text = JSON.stringify(value ?? null);
  if (Buffer.byteLength(text) > PAYLOAD_LIMIT)
    throw new TaskFailure('States.DataLimitExceeded', `${what} is over 256 KB`);
  return JSON.parse(text) as unknown;
}

/** How Lambda reports a function error to Step Functions. */
function functionError(error: unknown): TaskFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  const errorType = e.name || 'Error';
  return new TaskFailure(
    errorType,
    JSON.stringify({ errorType, errorMessage: e.message, trace: (e.stack ?? '').split('\n').slice(1, 4) }),
  );
}

/** The interpreter validates a definition when it is built (about a second under load): once per definition. */
const machines = new WeakMap<Definition, InstanceType<typeof asl.StateMachine>>();
function machineFor(definition: Definition) {
  let machine = machines.get(definition);
  if (!machine) {
    machine = new asl.StateMachine(definition, { validationOptions: { checkArn: false } });
    machines.set(definition, machine);
  }
  return machine;
}

/** Start an execution of `definition` with `input`. */
export function execute(definition: Definition, input: unknown, options: ExecuteOptions): Execution {
  const name = options.name ?? randomUUID();
  const entered: string[] = [];
  const invocations: Invocation[] = [];
  const attempts = new Map<string, number>();
  const token = `token-${name}`;
  const waiting = new Map<
    string,
    { state: string; settle: (r: { ok: unknown } | { fail: Error }) => void }
  >();
  const tokenWaiters: Array<(t: string) => void> = [];

  const callbacks: Callbacks = {
    pending: waiting,
    waitForToken: () =>
      waiting.size ? Promise.resolve([...waiting.keys()][0]) : new Promise((r) => tokenWaiters.push(r)),
    sendTaskSuccess: ({ taskToken, output }) => {
      const w = waiting.get(taskToken);
      if (!w) throw new TaskFailure('TaskTimedOut', 'Task Timed Out: the token is not waiting');
      waiting.delete(taskToken);
      w.settle({ ok: JSON.parse(output) as unknown });
    },
    sendTaskFailure: ({ taskToken, error, cause }) => {
      const w = waiting.get(taskToken);
      if (!w) throw new TaskFailure('TaskTimedOut', 'Task Timed Out: the token is not waiting');
      waiting.delete(taskToken);
      w.settle({ fail: new TaskFailure(error ?? 'States.TaskFailed', cause ?? '') });
    },
    timeOut: (taskToken) => {
      const w = waiting.get(taskToken);
      if (!w) throw new TaskFailure('TaskTimedOut', 'Task Timed Out: the token is not waiting');
      waiting.delete(taskToken);
      w.settle({ fail: new TaskFailure('States.Timeout', 'Task timed out waiting for a callback') });
    },
  };

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const waits: Record<string, number> = {};
  const retryIntervals: Record<string, number> = {};
  for (const [stateName, raw] of Object.entries(definition.States)) {
    const state = raw as unknown as StateDef;
    if (state.Type === 'Wait') {
      const skip = options.skipWaits ?? true;
      if (skip === true || (Array.isArray(skip) && skip.includes(stateName))) waits[stateName] = 0;
    }
    if ('Retry' in state && options.immediateRetries !== false) retryIntervals[stateName] = 0;
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const callback = resource.endsWith('.waitForTaskToken');
    handlers[stateName] = async (taskInput: unknown) => {
      const attempt = (attempts.get(stateName) ?? 0) + 1;
      attempts.set(stateName, attempt);
      // Service integrations (`arn:aws:states:::lambda:invoke…`) name the function and payload in Parameters.
      const integration = resource.startsWith('arn:aws:states:::lambda:invoke');
      const params = taskInput as { FunctionName?: string; Payload?: unknown };
      const functionArn = integration ? String(params.FunctionName) : resource;
      const handler = options.functions[functionArn.replace(/:\$LATEST$/, '')];
      if (!handler)
        throw new TaskFailure('States.Runtime', `${stateName}: no local function bound to ${functionArn}`);
      const event = jsonBoundary(integration ? params.Payload : taskInput, `${stateName} input`);
      let result: unknown;
      try {
        const fault = options.faults?.[stateName]?.(attempt);
        if (fault) throw fault;
        result = await handler(event, lambdaContext('keyturn-leak'));
      } catch (error) {
        const failure = error instanceof TaskFailure ? error : functionError(error);
        invocations.push({ state: stateName, attempt, outcome: 'error', error: failure.name });
        throw failure;
      }
      invocations.push({ state: stateName, attempt, outcome: 'ok' });
      const output = jsonBoundary(result, `${stateName} output`);
      if (!callback) return integration ? { Payload: output, StatusCode: 200 } : output;
      // The function got the token; the task's result is whatever the callback sends.
      const answer = await new Promise<{ ok: unknown } | { fail: Error }>((settle) => {
        waiting.set(token, { state: stateName, settle });
        for (const w of tokenWaiters.splice(0)) w(token);
      });
      if ('fail' in answer) throw answer.fail;
      return answer.ok;
    };
  }

  const run = machineFor(definition).run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: waits,
      retryIntervalOverrides: retryIntervals,
    },
    context: {
      Execution: { Name: name, Id: `arn:aws:states:eu-west-1:111122223333:execution:local:${name}` },
      Task: { Token: token },
    },
  });
  const events = (async () => {
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered')
        entered.push((event as unknown as { state: { name: string } }).state.name);
    }
  })();
  const done = run.result.then(
    async (output): Promise<ExecutionResult> => {
      await events;
      return { status: 'SUCCEEDED', output, entered };
    },
    async (error: unknown): Promise<ExecutionResult> => {
      await events.catch(() => undefined);
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return {
        status: 'FAILED',
        error: cause?.name ?? (error as Error).name,
        cause: cause?.message ?? (error as Error).message,
        entered,
      };
    },
  );
  return { name, callbacks, entered, invocations, done };
}
