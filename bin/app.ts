#!/usr/bin/env node
/**
 * The keyturn CDK app. Reads the key configuration from `-c keyturnConfig=<file>`, $KEYTURN_CONFIG, or the
 * shipped example bin/keyturn.config.json, validates it, and synthesizes the stack (with cdk-nag checks).
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigurationError, loadConfigFile } from '../lib/config/load';
import { buildKeyturnApp } from '../lib/app';

const app = new App();
const contextPath = app.node.tryGetContext('keyturnConfig') as string | undefined;
const configPath = contextPath ?? process.env.KEYTURN_CONFIG ?? path.join(__dirname, 'keyturn.config.json');

try {
  buildKeyturnApp(loadConfigFile(configPath), app);
  app.synth();
} catch (error) {
  if (error instanceof ConfigurationError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
