/**
 * The rotate handler as unit tests load it. Its module scope builds the function's dependencies from the
 * environment; these harnesses configure no retirement (they inject `afterPromotion`, or test without one), so the
 * handler warns once that retirement is not configured: the right warning for a function, expected here. The
 * warning is captured while the module loads and checked to be the only output, so anything else still shows.
 */
import { captureOutput } from './lambda';

type RotateHandler = typeof import('../../lambdas/rotate/handler');

function loadExpectingRetirementWarning(): RotateHandler {
  const output = captureOutput();
  let loaded: RotateHandler;
  try {
    // A require, not an import: imports are hoisted above the capture.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('../../lambdas/rotate/handler') as RotateHandler;
  } finally {
    output.restore();
  }
  const unexpected = output.lines().filter((line) => !line.includes('"retirement is not configured'));
  if (unexpected.length)
    throw new Error(`the rotate handler printed while loading:\n${unexpected.join('\n')}`);
  return loaded;
}

export const { deps, handler, logger, metrics } = loadExpectingRetirementWarning();
