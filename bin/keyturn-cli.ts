#!/usr/bin/env node
/** `keyturn`: the on-call CLI. See docs/operations.md. */
// First: quiets the AWS SDK's Node-version notice before the SDK loads.
import './cli/quiet';
import { defaultDeps } from './cli/deps';
import { run } from './cli/program';

void run(process.argv.slice(2), defaultDeps()).then((code) => {
  process.exitCode = code;
});
