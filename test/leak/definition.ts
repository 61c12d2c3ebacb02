/**
 * The leak response's synthesized definition (bin/keyturn.config.json, bundling skipped): its state machine, the
 * function its tasks invoke, its Task states. No handler is imported here, so a test that loads the leak handler
 * with its own environment (the emulator suite) can take the definition without a second copy of the handler.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { buildKeyturnApp } from '../../lib/app';
import { functionArnOf, stateMachineDefinitions, type Definition } from '../helpers/state-machine';
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
