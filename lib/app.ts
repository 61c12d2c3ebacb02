/** Build the keyturn CDK app from a configuration: used by bin/app.ts and by the tests. */
import { App } from 'aws-cdk-lib';
import type { KeyturnConfig } from './config/schema';
import { KeyturnStack } from './keyturn-stack';
import { applyNagChecks } from './nag';

export function buildKeyturnApp(
  config: KeyturnConfig,
  app: App = new App(),
): { app: App; stack: KeyturnStack } {
  applyNagChecks(app);
  const stack = new KeyturnStack(app, config.pipeline.stackName, {
    config,
    description: 'keyturn: API key rotation, retirement, anomaly alarms and leak response',
  });
  return { app, stack };
}
