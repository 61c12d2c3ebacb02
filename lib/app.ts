/** Build the keyturn CDK app from a configuration: used by bin/app.ts, by consumers' apps and by the tests. */
import { App } from 'aws-cdk-lib';
import type { KeyturnConfig } from './config/schema';
import { KeyturnStack, type KeyturnStackProps } from './keyturn-stack';
import { applyLimitGuards } from './limits';
import { applyNagChecks } from './nag';

/**
 * Add cdk-nag's checks to `app` and one KeyturnStack named `pipeline.stackName`.
 * @param stackProps e.g. `env` (account and region): the stack stays environment-agnostic without it.
 */
export function buildKeyturnApp(
  config: KeyturnConfig,
  app: App = new App(),
  stackProps: Omit<KeyturnStackProps, 'config'> = {},
): { app: App; stack: KeyturnStack } {
  applyNagChecks(app);
  const stack = new KeyturnStack(app, config.pipeline.stackName, {
    description: 'keyturn: API key rotation, retirement, anomaly alarms and leak response',
    ...stackProps,
    config,
  });
  applyLimitGuards(app, { keyCount: config.keys.length, shardCount: stack.shardPlan.shardCount });
  return { app, stack };
}
