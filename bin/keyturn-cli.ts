#!/usr/bin/env node
/** `keyturn`: the on-call CLI. See docs/operations.md. */
import { defaultDeps } from './cli/deps';
import { run } from './cli/program';

void run(process.argv.slice(2), defaultDeps()).then((code) => {
  process.exitCode = code;
});
