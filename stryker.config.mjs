// Mutation testing of the safety core (issue 20). Run: `npm run mutate` (incremental), or one file while you work:
// `npm run mutate -- --mutate lambdas/core/rotation.ts`. How to read the result: docs/mutation.md.

/**
 * The test folders that exercise the safety core (infrastructure, CLI and config tests synthesize CDK: left out, as
 * are the files of SYNTH_TESTS below).
 */
const ALL_TEST_DIRS = [
  'audit',
  'core',
  'hostile',
  'intake',
  'leak',
  'ledger',
  'mutation',
  'notify',
  'properties',
  'providers',
  'registry',
  'retire',
  'rotate',
  'verifier',
];
/**
 * KEYTURN_MUTATION_TESTS=retire,mutation narrows the folders while you work on one file (the score is then a floor);
 * an entry ending in `.test.ts` names one test file (`providers/http-helpers.test.ts`), for folders whose other
 * files are slow and do not cover the file mutated.
 */
const TEST_DIRS = process.env.KEYTURN_MUTATION_TESTS?.split(',') ?? ALL_TEST_DIRS;
const testGlob = (entry) =>
  entry.endsWith('.test.ts') ? `<rootDir>/test/${entry}` : `<rootDir>/test/${entry}/**/*.test.ts`;
/** Test files in those folders that synthesize CDK all the same: never run, whichever folders are selected. */
const SYNTH_TESTS = ['intake/stack.test.ts'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      testMatch: TEST_DIRS.map(testGlob),
      testPathIgnorePatterns: ['/node_modules/', ...SYNTH_TESTS.map((file) => `<rootDir>/test/${file}`)],
      // A fixed fast-check seed: the same property cases kill (or miss) the same mutants on every run.
      setupFiles: ['<rootDir>/test/mutation/fixed-seed.ts'],
    },
    // Off: with --findRelatedTests, StrykerJS 9.6's jest runner ran no test at all for static mutants (module-level
    // code such as the key-policy schema), reporting them as survivors. Each mutant run filters by test name.
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  mutate: [
    'lambdas/core/**/*.ts',
    '!lambdas/core/constants.ts',
    'lambdas/verifier/**/*.ts',
    'lambdas/providers/**/*.ts',
  ],
  // Incremental by default: a re-run only tests mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // The machine is shared: at most two workers, and generous timeouts so a slow neighbour is not a "timeout kill".
  concurrency: 2,
  timeoutMS: 45000,
  timeoutFactor: 2.5,
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 90, low: 80, break: null },
  // docs/examples stays: the HTTP hardening tests read the example configuration.
  ignorePatterns: ['cdk.out', 'reports', 'coverage', '.bench', 'docs/*', '!docs/examples', 'bench'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
