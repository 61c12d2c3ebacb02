#!/usr/bin/env node
// The `keyturn` bin: Node cannot run TypeScript by itself, so register tsx's loader and load the TypeScript entry.
/* eslint-disable no-undef, @typescript-eslint/no-require-imports -- a CommonJS shim, run by node directly */
require('tsx/cjs/api').register();
require('./keyturn-cli.ts');
