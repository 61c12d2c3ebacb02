/** Synthesize the keyturn app for infrastructure tests, without bundling (fast) unless asked. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildKeyturnApp } from '../../lib/app';
import { loadConfigFile, parseConfig } from '../../lib/config/load';
import type { KeyturnConfig } from '../../lib/config/schema';

export const EXAMPLE_CONFIG = path.join(__dirname, '..', '..', 'bin', 'keyturn.config.json');

export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function exampleConfig(): KeyturnConfig {
  return loadConfigFile(EXAMPLE_CONFIG);
}

export function configWith(raw: unknown): KeyturnConfig {
  return parseConfig(raw);
}

/** Build and synthesize (cdk-nag runs and throws on unacknowledged errors); the main stack's template. */
export function synthExample(config: KeyturnConfig = exampleConfig()) {
  const { app, stack } = buildKeyturnApp(config, testApp());
  const assembly = app.synth();
  return { app, stack, assembly, template: Template.fromStack(stack) };
}
